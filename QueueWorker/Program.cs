// The worker process lands with the worker issue; this entry point keeps the solution whole.
Console.Error.WriteLine("QueueWorker: not implemented yet.");
return 2;
