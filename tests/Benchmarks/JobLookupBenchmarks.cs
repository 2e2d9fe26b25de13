using System.Globalization;
using BenchmarkDotNet.Attributes;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace Benchmarks;

/// <summary>
/// The lookups every store is measured on against <see cref="MillionJobs"/>: the selectors as the resolver runs them
/// (an id prefix, <c>-1</c>, <c>-50</c>, a recipe-hash prefix, a pid) and the first page of <c>list</c> and
/// <c>list --failed</c>. A store's class opens its store and hands it over with <see cref="UseStore"/>.
/// </summary>
public abstract class JobLookupBenchmarks
{
    private JobSelectorResolver _resolver = null!;
    private string _idPrefix = "";
    private string _recipePrefix = "";
    private string _pid = "";

    private protected IJobStore Store { get; private set; } = null!;

    [Benchmark]
    public JobView? IdPrefix() => _resolver.Resolve(_idPrefix).Job;

    [Benchmark]
    public JobView? MostRecentFailed() => _resolver.Resolve("-1").Job;

    [Benchmark]
    public JobView? FiftiethMostRecentFailed() => _resolver.Resolve("-50").Job;

    [Benchmark]
    public JobView? RecipePrefix() => _resolver.Resolve(_recipePrefix).Job;

    [Benchmark]
    public JobView? Pid() => _resolver.Resolve(_pid).Job;

    [Benchmark]
    public int ListFirst20() => Store.QueryJobs(new JobQuery(Limit: 20)).Count;

    [Benchmark]
    public int ListFailedFirst20() => Store.QueryJobs(new JobQuery(FailedOnly: true, Limit: 20)).Count;

    /// <summary>
    /// Measures <paramref name="store"/>, looking for the probe job (<paramref name="probe"/>, <see cref="MillionJobs.ProbeIndex"/>) by its first 16 id and 12
    /// recipe-hash characters (as given: their case is part of what is measured) and its pid; fails fast when a lookup
    /// does not find what the benchmark means to measure.
    /// </summary>
    private protected void UseStore(IJobStore store, (string Id, string Recipe, int Pid) probe, string idPrefix, string recipePrefix)
    {
        Store = store;
        _resolver = new JobSelectorResolver(store, _ => false);
        _idPrefix = idPrefix;
        _recipePrefix = recipePrefix;
        _pid = probe.Pid.ToString(CultureInfo.InvariantCulture);
        Check(string.Equals(IdPrefix()?.Job.Id, probe.Id, StringComparison.Ordinal), "id prefix");
        Check(string.Equals(RecipePrefix()?.Job.RecipeHash, probe.Recipe, StringComparison.OrdinalIgnoreCase), "recipe prefix");
        Check(Pid()?.Job.Pid == probe.Pid, "pid");
        Check(ListFirst20() == 20, "list");
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"benchmark setup: the {what} lookup did not find the probe job");
        }
    }
}
