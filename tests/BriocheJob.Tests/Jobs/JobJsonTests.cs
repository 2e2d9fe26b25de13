using System.Text.Json;
using BriocheJob.Jobs;
using BriocheJob.Store;

namespace BriocheJob.Tests.Jobs;

public sealed class JobJsonTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Json_has_the_stable_camel_case_fields_with_nulls_present()
    {
        var build = new BuildRecord("01JDBUILD00000000000000000", "ci-1", BuildOrigin.MsBuild, "/src", 1, Start, null,
            RunState.Running, null);
        var project = new ProjectRecord(3, build.Id, JobKind.Docker, "web:latest", null, "/src/Web.csproj", null);
        var job = new JobRecord("01JD0000000000000000000001", 3, JobKind.Docker, "RUN make", Start,
            StoppedAt: Start.AddMilliseconds(1500), State: RunState.Finished, Result: RunResult.Failed, ExitCode: 2,
            Message: "make: *** [all] Error 2", Pid: null, LocalPath: "/home/u/.local/share/brioche-job/jobs/x");

        string json = JsonSerializer.Serialize(JobJson.From(new JobView(job, project, build), "01JD0000"), JobJsonContext.Default.JobJson);
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;

        root.EnumerateObject().Select(p => p.Name).ShouldBe(
        [
            "id", "shortId", "buildId", "buildExternalId", "project", "projectPath", "kind", "name", "result", "state",
            "startedAt", "stoppedAt", "durationMs", "recipeHash", "pid", "exitCode", "signal", "message", "cached",
            "localPath", "stepKey", "flaky", "offsetMs",
        ]);
        root.GetProperty("stepKey").GetString().ShouldBe("web:latest:vertex:RUN make");
        root.GetProperty("flaky").GetBoolean().ShouldBeFalse();
        root.GetProperty("offsetMs").ValueKind.ShouldBe(JsonValueKind.Null);
        root.GetProperty("id").GetString().ShouldBe(job.Id);
        root.GetProperty("buildId").GetString().ShouldBe(build.Id);
        root.GetProperty("project").GetString().ShouldBe("web:latest");
        root.GetProperty("kind").GetString().ShouldBe("docker");
        root.GetProperty("result").GetString().ShouldBe("failed");
        root.GetProperty("state").GetString().ShouldBe("finished");
        root.GetProperty("startedAt").GetString().ShouldBe("2025-03-01T12:00:00.123Z");
        root.GetProperty("stoppedAt").GetString().ShouldBe("2025-03-01T12:00:01.623Z");
        root.GetProperty("durationMs").GetInt64().ShouldBe(1500);
        root.GetProperty("exitCode").GetInt32().ShouldBe(2);
        root.GetProperty("pid").ValueKind.ShouldBe(JsonValueKind.Null);
        root.GetProperty("cached").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public void A_list_serialises_as_an_array_with_short_ids()
    {
        JobView[] views =
        [
            new(new JobRecord("01JD0000AAAA00000000000001", null, JobKind.Brioche, null, Start), null, null),
            new(new JobRecord("01JD0000AAAA00000000000002", null, JobKind.Brioche, null, Start), null, null),
            new(new JobRecord("01JD9999000000000000000003", null, JobKind.Brioche, null, Start), null, null),
        ];

        using var temp = new BriocheJob.Tests.Store.TempHome();
        using IJobStore store = temp.Open();
        string json = JsonSerializer.Serialize(JobJson.FromList(store, views), JobJsonContext.Default.IReadOnlyListJobJson);
        using JsonDocument document = JsonDocument.Parse(json);

        document.RootElement.EnumerateArray().Select(e => e.GetProperty("shortId").GetString())
            .ShouldBe(["01JD0000AAAA00000000000001", "01JD0000AAAA00000000000002", "01JD9999"]);
        document.RootElement[0].GetProperty("result").ValueKind.ShouldBe(JsonValueKind.Null);
        document.RootElement[0].GetProperty("state").GetString().ShouldBe("running");
    }
}
