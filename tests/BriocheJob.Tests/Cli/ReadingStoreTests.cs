using System.Diagnostics;
using BriocheJob.Store;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Tests.Cli;

/// <summary>Reading commands never create or change anything, and read a data home they cannot write.</summary>
public sealed class ReadingStoreTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Reading_an_absent_store_says_no_jobs_yet_and_creates_nothing()
    {
        string home = _cli.Temp.File("nonexistent/x");
        CliResult list = _cli.Run("list", "--home", home);
        list.ExitCode.ShouldBe(0, list.Error);
        list.Out.ShouldStartWith("No jobs recorded yet.");
        _cli.Run("builds", "--home", home).Out.ShouldStartWith("No builds recorded yet.");
        _cli.Run("show", "--home", home).ExitCode.ShouldBe(3);
        _cli.Run("logs", "last", "--home", home).ExitCode.ShouldBe(3);
        _cli.Run("builds", "show", "--home", home).ExitCode.ShouldBe(3);
        Directory.Exists(_cli.Temp.File("nonexistent")).ShouldBeFalse();
    }

    [Fact]
    public void A_read_only_data_home_is_still_readable()
    {
        _ = new SeededStore(_cli);
        // Readable, not writable (a read-only copy, another user's records). As root, modes do not bind, so read as nobody.
        foreach (string file in Directory.GetFiles(_cli.HomePath))
        {
            File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("444", 8));
        }

        File.SetUnixFileMode(_cli.HomePath, (UnixFileMode)Convert.ToInt32("555", 8));
        try
        {
            string[] before = Directory.GetFiles(_cli.HomePath);
            (int exit, string output, string error) = RunAsAnotherUser("--home", _cli.HomePath, "list");
            exit.ShouldBe(0, error);
            output.ShouldContain("/bin/sh -c run");
            (exit, output, error) = RunAsAnotherUser("--home", _cli.HomePath, "show", SeededStore.Failed1);
            exit.ShouldBe(0, error);
            output.ShouldContain("/bin/sh -c make");
            Directory.GetFiles(_cli.HomePath).ShouldBe(before, ignoreOrder: true);
        }
        finally
        {
            File.SetUnixFileMode(_cli.HomePath, DataHome.FolderMode);
        }
    }

    [Fact]
    public void A_database_with_tables_but_no_schema_version_is_refused_clearly()
    {
        Directory.CreateDirectory(_cli.HomePath);
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_cli.HomePath, "jobs.db")};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE builds (id TEXT PRIMARY KEY);";
            create.ExecuteNonQuery();
        }

        CliResult result = _cli.Run("list");
        result.ExitCode.ShouldBe(5, result.Error);
        result.ErrorLines.ShouldHaveSingleItem().ShouldStartWith("error BJ1003: ");
        result.Error.ShouldContain("no schema version (PRAGMA user_version is 0)");
    }

    private static (int Exit, string Out, string Error) RunAsAnotherUser(params string[] args)
    {
        string tool = Path.Combine(AppContext.BaseDirectory, "dotnet-brioche-job");
        bool root = Environment.UserName == "root";
        var start = root ? new ProcessStartInfo("runuser", ["-u", "nobody", "--", tool, .. args]) : new ProcessStartInfo(tool, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
