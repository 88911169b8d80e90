namespace QueueService.Stores.Memory;

/// <summary>One member of a <see cref="RankedSet"/>: a score and the id that breaks ties.</summary>
internal readonly record struct RankedEntry(long Score, string Id);

/// <summary>
/// An order-statistic set of (score, id), ordered by score then by id (ordinal, as Redis orders
/// equal scores by member bytes): the in-memory twin of a Redis sorted set. A treap whose nodes
/// carry their subtree size, so Add, Remove, Rank and ElementAt are O(log N) expected and a range
/// starting at a rank costs O(log N + items). Not thread-safe: the store calls it under its lock.
/// </summary>
/// <remarks>
/// A treap was chosen over a skip list for its smaller per-member footprint (one node, no level
/// arrays) and over a red-black tree for its much shorter code; C5's TreeSet is not on our mirror.
/// </remarks>
internal sealed class RankedSet
{
    private Node? _root;
    private int _version;
    // Priorities only shape the tree; a fixed seed keeps runs reproducible.
    private readonly Random _random = new(0x5EED);

    /// <summary>How many members the set holds.</summary>
    public int Count => Size(_root);

    /// <summary>The lowest member, if any.</summary>
    public bool TryGetMin(out RankedEntry entry)
    {
        var node = _root;
        if (node is null)
        {
            entry = default;
            return false;
        }
        while (node.Left is not null) node = node.Left;
        entry = new RankedEntry(node.Score, node.Id);
        return true;
    }

    /// <summary>Adds a member.</summary>
    /// <returns>False when the exact (score, id) was already there.</returns>
    public bool Add(long score, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var added = false;
        _root = Insert(_root, score, id, _random.Next(), ref added);
        if (added) _version++;
        return added;
    }

    /// <summary>Removes a member.</summary>
    /// <returns>False when the exact (score, id) was not there.</returns>
    public bool Remove(long score, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var removed = false;
        _root = Delete(_root, score, id, ref removed);
        if (removed) _version++;
        return removed;
    }

    /// <summary>True when the exact (score, id) is a member.</summary>
    public bool Contains(long score, string id) => Rank(score, id) >= 0;

    /// <summary>The 0-based ascending rank of a member, or -1 when it is not one.</summary>
    public int Rank(long score, string id)
    {
        var rank = 0;
        var node = _root;
        while (node is not null)
        {
            var c = Compare(score, id, node.Score, node.Id);
            if (c < 0)
            {
                node = node.Left;
            }
            else if (c > 0)
            {
                rank += Size(node.Left) + 1;
                node = node.Right;
            }
            else
            {
                return rank + Size(node.Left);
            }
        }
        return -1;
    }

    /// <summary>How many members score at most <paramref name="score"/>: the ascending rank of the first member above it.</summary>
    public int CountAtOrBelow(long score)
    {
        var count = 0;
        var node = _root;
        while (node is not null)
        {
            if (node.Score <= score)
            {
                count += Size(node.Left) + 1;
                node = node.Right;
            }
            else
            {
                node = node.Left;
            }
        }
        return count;
    }

    /// <summary>The member at a 0-based ascending rank.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, Count).</exception>
    public RankedEntry ElementAt(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Count);
        var node = _root;
        while (node is not null)
        {
            var leftSize = Size(node.Left);
            if (rank < leftSize)
            {
                node = node.Left;
            }
            else if (rank == leftSize)
            {
                return new RankedEntry(node.Score, node.Id);
            }
            else
            {
                rank -= leftSize + 1;
                node = node.Right;
            }
        }
        throw new InvalidOperationException("RankedSet sizes are inconsistent.");
    }

    /// <summary>
    /// Members in ascending order starting at ascending rank <paramref name="fromRank"/>, or, when
    /// <paramref name="descending"/>, in descending order starting <paramref name="fromRank"/> places
    /// below the highest (the ZREVRANGE offset). Lazy: O(log N) to start, amortised O(1) per member.
    /// </summary>
    /// <exception cref="InvalidOperationException">The set changed during the enumeration.</exception>
    public IEnumerable<RankedEntry> Range(int fromRank, bool descending = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromRank);
        return Iterate(fromRank, descending);
    }

    private IEnumerable<RankedEntry> Iterate(int fromRank, bool descending)
    {
        if (fromRank >= Count) yield break;
        var version = _version;
        // The path to the start, keeping only the ancestors still to visit after it (those we
        // passed on the side we are walking towards), so the walk needs no parent links.
        var pending = new Stack<Node>();
        var rank = descending ? Count - 1 - fromRank : fromRank;
        var node = _root;
        while (node is not null)
        {
            var leftSize = Size(node.Left);
            if (rank < leftSize)
            {
                if (!descending) pending.Push(node);
                node = node.Left;
            }
            else if (rank == leftSize)
            {
                pending.Push(node);
                break;
            }
            else
            {
                if (descending) pending.Push(node);
                rank -= leftSize + 1;
                node = node.Right;
            }
        }
        while (pending.Count > 0)
        {
            if (version != _version) throw new InvalidOperationException("The set changed during enumeration.");
            var current = pending.Pop();
            yield return new RankedEntry(current.Score, current.Id);
            var next = descending ? current.Left : current.Right;
            while (next is not null)
            {
                pending.Push(next);
                next = descending ? next.Right : next.Left;
            }
        }
    }

    private static int Compare(long score, string id, long otherScore, string otherId)
    {
        var c = score.CompareTo(otherScore);
        return c != 0 ? c : string.CompareOrdinal(id, otherId);
    }

    private static int Size(Node? node) => node?.Size ?? 0;

    private static void Resize(Node node) => node.Size = 1 + Size(node.Left) + Size(node.Right);

    private static Node Insert(Node? node, long score, string id, int priority, ref bool added)
    {
        if (node is null)
        {
            added = true;
            return new Node(score, id, priority);
        }
        var c = Compare(score, id, node.Score, node.Id);
        if (c == 0) return node;
        if (c < 0)
        {
            node.Left = Insert(node.Left, score, id, priority, ref added);
            if (node.Left.Priority > node.Priority) node = RotateRight(node);
        }
        else
        {
            node.Right = Insert(node.Right, score, id, priority, ref added);
            if (node.Right.Priority > node.Priority) node = RotateLeft(node);
        }
        Resize(node);
        return node;
    }

    private static Node? Delete(Node? node, long score, string id, ref bool removed)
    {
        if (node is null) return null;
        var c = Compare(score, id, node.Score, node.Id);
        if (c == 0)
        {
            removed = true;
            return Merge(node.Left, node.Right);
        }
        if (c < 0) node.Left = Delete(node.Left, score, id, ref removed);
        else node.Right = Delete(node.Right, score, id, ref removed);
        Resize(node);
        return node;
    }

    // Joins two treaps where every member of `low` sorts before every member of `high`.
    private static Node? Merge(Node? low, Node? high)
    {
        if (low is null) return high;
        if (high is null) return low;
        if (low.Priority > high.Priority)
        {
            low.Right = Merge(low.Right, high);
            Resize(low);
            return low;
        }
        high.Left = Merge(low, high.Left);
        Resize(high);
        return high;
    }

    private static Node RotateRight(Node node)
    {
        var left = node.Left!;
        node.Left = left.Right;
        left.Right = node;
        Resize(node);
        Resize(left);
        return left;
    }

    private static Node RotateLeft(Node node)
    {
        var right = node.Right!;
        node.Right = right.Left;
        right.Left = node;
        Resize(node);
        Resize(right);
        return right;
    }

    private sealed class Node(long score, string id, int priority)
    {
        public long Score { get; } = score;
        public string Id { get; } = id;
        public int Priority { get; } = priority;
        public int Size { get; set; } = 1;
        public Node? Left { get; set; }
        public Node? Right { get; set; }
    }
}
