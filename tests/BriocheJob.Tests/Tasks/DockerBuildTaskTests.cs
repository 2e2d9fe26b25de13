using BriocheJob.Store;
using BriocheJob.Tasks;
using BriocheJob.Tests.Store;
using Microsoft.Build.Utilities;

namespace BriocheJob.Tests.Tasks;

/// <summary>
/// The DockerBuild task against a fake build engine: item mapping, where its coded errors point, and a recording
/// failure that is a warning. None of these reach an engine: they fail, or are refused, before the first request.
/// </summary>
public sealed class DockerBuildTaskTests : IDisposable
{
    private readonly TempHome _temp = new();
    private readonly string _project;
    private readonly FakeBuildEngine _engine;

    public DockerBuildTaskTests()
    {
        _project = Path.Combine(_temp.Path, "app", "app.csproj");
        Directory.CreateDirectory(Path.Combine(_temp.Path, "app", "web"));
        File.WriteAllText(_project, "<Project />");
        _engine = new FakeBuildEngine(_project);
    }

    public void Dispose() => _temp.Dispose();

    private DockerBuild Task(params TaskItem[] images) => new()
    {
        BuildEngine = _engine,
        Images = images,
        BriocheJobHome = _temp.Home.Root,
        BuildId = "unit-" + Guid.NewGuid().ToString("N"),
        // Nothing listens there: a test that reached the engine would fail with BJ5001.
        DockerHost = "unix://" + Path.Combine(_temp.Path, "no-docker.sock"),
    };

    private static TaskItem Image(string name, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(name);
        foreach (var (key, value) in metadata)
        {
            item.SetMetadata(key, value);
        }

        return item;
    }

    [Fact]
    public void A_bad_item_is_one_error_at_the_project_and_nothing_is_built()
    {
        var task = Task(Image("web", ("Context", "web"), ("BuildArgs", "=oops")));

        task.Execute().ShouldBeFalse();

        var error = _engine.Errors.ShouldHaveSingleItem(_engine.Describe());
        error.Code.ShouldBe("BJ5106");
        error.File.ShouldBe(_project);
        error.Message.ShouldBe("DockerImage 'web': BuildArgs entry '=oops' has no name before '='");
        task.ImageIds.ShouldBeEmpty();
    }

    [Fact]
    public void A_missing_dockerfile_is_an_error_at_the_dockerfile_resolved_from_the_project_and_the_build_is_recorded_failed()
    {
        var task = Task(Image("web", ("Context", "web"), ("Dockerfile", "web/Missing.Dockerfile"), ("Tags", "1.0")));

        task.Execute().ShouldBeFalse();

        var error = _engine.Errors.ShouldHaveSingleItem(_engine.Describe());
        error.Code.ShouldBe("BJ5011");
        error.File.ShouldBe(Path.Combine(_temp.Path, "app", "web", "Missing.Dockerfile"));
        error.Message.ShouldStartWith("web: ");
        _engine.Warnings.ShouldBeEmpty(_engine.Describe());
        _engine.Messages.ShouldContain(m => m.Message!.StartsWith("web: building ", StringComparison.Ordinal));

        using var store = _temp.Open();
        var build = store.GetBuild(task.BuildId!).ShouldNotBeNull();
        build.Build.Origin.ShouldBe(BuildOrigin.MsBuild);
        build.Build.State.ShouldBe(RunState.Finished);
        build.Build.Result.ShouldBe(RunResult.Failed);
    }

    [Fact]
    public void A_store_that_cannot_be_opened_is_a_warning_and_the_build_goes_on_unrecorded()
    {
        var notAFolder = Path.Combine(_temp.Path, "home-is-a-file");
        File.WriteAllText(notAFolder, "");
        var task = Task(Image("web", ("Context", "web"), ("Dockerfile", "web/Missing.Dockerfile")));
        task.BriocheJobHome = notAFolder;

        task.Execute().ShouldBeFalse();

        var warning = _engine.Warnings.ShouldHaveSingleItem(_engine.Describe());
        warning.Code.ShouldBe("BJ5105");
        warning.Message.ShouldStartWith("Docker images are built but not recorded: ");
        // The build went on past the recording failure, to the image's own error.
        _engine.Errors.ShouldHaveSingleItem().Code.ShouldBe("BJ5011");
    }
}
