using BriocheJob.Recording;

namespace BriocheJob.Tests.Recording;

public sealed class BriocheOutputParserTests
{
    private const string JobId = "01HZX3M4Q9D5V6W7X8Y9Z0ABCD";
    private const string EventsPath = "/home/u/.local/share/brioche/process-temp/" + JobId + "/events.bin.zst";

    [Fact]
    public void Local_project_error_with_logs_hint_names_project_message_path_and_job()
    {
        var line = $"Error occurred with project '/src/pkgs/hello': failed to bake process: process failed, view full output by running `brioche jobs logs {EventsPath}`";

        var error = BriocheOutputParser.ParseProjectError(line).ShouldNotBeNull();

        error.Project.ShouldBe("project '/src/pkgs/hello'");
        error.ProjectSource.ShouldBe("/src/pkgs/hello");
        error.IsRegistry.ShouldBeFalse();
        error.Message.ShouldBe($"failed to bake process: process failed, view full output by running `brioche jobs logs {EventsPath}`");
        error.EventsPath.ShouldBe(EventsPath);
        error.JobId.ShouldBe(JobId);
    }

    [Fact]
    public void Registry_project_error_is_marked_registry()
    {
        var error = BriocheOutputParser.ParseProjectError("Error occurred with registry project 'curl': failed to fetch project: not found").ShouldNotBeNull();

        error.IsRegistry.ShouldBeTrue();
        error.ProjectSource.ShouldBe("curl");
        error.Message.ShouldBe("failed to fetch project: not found");
        error.EventsPath.ShouldBeNull();
        error.JobId.ShouldBeNull();
    }

    [Fact]
    public void Unquoted_project_name_takes_text_up_to_the_first_colon()
    {
        var error = BriocheOutputParser.ParseProjectError("Error occurred with hello: a: b: c").ShouldNotBeNull();

        error.Project.ShouldBe("hello");
        error.Message.ShouldBe("a: b: c");
    }

    [Fact]
    public void Quoted_path_may_contain_colons_and_spaces()
    {
        var error = BriocheOutputParser.ParseProjectError("Error occurred with project './my pkg:v2': boom").ShouldNotBeNull();

        error.ProjectSource.ShouldBe("./my pkg:v2");
        error.Message.ShouldBe("boom");
    }

    [Fact]
    public void Colours_and_a_log_prefix_are_ignored()
    {
        var error = BriocheOutputParser.ParseProjectError("\u001b[31mError occurred with project './p': oops\u001b[0m").ShouldNotBeNull();

        error.ProjectSource.ShouldBe("./p");
        error.Message.ShouldBe("oops");
    }

    [Theory]
    [InlineData("Build finished, completed 2 jobs in 1.23s")]
    [InlineData("Result: 0123abcd")]
    [InlineData("")]
    [InlineData("Error: lockfile out of date")]
    public void Other_lines_are_not_project_errors(string line)
    {
        BriocheOutputParser.ParseProjectError(line).ShouldBeNull();
    }

    [Fact]
    public void Events_path_is_found_in_any_text()
    {
        BriocheOutputParser.FindEventsPath($"x view full output by running `brioche jobs logs {EventsPath}` y").ShouldBe(EventsPath);
        BriocheOutputParser.FindEventsPath("no hint here").ShouldBeNull();
    }

    [Theory]
    [InlineData("/d/process-temp/" + JobId + "/events.bin.zst", JobId)]
    [InlineData("/d/process-temp/not-a-ulid/events.bin.zst", null)]
    [InlineData("", null)]
    public void Job_id_is_the_ulid_folder_of_the_events_file(string path, string? expected)
    {
        BriocheOutputParser.JobIdFromEventsPath(path).ShouldBe(expected);
    }

    [Theory]
    [InlineData(JobId, true)]
    [InlineData("01hzx3m4q9d5v6w7x8y9z0abcd", true)]
    [InlineData("01HZX3M4Q9D5V6W7X8Y9Z0ABC", false)]
    [InlineData("01HZX3M4Q9D5V6W7X8Y9Z0ABCU", false)]
    [InlineData("01HZX3M4Q9D5V6W7X8Y9Z0AB-D", false)]
    public void Job_folder_names_are_ulids(string name, bool expected)
    {
        BriocheOutputParser.IsJobFolderName(name).ShouldBe(expected);
    }

    [Fact]
    public void Build_arguments_use_brioche_flags()
    {
        var dir = Directory.CreateTempSubdirectory("bj-spec-").FullName;
        try
        {
            new BriocheProjectSpec(dir, Export: "test", Output: "/tmp/out", Check: true, Locked: true, KeepTemps: true).BuildArguments()
                .ShouldBe(["build", "-p", dir, "-e", "test", "-o", "/tmp/out", "--check", "--locked", "--keep-temps"]);
            new BriocheProjectSpec("curl", IsRegistry: true).BuildArguments().ShouldBe(["build", "-r", "curl"]);
            new BriocheProjectSpec(dir, Export: "test").Name.ShouldBe(Path.GetFileName(dir) + "^test");
            new BriocheProjectSpec("curl", IsRegistry: true).ProjectFile.ShouldBeNull();
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void Brioche_data_dir_follows_the_environment()
    {
        BriocheBuildOptions.DefaultBriocheDataDir(n => n == "BRIOCHE_DATA_DIR" ? "/data/b" : null).ShouldBe("/data/b");
        BriocheBuildOptions.DefaultBriocheDataDir(n => n == "HOME" ? "/home/u" : null).ShouldBe("/home/u/.local/share/brioche");
    }
}
