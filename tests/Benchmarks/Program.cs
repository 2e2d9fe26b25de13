using BenchmarkDotNet.Running;
using Benchmarks;

if (args is ["make-events", ..])
{
    return EventsFiles.Make(args);
}

if (args is ["make-history-store", ..])
{
    return HistoryStoreData.Make(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
