using BenchmarkDotNet.Running;
using Benchmarks;

if (args is ["make-events", ..])
{
    return EventsFiles.Make(args);
}

if (args is ["make-history-store"])
{
    Console.WriteLine(WhyBenchmarks.EnsureStore());
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
