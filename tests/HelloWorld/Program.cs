System.Console.WriteLine("Hello, World!");
