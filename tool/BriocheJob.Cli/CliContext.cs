using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BriocheJob.Diagnostics;
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
    private IJobStore? _store;
    private IJobStore? _readStore;
    private TextWriter? _escapingOut;
    private JobSelectorResolver? _resolver;

    public CliContext(IConsole console, CancellationToken cancellationToken, CliHost host)
    {
        Console = console;
        CancellationToken = cancellationToken;
        Host = host;
    }

    public IConsole Console { get; }

    public CancellationToken CancellationToken { get; }

    public CliHost Host { get; }

    /// <summary>
    /// Standard output. Control characters in what is written are escaped (<see cref="TerminalText"/>) unless the
    /// output is not a terminal and <c>--raw</c> was given.
    /// </summary>
    public TextWriter Out => Raw ? Console.Out : _escapingOut ??= new EscapingWriter(Console.Out);

    /// <summary>The root's <c>--raw</c> option (inherited by every command); set by <see cref="BriocheJobApp"/>.</summary>
    public CommandOption? RawOption { get; set; }

    /// <summary>True when output goes to a pipe or file and <c>--raw</c> asks for control characters as they are.</summary>
    public bool Raw => RawOption?.HasValue() == true && !Host.OutputIsTerminal;

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

    /// <summary>The store for commands that record (imports): created and migrated as needed (a server's schema too).</summary>
    public IJobStore Store => _store ??= JobStores.Open(StoreLocation, Home);

    /// <summary>
    /// The store for commands that only read. An absent database reads as empty and nothing is created; a data home
    /// that cannot be written is opened read-only.
    /// </summary>
    public IJobStore ReadStore => _store ?? (_readStore ??= OpenForReading());

    public JobSelectorResolver Resolver => _resolver ??= new JobSelectorResolver(ReadStore);

    private IJobStore OpenForReading()
    {
        if (StoreLocation is { IsServer: true } server)
        {
            return JobStores.Open(server, Home);
        }

        DataHome home = Home;
        if (!File.Exists(home.DatabasePath))
        {
            return SqliteJobStore.OpenEmpty();
        }

        try
        {
            return SqliteJobStore.Open(home);
        }
        catch (Exception writable) when (writable is BriocheJobException { Diagnostic: var d } && (d == Catalog.Store.DatabaseFailed || d == Catalog.Store.DataHomeUnusable)
                                             || writable is UnauthorizedAccessException or IOException)
        {
            try
            {
                return SqliteJobStore.OpenReadOnly(home.DatabasePath);
            }
            catch (BriocheJobException)
            {
                throw writable;
            }
        }
    }

    /// <summary>
    /// Standard output as bytes, for commands that print a lot (<c>logs</c>): the process's stdout stream for the
    /// physical console, else a stream that decodes UTF-8 into <see cref="Out"/> (tests' consoles).
    /// </summary>
    public Stream OpenOutputBytes()
    {
        if (Console is NoPagerConsole { IsPhysical: true })
        {
            Out.Flush();
            // A FileStream over fd 1, not Console.OpenStandardOutput(): the console stream drops writes to a closed
            // pipe silently, so `logs | head -1` would decompress the whole log; this one throws EPIPE and we stop.
            var stdout = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            if (stdout.CanSeek)
            {
                // A regular file (`> out.txt`): a FileStream writes at its own offset, from 0, and leaves the file's
                // offset where it was, so it overwrote what came before and what a shell wrote after. The console
                // stream writes at the file's offset and moves it; there is no closed pipe to care about here.
                stdout.Dispose();
                return System.Console.OpenStandardOutput();
            }

            return stdout;
        }
        return new TextWriterStream(Out);
    }

    /// <summary>
    /// JSON for people as well as programs: quotes, ampersands, angle brackets and non-ASCII text stay as they are
    /// (still valid JSON; control characters are still escaped).
    /// </summary>
    public static readonly JsonWriterOptions HumanJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one value as compact JSON on its own line (source-generated, no reflection).</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, HumanJson))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }

        Out.Write(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        Out.Write('\n');
    }

    public void Dispose()
    {
        _store?.Dispose();
        _store = null;
        _readStore?.Dispose();
        _readStore = null;
    }
}
