using BriocheJob.Diagnostics;
using BriocheJob.Recording;

namespace BriocheJob.Tests.Recording;

/// <summary>The one recording-failure policy reports through the catalogue's entry, never text of its own.</summary>
public sealed class RecordingPolicyTests
{
    private sealed class Problems : IRecordingObserver
    {
        public List<(string Code, string Message)> Seen { get; } = [];

        public void Problem(string code, string message) => Seen.Add((code, message));
    }

    [Fact]
    public void A_recording_failure_is_the_catalogues_message_with_the_sites_arguments_and_the_why_last()
    {
        var problems = new Problems();

        var recorded = RecordingPolicy.Try(problems, Catalog.BriocheBuild.RecordingFailed,
            () => throw new IOException("disk full"), "record job 01ABC");
        var session = RecordingPolicy.Try<object>(problems, Catalog.DockerBuild.SessionFailed,
            () => throw new UnauthorizedAccessException("no write access to /home/x"));

        recorded.ShouldBeFalse();
        session.ShouldBeNull();
        problems.Seen.ShouldBe(
        [
            ("BJ3005", "could not record job 01ABC: disk full"),
            ("BJ5105", "Docker images are built but not recorded: no write access to /home/x"),
        ]);
        problems.Seen[0].Message.ShouldBe(Catalog.BriocheBuild.RecordingFailed.Message("record job 01ABC", "disk full"));
    }

    [Fact]
    public void A_sub_message_reports_its_codes_code_and_a_failure_that_is_not_recordings_goes_up()
    {
        var problems = new Problems();

        RecordingPolicy.Try(problems, Catalog.BriocheBuild.LogNotCopied, () => throw new IOException("gone"), "01ABC")
            .ShouldBeFalse();
        Should.Throw<ArgumentException>(() =>
            RecordingPolicy.Try(problems, Catalog.BriocheBuild.RecordingFailed, () => throw new ArgumentException("a bug"), "x"));
        RecordingPolicy.Try(problems, Catalog.BriocheBuild.RecordingFailed, () => { }, "x").ShouldBeTrue();

        problems.Seen.ShouldHaveSingleItem().ShouldBe(("BJ3005", "cannot keep a copy of the log of job 01ABC: gone"));
    }
}
