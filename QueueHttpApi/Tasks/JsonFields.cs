using System.Text.Json;

namespace QueueHttpApi.Tasks;

/// <summary>
/// The fields of one JSON object body, read strictly: a field not in the allowed list, or given twice,
/// is refused naming it; a value of the wrong JSON type is refused naming its field. Names match
/// exactly (camelCase). An absent field and a <c>null</c> one read alike: as not given.
/// </summary>
internal sealed class JsonFields
{
    private const int MaxNameShown = 64;
    private readonly Dictionary<string, JsonElement> _values;

    private JsonFields(Dictionary<string, JsonElement> values) => _values = values;

    /// <summary>Checks the object's field names against <paramref name="allowed"/>.</summary>
    /// <exception cref="TaskProblemException">400 naming an unknown or repeated field.</exception>
    public static JsonFields Of(JsonElement body, IReadOnlyList<string> allowed)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            var name = property.Name.Length <= MaxNameShown ? property.Name : property.Name[..MaxNameShown] + "…";
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                var near = allowed.FirstOrDefault(a => string.Equals(a, property.Name, StringComparison.OrdinalIgnoreCase));
                var hint = near is null ? "" : $" Did you mean '{near}'? Names are camelCase.";
                throw TaskProblemException.Invalid(name, $"Unknown field '{name}'.{hint} Allowed fields: {string.Join(", ", allowed)}.");
            }
            if (!values.TryAdd(property.Name, property.Value))
                throw TaskProblemException.Invalid(name, $"The field '{name}' is given more than once.");
        }
        return new JsonFields(values);
    }

    /// <summary>True when the field is given and not null.</summary>
    public bool Has(string name) => _values.TryGetValue(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A string field, or null when absent.</summary>
    /// <exception cref="TaskProblemException">400 naming the field when it is not a string.</exception>
    public string? String(string name)
    {
        if (!Has(name)) return null;
        var value = _values[name];
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw WrongType(name, "a string", value);
    }

    /// <summary>A whole-number field, or null when absent.</summary>
    /// <exception cref="TaskProblemException">400 naming the field when it is not a whole number that fits 32 bits.</exception>
    public int? Int(string name)
    {
        if (!Has(name)) return null;
        var value = _values[name];
        if (value.ValueKind != JsonValueKind.Number) throw WrongType(name, "a whole number", value);
        return value.TryGetInt32(out var number)
            ? number
            : throw TaskProblemException.Invalid(name, $"'{name}' must be a whole number; got {value.GetRawText()}.");
    }

    /// <summary>An object of string values, or null when absent.</summary>
    /// <exception cref="TaskProblemException">400 naming the field when it is not an object, a value is not a string, or a key repeats.</exception>
    public IReadOnlyDictionary<string, string>? StringMap(string name)
    {
        if (!Has(name)) return null;
        var value = _values[name];
        if (value.ValueKind != JsonValueKind.Object) throw WrongType(name, "an object of strings", value);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw TaskProblemException.Invalid(name,
                    $"'{name}' values must be strings; '{Shorten(entry.Name)}' is {KindOf(entry.Value)}.");
            if (!map.TryAdd(entry.Name, entry.Value.GetString()!))
                throw TaskProblemException.Invalid(name, $"'{name}' has the key '{Shorten(entry.Name)}' more than once.");
        }
        return map;
    }

    private static TaskProblemException WrongType(string name, string expected, JsonElement value) =>
        TaskProblemException.Invalid(name, $"'{name}' must be {expected}; got {KindOf(value)}.");

    private static string KindOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Shorten(string text) => text.Length <= MaxNameShown ? text : text[..MaxNameShown] + "…";
}
