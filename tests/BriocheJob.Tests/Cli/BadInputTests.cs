namespace BriocheJob.Tests.Cli;

/// <summary>Every bad input is one <c>error BJxxxx:</c> line on stderr and a documented exit code, never a crash.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static void ShouldBeOneError(CliResult result, int exitCode, string code)
    {
        result.ExitCode.ShouldBe(exitCode, result.Error);
        result.Out.ShouldBeEmpty();
        result.ErrorLines.Length.ShouldBeInRange(1, 2, result.Error);
        result.ErrorLines[0].ShouldStartWith($"error {code}: ");
        if (result.ErrorLines.Length == 2)
        {
            result.ErrorLines[1].ShouldStartWith("hint: ");
        }
    }

    [Theory]
    [InlineData("trace")]
    [InlineData("import docker")]
    public void A_corrupt_history_blob_is_one_not_a_trace_error(string command)
    {
        // A length prefix of 6, then a field tag cut off at the record's end: Google.Protobuf throws InvalidOperationException.
        string blob = _cli.Temp.File("corrupt.blob");
        File.WriteAllBytes(blob, Convert.FromHexString("060000000a042a050801"));
        ShouldBeOneError(_cli.Run([.. command.Split(' '), blob]), 5, "BJ4003");
    }

    [Theory]
    [InlineData("logs")]
    [InlineData("show")]
    [InlineData("logs --tail 3")]
    [InlineData("logs --follow")]
    public void A_directory_a_symlink_loop_or_an_unreadable_special_file_is_one_unreadable_events_error(string command)
    {
        string dir = _cli.Temp.File("a-dir");
        Directory.CreateDirectory(dir);
        string loop = _cli.Temp.File("loop-a");
        File.CreateSymbolicLink(loop, _cli.Temp.File("loop-b"));
        File.CreateSymbolicLink(_cli.Temp.File("loop-b"), loop);
        string[] words = command.Split(' ');
        foreach ((string path, string why) in new[] { (dir, "it is a directory"), (loop, "Too many levels of symbolic links"), ("/proc/self/mem", "Input/output error") })
        {
            CliResult result = _cli.Run([.. words, path]);
            ShouldBeOneError(result, 5, "BJ2008");
            result.Error.ShouldContain(why);
        }
    }

    [Theory]
    [InlineData("trace", "dotnet brioche-job trace: missing argument <file>")]
    [InlineData("import docker", "dotnet brioche-job import docker: missing argument <file>")]
    public void A_missing_file_argument_is_a_usage_error(string command, string message)
    {
        CliResult result = _cli.Run(command.Split(' '));
        ShouldBeOneError(result, 2, "BJ6018");
        result.ErrorLines[0].ShouldBe($"error BJ6018: {message}");
    }

    [Theory]
    [InlineData("lst", "BJ6016", "dotnet brioche-job: unknown command 'lst'", "did you mean 'list'?")]
    [InlineData("builds shw", "BJ6016", "dotnet brioche-job builds: unknown command 'shw'", "did you mean 'show'?")]
    [InlineData("list --faild", "BJ6017", "dotnet brioche-job list: unknown option '--faild'", "did you mean '--failed'?")]
    [InlineData("list --frob=1", "BJ6017", "dotnet brioche-job list: unknown option '--frob'", "see 'dotnet brioche-job list --help'")]
    [InlineData("list extra", "BJ6017", "dotnet brioche-job list: unexpected argument 'extra'", "see 'dotnet brioche-job list --help'")]
    [InlineData("debug-shell --frob -- sh", "BJ6017", "dotnet brioche-job debug-shell: unknown option '--frob'", "see")]
    [InlineData("list --limit", "BJ6011", "--limit needs a value", "see")]
    public void Unknown_commands_and_options_are_one_coded_line_on_stderr_then_a_hint(string command, string code, string message, string hint)
    {
        CliResult result = _cli.Run(command.Split(' '));
        ShouldBeOneError(result, 2, code);
        result.ErrorLines[0].ShouldBe($"error {code}: {message}");
        result.ErrorLines[1].ShouldStartWith($"hint: {hint}");
    }

    [Fact]
    public void A_value_for_a_switch_is_one_coded_line_naming_the_parsers_complaint()
    {
        CliResult result = _cli.Run("list", "--json=yes");
        result.ExitCode.ShouldBe(2);
        result.ErrorLines.ShouldHaveSingleItem().ShouldBe("error BJ6011: the command line cannot be parsed: unexpected value 'yes' for option 'json'");
    }

    [Fact]
    public void A_huge_unknown_word_is_cut_short_in_its_error()
    {
        string huge = new('x', 100_000);
        CliResult result = _cli.Run("list", huge);
        ShouldBeOneError(result, 2, "BJ6017");
        result.Error.Length.ShouldBeLessThan(300);
    }

    [Theory]
    [InlineData("list --home")]
    [InlineData("list --build")]
    [InlineData("import brioche --data-dir")]
    [InlineData("list --project")]
    public void An_empty_option_value_is_rejected(string command)
    {
        string option = command.Split(' ')[^1];
        CliResult result = _cli.Run([.. command.Split(' '), ""]);
        ShouldBeOneError(result, 2, "BJ6011");
        result.ErrorLines[0].ShouldBe($"error BJ6011: {option} needs a value, not an empty string");
        Directory.Exists(_cli.HomePath).ShouldBeFalse();
    }

    [Theory]
    [InlineData("logs", "-")]
    [InlineData("show", "-")]
    [InlineData("logs", "file")]
    [InlineData("logs --tail 2", "file")]
    public void Empty_input_is_not_an_events_file(string command, string source)
    {
        string empty = _cli.Temp.File("empty.bin.zst");
        File.WriteAllBytes(empty, []);
        _cli.StandardInput = [];
        CliResult result = _cli.Run([.. command.Split(' '), source == "-" ? "-" : empty]);
        ShouldBeOneError(result, 5, "BJ2002");
        result.Error.ShouldContain("empty");
    }

    [Theory]
    [InlineData("failure.jsonl", 7)]
    [InlineData("success.jsonl", 0)]
    public void Trace_of_a_failed_build_exits_7_after_printing_it(string capture, int exitCode)
    {
        string data = Path.Combine(Path.GetDirectoryName(BriocheJob.Tests.Brioche.Fixtures.FixturesDir)!, "BriocheJob.Tests", "BuildKit", "data");
        CliResult result = _cli.Run("trace", Path.Combine(data, capture));
        result.ExitCode.ShouldBe(exitCode, result.Error);
        result.Out.ShouldNotBeEmpty();
        _cli.Run("trace", "--json", Path.Combine(data, capture)).ExitCode.ShouldBe(exitCode);
    }

    [Theory]
    [InlineData("logs", 'x', "BJ6001", 3)]
    [InlineData("logs", '%', "BJ6003", 2)]
    [InlineData("list --build", '7', "BJ6001", 3)]
    [InlineData("show", '7', "BJ6001", 3)]
    public void A_huge_selector_is_cut_short_in_its_error(string command, char fill, string code, int exitCode)
    {
        _ = new SeededStore(_cli);
        CliResult result = _cli.Run([.. command.Split(' '), new string(fill, 100_000)]);
        ShouldBeOneError(result, exitCode, code);
        result.Error.Length.ShouldBeLessThan(400);
        result.Error.ShouldContain("(100000 characters)");
    }

    [Fact]
    public void Store_and_trace_errors_exit_with_their_catalogue_class()
    {
        // BJ1001: the data home is a file (unavailable, 6).
        string file = _cli.Temp.File("a-file");
        File.WriteAllText(file, "x");
        CliResult home = _cli.Run("import", "docker", _cli.Temp.File("missing.jsonl"), "--home", file);
        home.ExitCode.ShouldBe(3, home.Error); // the trace is looked at first: BJ4001 not found
        string data = Path.Combine(Path.GetDirectoryName(BriocheJob.Tests.Brioche.Fixtures.FixturesDir)!, "BriocheJob.Tests", "BuildKit", "data");
        ShouldBeOneError(_cli.Run("import", "docker", Path.Combine(data, "success.jsonl"), "--home", file), 6, "BJ1001");

        // BJ1002: a database from a newer brioche-job (corrupt, 5).
        Directory.CreateDirectory(_cli.HomePath);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_cli.HomePath, "jobs.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE future (x); PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        ShouldBeOneError(_cli.Run("list"), 5, "BJ1002");

        // BJ4002: a trace path that cannot be read (unavailable, 6).
        string dir = _cli.Temp.File("a-dir");
        Directory.CreateDirectory(dir);
        ShouldBeOneError(_cli.Run("trace", dir), 6, "BJ4002");

        // BJ5109: a trace with records but no steps (corrupt, 5).
        string stepless = _cli.Temp.File("stepless.jsonl");
        File.WriteAllText(stepless, "{\"stream\":\"hello\\n\"}\n{\"aux\":{\"ID\":\"sha256:0123\"}}\n");
        CliResult empty = _cli.Run("import", "docker", stepless, "--home", _cli.Temp.File("other-home"));
        empty.ExitCode.ShouldBeOneOf(5);
        empty.ErrorLines[0].ShouldMatch("^error BJ(5109|4003): ");
    }
}
