Console.Error.WriteLine("QueueBench: not implemented yet.");
return 2;
