// The operator CLI lands with the client and CLI issue; this entry point keeps the solution whole.
Console.Error.WriteLine("queuectl: not implemented yet.");
return 2;
