// The system tests run one at a time: each starts several .NET processes and a redis-server, and on the
// 2-core machine they share with the other test projects, running them side by side would turn lease and
// heartbeat timings into a measure of CPU contention rather than of the queue.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
