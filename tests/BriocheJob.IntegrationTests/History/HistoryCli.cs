using System.Text.Json;
using BriocheJob.TestSupport;

namespace BriocheJob.IntegrationTests.History;

/// <summary>Runs the CLI in-process against one data home, with captured output.</summary>
internal sealed class HistoryCli(string home)
{
    public (int Code, string Out, string Error) Run(params string[] args)
    {
        var console = new TestConsole();
        var code = BriocheJob.Cli.Program.Run(["--home", home, .. args], console, CancellationToken.None);
        return (code, console.OutWriter.ToString(), console.ErrorWriter.ToString());
    }

    public string Ok(params string[] args)
    {
        var (code, output, error) = Run(args);
        code.ShouldBe(0, $"{string.Join(' ', args)}: {error}");
        return output;
    }

    public JsonDocument Json(params string[] args) => JsonDocument.Parse(Ok(args));
}
