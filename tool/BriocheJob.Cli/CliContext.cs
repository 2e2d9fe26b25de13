using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli;

/// <summary>
/// What every command gets: the console, the Ctrl+C token, the host (environment, stdin, clock), and the data home
/// and store, opened on first use so commands that do not need them (help, logs of a file) stay fast.
/// </summary>
internal sealed class CliContext : IDisposable
{
    private IJobStore? store;
    private JobSelectorResolver? resolver;

    public CliContext(IConsole console, CancellationToken cancellationToken, CliHost host)
    {
        Console = console;
        CancellationToken = cancellationToken;
        Host = host;
    }

    public IConsole Console { get; }

    public CancellationToken CancellationToken { get; }

    public CliHost Host { get; }

    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;

    /// <summary>The root's <c>--home DIR</c> option (inherited by every command); set by <see cref="BriocheJobApp"/>.</summary>
    public CommandOption? HomeOption { get; set; }

    /// <summary><c>--home</c>, else <c>$BRIOCHE_JOB_HOME</c>, <c>$XDG_DATA_HOME/brioche-job</c>, <c>~/.local/share/brioche-job</c>.</summary>
    public DataHome Home => HomeOption?.Value() is { Length: > 0 } explicitHome
        ? new DataHome(Path.GetFullPath(explicitHome))
        : DataHome.FromEnvironment(Host.GetEnvironmentVariable);

    /// <summary>The root's <c>--store LOCATION</c> option (inherited by every command); set by <see cref="BriocheJobApp"/>.</summary>
    public CommandOption? StoreOption { get; set; }

    /// <summary><c>--store</c>, else <c>$BRIOCHE_JOB_STORE</c>, else the embedded store in the data home.</summary>
    public StoreLocation StoreLocation => StoreLocation.Resolve(StoreOption?.Value(), Host.GetEnvironmentVariable);

    public IJobStore Store => store ??= JobStores.Open(StoreLocation, Home);

    public JobSelectorResolver Resolver => resolver ??= new JobSelectorResolver(Store);

    /// <summary>Writes one value as compact JSON on its own line (source-generated, no reflection).</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        Out.Write(JsonSerializer.Serialize(value, typeInfo));
        Out.Write('\n');
    }

    public void Dispose()
    {
        store?.Dispose();
        store = null;
    }
}
