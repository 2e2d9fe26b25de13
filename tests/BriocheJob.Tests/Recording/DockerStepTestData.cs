using System.Text;
using System.Text.Json;
using BriocheJob.BuildKit;

namespace BriocheJob.Tests.Recording;

/// <summary>Builds BuildKit vertices the way the decoder sees them: from rawjson SolveStatus lines.</summary>
internal static class DockerStepTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public const string Dockerfile = """
        FROM busybox:local AS base
        ARG LEVEL=debug
        ENV FOO=bar
        WORKDIR /src
        USER nobody
        RUN echo "$FOO" && \
            exit 3
        """;

    public static string Vertex(string digest, string name, double? startedSeconds = null, double? completedSeconds = null,
        bool cached = false, string? error = null)
    {
        var vertex = new Dictionary<string, object?> { ["digest"] = digest, ["name"] = name };
        if (startedSeconds is { } s)
        {
            vertex["started"] = T0.AddSeconds(s).ToString("O");
        }

        if (completedSeconds is { } c)
        {
            vertex["completed"] = T0.AddSeconds(c).ToString("O");
        }

        if (cached)
        {
            vertex["cached"] = true;
        }

        if (error is not null)
        {
            vertex["error"] = error;
        }

        return JsonSerializer.Serialize(new { vertexes = new[] { vertex } });
    }

    public static string Log(string digest, int stream, string text, double atSeconds) =>
        JsonSerializer.Serialize(new
        {
            logs = new[]
            {
                new { vertex = digest, stream, data = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), timestamp = T0.AddSeconds(atSeconds).ToString("O") },
            },
        });

    /// <summary>One vertex after feeding <paramref name="lines"/> (and finishing the trace).</summary>
    public static TraceVertex Decode(params string[] lines)
    {
        var decoder = new BuildKitTraceDecoder();
        foreach (var line in lines)
        {
            decoder.FeedRawJsonLine(Encoding.UTF8.GetBytes(line));
        }

        return decoder.Finish().Vertices.Single();
    }

    public const string FailedRunError = "process \"/bin/sh -c echo \\\"$FOO\\\" &&     exit 3\" did not complete successfully: exit code: 3";
}
