using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BriocheJob.Diagnostics;
using BriocheJob.Recording;
using BriocheJob.Store;

namespace BriocheJob.IntegrationTests.Store;

/// <summary>
/// A throwaway cluster of this test's own (initdb as the postgres user, like eng/postgres.sh), stopped in the middle
/// of a recorded build: the build goes on into the spool with one coded warning, and the flush loses nothing.
/// </summary>
public sealed class ServerStopTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _root = Path.Combine("/var/tmp", "bj-pg-stop-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _home;
    private readonly int _port = FreePort();
    private readonly string _bin = Directory.GetDirectories("/usr/lib/postgresql").Order().Last() + "/bin";

    public ServerStopTests()
    {
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(_root);
        Run("chown", "postgres", _root);
        AsPostgres("initdb", "-D", Data, "-U", "postgres", "--auth=trust", "-E", "UTF8");
        File.AppendAllText(Path.Combine(Data, "postgresql.conf"),
            $"\nlisten_addresses = '127.0.0.1'\nport = {_port}\nunix_socket_directories = '{_root}'\n");
        Start();
    }

    private string Data => Path.Combine(_root, "data");

    public void Dispose()
    {
        try
        {
            AsPostgres("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void A_server_stopped_mid_build_spools_the_rest_with_one_warning_and_flush_sends_every_job()
    {
        var location = StoreLocation.Parse($"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Timeout=5");
        var warnings = new List<(string Code, string Message)>();
        string buildId;
        using (var session = RecordingSession.Begin(new RecordingOptions(BuildOrigin.MsBuild, _home, "ci-stop",
            Store: location.ConnectionString, Warn: (code, message) => warnings.Add((code, message)))))
        {
            buildId = session.Build.Id;
            ProjectRecord project = session.AddProject(new ProjectRequest(JobKind.Docker, "web"));
            for (int i = 0; i < 20; i++)
            {
                if (i == 10)
                {
                    AsPostgres("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");
                }

                var job = new JobRecord($"STOP{i:D2}", project.Id, JobKind.Docker, $"step {i}", T0.AddSeconds(i));
                session.SaveJob(job);
                session.SaveJob(job with { StoppedAt = T0.AddSeconds(i + 1), State = RunState.Finished, Result = RunResult.Succeeded });
            }

            session.Finish(RunState.Finished, RunResult.Succeeded);
        }

        warnings.ShouldHaveSingleItem().Code.ShouldBe(Catalog.Server.RecordedToSpool);
        File.Exists(JobStores.SpoolPath(new DataHome(_home))).ShouldBeTrue();

        Start();
        using PostgresJobStore server = PostgresJobStore.Open(location);
        server.GetBuild(buildId)!.Jobs.Count.ShouldBe(10);
        StoreCopyResult flushed = JobStores.Flush(new DataHome(_home), server);

        flushed.NewJobs.ShouldBe(10);
        BuildDetails build = server.GetBuild("ci-stop")!;
        build.Build.Id.ShouldBe(buildId);
        build.Build.State.ShouldBe(RunState.Finished);
        build.Projects.ShouldHaveSingleItem();
        build.Jobs.Select(j => j.Job.Id).Order().ShouldBe(Enumerable.Range(0, 20).Select(i => $"STOP{i:D2}"));
        build.Jobs.ShouldAllBe(j => j.Job.State == RunState.Finished);
        JobStores.Flush(new DataHome(_home), server).NewJobs.ShouldBe(0);
    }

    private void Start() => AsPostgres("pg_ctl", "-D", Data, "-l", Path.Combine(_root, "server.log"), "-w", "start");

    private void AsPostgres(string tool, params string[] arguments) =>
        Run("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. arguments]);

    private static void Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {stdout} {stderr}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
