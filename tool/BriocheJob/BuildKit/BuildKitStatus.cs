namespace BriocheJob.BuildKit;

/// <summary>One BuildKit StatusResponse (or client.SolveStatus), decoded field by field; absent fields are null or empty.</summary>
public sealed class BuildKitStatus
{
    public List<BuildKitVertex> Vertexes { get; } = [];
    public List<BuildKitVertexStatus> Statuses { get; } = [];
    public List<BuildKitVertexLog> Logs { get; } = [];
    public List<BuildKitVertexWarning> Warnings { get; } = [];

    public bool IsEmpty => Vertexes.Count == 0 && Statuses.Count == 0 && Logs.Count == 0 && Warnings.Count == 0;
}

/// <summary>Vertex: one node of the build graph, resent on every state change.</summary>
public sealed class BuildKitVertex
{
    public string Digest { get; set; } = "";
    public List<string> Inputs { get; } = [];
    public string Name { get; set; } = "";
    public bool Cached { get; set; }
    public DateTimeOffset? Started { get; set; }
    public DateTimeOffset? Completed { get; set; }
    public string Error { get; set; } = "";
    public BuildKitProgressGroup? ProgressGroup { get; set; }
}

/// <summary>ProgressGroup (BuildKit 0.10 and later).</summary>
public sealed record BuildKitProgressGroup(string Id, string Name, bool Weak);

/// <summary>VertexStatus: progress of a sub-task of a vertex (a layer download, an export step).</summary>
public sealed class BuildKitVertexStatus
{
    public string Id { get; set; } = "";
    public string Vertex { get; set; } = "";
    public string Name { get; set; } = "";
    public long Current { get; set; }
    public long Total { get; set; }
    public DateTimeOffset? Timestamp { get; set; }
    public DateTimeOffset? Started { get; set; }
    public DateTimeOffset? Completed { get; set; }
}

/// <summary>VertexLog: a raw output chunk, not aligned to lines.</summary>
public sealed class BuildKitVertexLog
{
    public string Vertex { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    /// <summary>1 stdout, 2 stderr (other values are kept as they come).</summary>
    public long Stream { get; set; }
    public byte[] Data { get; set; } = [];
}

/// <summary>VertexWarning (BuildKit 0.10 and later). Source info is decoded lightly: file name and first range.</summary>
public sealed class BuildKitVertexWarning
{
    public string Vertex { get; set; } = "";
    public long Level { get; set; }
    public string Short { get; set; } = "";
    public List<string> Details { get; } = [];
    public string Url { get; set; } = "";
    public string? SourceFile { get; set; }
    /// <summary>1-based line of the first range's start, as BuildKit reports it.</summary>
    public int? StartLine { get; set; }
    public int? EndLine { get; set; }
}
