using BriocheJob.Store;
using BriocheJob.Tasks;
using BriocheJob.Tests.Store;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tests.Tasks;

/// <summary>
/// The BriocheBuild task against a fake build engine, with a small shell script standing in for <c>brioche</c>:
/// item mapping (the arguments brioche gets), where a failed project's error points, and a recording failure that is
/// a warning while the build succeeds.
/// </summary>
public sealed class BriocheBuildTaskTests : IDisposable
{
    private readonly TempHome _temp = new();
    private readonly string _project;
    private readonly string _hello;
    private readonly string _argumentsFile;
    private readonly FakeBuildEngine _engine;

    public BriocheBuildTaskTests()
    {
        _project = Path.Combine(_temp.Path, "app", "app.csproj");
        _hello = Path.Combine(_temp.Path, "app", "hello");
        Directory.CreateDirectory(_hello);
        File.WriteAllText(_project, "<Project />");
        _argumentsFile = Path.Combine(_temp.Path, "brioche-arguments");
        _engine = new FakeBuildEngine(_project);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A <c>brioche</c> that writes its arguments one per line, prints <paramref name="output"/> and exits with <paramref name="exitCode"/>.</summary>
    private string Brioche(string output = "", int exitCode = 0)
    {
        var script = Path.Combine(_temp.Path, "brioche");
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{_argumentsFile}'\nprintf '%s' '{output}' >&2\nexit {exitCode}\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private BriocheBuild Task(string brioche, params TaskItem[] projects) => new()
    {
        BuildEngine = _engine,
        Projects = projects,
        BriocheExe = brioche,
        BriocheJobHome = _temp.Home.Root,
        BuildId = "unit-" + Guid.NewGuid().ToString("N"),
    };

    private static TaskItem Project(string spec, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(spec);
        foreach (var (key, value) in metadata)
        {
            item.SetMetadata(key, value);
        }

        return item;
    }

    [Fact]
    public void Items_and_properties_map_onto_brioche_build_arguments_and_each_job_is_recorded_in_one_build()
    {
        var task = Task(Brioche(), Project(_hello, ("Export", "default"), ("Output", "/tmp/out"), ("Locked", "true")),
            Project("curl", ("Registry", "true")));
        task.Check = true;

        task.Execute().ShouldBeTrue(_engine.Describe());

        // The last run is the registry project; the check default from the task applies to both.
        File.ReadAllLines(_argumentsFile).ShouldBe(["build", "-r", "curl", "--check"]);
        _engine.Messages.ShouldContain(m => m.Message == $"Brioche: building hello (build -p {_hello} -e default -o /tmp/out --check --locked)",
            _engine.Describe());
        _engine.Errors.ShouldBeEmpty();
        using var store = _temp.Open();
        var build = store.GetBuild(task.BuildId!).ShouldNotBeNull();
        build.Build.Result.ShouldBe(RunResult.Succeeded);
        build.Projects.Select(p => p.Name).ShouldBe(["hello", "curl"]);
    }

    [Fact]
    public void A_flag_that_is_not_a_boolean_is_one_error_and_brioche_does_not_run()
    {
        var task = Task(Brioche(), Project(_hello, ("KeepTemps", "maybe")));

        task.Execute().ShouldBeFalse();

        var error = _engine.Errors.ShouldHaveSingleItem(_engine.Describe());
        error.Code.ShouldBe("BJ3003");
        error.Message.ShouldBe($"BriocheProject '{_hello}': KeepTemps=\"maybe\" is not true or false");
        File.Exists(_argumentsFile).ShouldBeFalse();
    }

    [Fact]
    public void Task_errors_have_no_subcategory_so_msbuild_prints_error_BJxxxx_as_the_readme_shows()
    {
        var task = Task(Brioche($"Error occurred with project '{_hello}': failed to evaluate project", exitCode: 1),
            Project(_hello));

        task.Execute().ShouldBeFalse();

        var error = _engine.Errors.ShouldHaveSingleItem(_engine.Describe());
        error.Code.ShouldBe("BJ3001");
        error.Subcategory.ShouldBeNull("MSBuild would print 'Brioche error BJ3001'; the README and the CLI say 'error BJ3001'");
    }

    [Fact]
    public void A_failed_project_is_an_error_at_its_project_bri_with_brioches_message()
    {
        var task = Task(Brioche($"Error occurred with project '{_hello}': failed to evaluate project", exitCode: 1),
            Project(_hello));

        task.Execute().ShouldBeFalse();

        var error = _engine.Errors.ShouldHaveSingleItem(_engine.Describe());
        error.Code.ShouldBe("BJ3001");
        error.File.ShouldBe(Path.Combine(_hello, "project.bri"));
        error.Message.ShouldStartWith("Brioche project 'hello' failed: failed to evaluate project. No job failed");
        task.JobIds.ShouldBeEmpty();
    }

    [Fact]
    public void A_store_that_cannot_be_opened_is_a_warning_and_the_build_still_succeeds()
    {
        var notAFolder = Path.Combine(_temp.Path, "home-is-a-file");
        File.WriteAllText(notAFolder, "");
        var task = Task(Brioche(), Project(_hello));
        task.BriocheJobHome = notAFolder;

        task.Execute().ShouldBeTrue(_engine.Describe());

        var warning = _engine.Warnings.ShouldHaveSingleItem(_engine.Describe());
        warning.Code.ShouldBe("BJ3005");
        warning.Message.ShouldStartWith("could not begin the build: ");
        File.ReadAllLines(_argumentsFile).ShouldBe(["build", "-p", _hello]);
    }
}
