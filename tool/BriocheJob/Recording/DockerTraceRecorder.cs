using System.Security.Cryptography;
using BriocheJob.Brioche;
using BriocheJob.BuildKit;
using BriocheJob.Diagnostics;
using BriocheJob.Docker;
using BriocheJob.Store;

namespace BriocheJob.Recording;

/// <summary>How a build's progress stream ended, for the steps it left unfinished.</summary>
public enum DockerBuildEnd
{
    Succeeded,
    Failed,
    Cancelled,
    /// <summary>The stream stopped without a result (engine gone, connection cut).</summary>
    StreamEnded,
}

/// <summary>
/// Turns BuildKit vertices into jobs as the decoder reports them: one job and one Brioche events file per vertex.
/// The live build (<see cref="DockerBuildRecorder"/>) calls <see cref="Flush"/> after every record, so a job is saved
/// running when its step starts and updated when it completes, fails or hits the cache; the import calls it once.
/// A record that cannot be written is reported to the listener and skipped: recording never stops a build.
/// </summary>
public sealed class DockerTraceRecorder : IBuildTraceObserver, IDisposable
{
    private readonly RecordingSession? _session;
    private readonly long? _projectId;
    private readonly DockerImageSpec? _spec;
    private readonly Dockerfile? _dockerfile;
    private readonly string? _dockerfilePath;
    private readonly string? _dockerfileSha256;
    private readonly IDockerBuildListener? _listener;
    private readonly bool _saveEachJob;
    private readonly TimeProvider _clock;
    private readonly Dictionary<TraceVertex, StepRecording> _byVertex = new(ReferenceEqualityComparer.Instance);
    private readonly List<StepRecording> _steps = [];
    private readonly List<StepRecording> _dirty = [];
    private readonly HashSet<string> _reportedProblems = [];

    // zstd level 1: compressing is most of the cost of recording a step's output (level 3 keeps about 170 MB/s of
    // build text on this project's machines, level 1 about 1.4x that); files are about 1.9x larger, still ~10x smaller
    // than the text.
    private static readonly ProcessEventsWriterOptions StepEventsOptions = new() { CompressionLevel = 1 };

    /// <param name="session">Where to record; null runs without recording (the listener still hears every step).</param>
    /// <param name="project">The image's build_projects row.</param>
    /// <param name="dockerfilePath">The Dockerfile the steps map to; null when unknown (lines are then left out).</param>
    /// <param name="dockerfile">The parsed Dockerfile, with the build args applied.</param>
    /// <param name="saveEachJob">True for a live build (each job saved as it changes); false saves all jobs in one transaction.</param>
    public DockerTraceRecorder(RecordingSession? session, ProjectRecord? project, DockerImageSpec? spec,
        string? dockerfilePath, Dockerfile? dockerfile, IDockerBuildListener? listener, bool saveEachJob,
        TimeProvider? clock = null)
    {
        _session = session;
        _projectId = project?.Id;
        _spec = spec;
        _dockerfile = dockerfile;
        _dockerfilePath = dockerfilePath is null ? null : Path.GetFullPath(dockerfilePath);
        _listener = listener;
        _saveEachJob = saveEachJob;
        _clock = clock ?? TimeProvider.System;
        if (_dockerfilePath is not null && File.Exists(_dockerfilePath))
        {
            try
            {
                _dockerfileSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_dockerfilePath)));
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Per COPY/ADD line, its context sources' digests (<see cref="ContextSourceDigests"/>), recorded in the step's meta.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, string>>? ContextDigests { get; init; }

    /// <summary>Every step seen, in first-seen order.</summary>
    public IReadOnlyList<DockerStep> Steps => _steps.Select(s => s.Step).ToList();

    /// <summary>Steps whose job reached the store.</summary>
    public int RecordedJobCount => _steps.Count(s => s.Step.Recorded);

    public DockerStep? FindStep(TraceVertex vertex) => _byVertex.GetValueOrDefault(vertex)?.Step;

    void IBuildTraceObserver.OnVertexAdded(TraceVertex vertex)
    {
        var step = Get(vertex);
        // A log chunk can name a vertex before its Vertex record does: take the name-based details now.
        if (step.Step.Meta.Vertex != vertex.Name)
        {
            step.Step = step.CreateStep(this, step.Step.JobId, vertex);
        }

        MarkDirty(step);
    }

    void IBuildTraceObserver.OnVertexStarted(TraceVertex vertex) => MarkDirty(Get(vertex));

    void IBuildTraceObserver.OnVertexCached(TraceVertex vertex) => MarkDirty(Get(vertex));

    void IBuildTraceObserver.OnVertexFailed(TraceVertex vertex) => MarkDirty(Get(vertex));

    void IBuildTraceObserver.OnVertexCompleted(TraceVertex vertex) => MarkDirty(Get(vertex));

    /// <summary>Each chunk goes straight into the step's events file: nothing of the log is kept here.</summary>
    void IBuildTraceObserver.OnLogChunk(TraceVertex vertex, int stream, DateTimeOffset? timestamp, ReadOnlySpan<byte> data)
    {
        var step = Get(vertex);
        if (step.Closed)
        {
            return; // output after the step ended: its events file is complete already
        }

        step.NoteOutput(timestamp);
        if (_session is not null && !step.WriterFailed && step.Writer is null)
        {
            OpenEvents(step);
        }

        if (step.Writer is { } writer)
        {
            try
            {
                writer.WriteOutput(stream == 2 ? OutputStream.Stderr : OutputStream.Stdout, data, Elapsed(step, timestamp));
            }
            catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
            {
                AbandonEvents(step, e);
            }
        }

        MarkDirty(step);
    }

    /// <summary>
    /// Feeds a live build's progress (the Engine's <c>/build</c> body, JSON lines) to <paramref name="decoder"/> as it
    /// arrives, bytes only, and flushes the recorder after every record. The decoder should use
    /// <see cref="TraceLogRetention.Tail"/> so that memory does not grow with a step's log.
    /// </summary>
    public static Task FeedProgressAsync(Stream progress, BuildKitTraceDecoder decoder, DockerTraceRecorder recorder,
        CancellationToken cancellationToken) =>
        BuildKitTrace.FeedAsync(progress, decoder, TraceEncoding.JsonLines, cancellationToken, recorder.Flush);

    /// <summary>Writes what the last records changed: events, job rows, listener notifications.</summary>
    public void Flush()
    {
        if (_dirty.Count == 0)
        {
            return;
        }

        var batch = _saveEachJob ? null : new List<(StepRecording, JobRecord)>();
        foreach (var step in _dirty)
        {
            step.Dirty = false;
            Update(step, null, null, null, batch);
        }
        _dirty.Clear();
        SaveBatch(batch);
    }

    /// <summary>
    /// Ends the recording: steps the build left unfinished are recorded cancelled (naming why), every events file
    /// is completed and every job saved. Call after <see cref="BuildKitTraceDecoder.Finish"/>.
    /// </summary>
    public void Finish(DockerBuildEnd end, DateTimeOffset? endedAt = null)
    {
        var when = endedAt ?? _clock.GetUtcNow();
        var batch = _saveEachJob ? null : new List<(StepRecording, JobRecord)>();
        foreach (var step in _steps)
        {
            if (!step.Step.Vertex.Announced && !step.Step.Vertex.HasOutput)
            {
                continue; // a bare status update about a vertex never described: nothing to record
            }

            var status = DockerStepMapping.StatusOf(step.Step.Vertex);
            if (DockerStepMapping.IsFinal(status))
            {
                if (step.Dirty || step.SavedStatus != status || !step.Closed)
                {
                    Update(step, null, null, when, batch);
                }

                continue;
            }
            var message = end switch
            {
                DockerBuildEnd.Cancelled => "cancelled",
                DockerBuildEnd.Failed => status == DockerStepStatus.Pending
                    ? "not run: the build failed first" : "stopped: the build failed",
                DockerBuildEnd.StreamEnded => "not finished: the build's progress stream ended",
                _ => status == DockerStepStatus.Pending ? "never started" : "not finished when the build ended",
            };
            Update(step, DockerStepStatus.Cancelled, message, when, batch);
        }
        _dirty.Clear();
        SaveBatch(batch);
    }

    private StepRecording Get(TraceVertex vertex)
    {
        if (_byVertex.TryGetValue(vertex, out var step))
        {
            return step;
        }

        var jobId = _saveEachJob ? Ulid.NewUlid() : Ulid.NewUlid(vertex.Started ?? _clock.GetUtcNow());
        step = new StepRecording(_clock.GetUtcNow());
        step.Step = step.CreateStep(this, jobId, vertex);
        _byVertex.Add(vertex, step);
        _steps.Add(step);
        return step;
    }

    private void MarkDirty(StepRecording step)
    {
        if (step.Dirty)
        {
            return;
        }

        step.Dirty = true;
        _dirty.Add(step);
    }

    private void Update(StepRecording step, DockerStepStatus? overrideStatus, string? message, DateTimeOffset? endedAt,
        List<(StepRecording, JobRecord)>? batch)
    {
        var vertex = step.Step.Vertex;
        var status = overrideStatus ?? DockerStepMapping.StatusOf(vertex);
        // Announced but not started, and silent: nothing to write or save yet.
        if (status == DockerStepStatus.Pending && !vertex.HasOutput)
        {
            return;
        }

        if (_session is not null && !step.WriterFailed && step.Writer is null && !step.Closed)
        {
            OpenEvents(step);
        }

        if (DockerStepMapping.IsFinal(status) && !step.Closed)
        {
            CloseEvents(step, status, message, endedAt);
        }

        if (status == DockerStepStatus.Pending || status == step.SavedStatus)
        {
            return;
        }

        var previous = step.SavedStatus;
        step.SavedStatus = status;
        step.Step.Status = status;
        var job = DockerStepMapping.Job(step.Step.JobId, _projectId, vertex, step.Step.Meta, step.EventsPath,
            step.FirstSeen, overrideStatus, endedAt, message);
        if (_session is not null)
        {
            if (batch is not null)
            {
                batch.Add((step, job));
            }
            else
            {
                Save(step, job);
            }
        }
        Notify(step, previous, status);
    }

    private void Notify(StepRecording step, DockerStepStatus previous, DockerStepStatus status)
    {
        if (_listener is null)
        {
            return;
        }

        switch (status)
        {
            case DockerStepStatus.Running:
                _listener.OnStepStarted(step.Step);
                break;
            case DockerStepStatus.Cached:
                _listener.OnStepCached(step.Step);
                break;
            case DockerStepStatus.Succeeded:
                if (previous == DockerStepStatus.Pending)
                {
                    _listener.OnStepStarted(step.Step);
                }

                _listener.OnStepCompleted(step.Step);
                break;
            case DockerStepStatus.Failed:
                _listener.OnStepFailed(step.Step);
                break;
            case DockerStepStatus.Cancelled:
                _listener.OnStepCancelled(step.Step);
                break;
        }
    }

    private void Save(StepRecording step, JobRecord job)
    {
        try
        {
            _session!.SaveJob(job);
            step.Step.Recorded = true;
        }
        catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
        {
            step.Step.Recorded = false;
            Problem(Catalog.DockerBuild.RecordFailed, Catalog.DockerBuild.RecordFailed.Message($"record job {job.Id} ({job.Name})", e.Message));
        }
    }

    private void SaveBatch(List<(StepRecording Step, JobRecord Job)>? batch)
    {
        if (batch is null || batch.Count == 0 || _session is null)
        {
            return;
        }

        try
        {
            _session.Store.SaveJobs(batch.Select(b => b.Job));
            foreach (var (step, _) in batch)
            {
                step.Step.Recorded = true;
            }
        }
        catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
        {
            Problem(Catalog.DockerBuild.RecordFailed, Catalog.DockerBuild.RecordFailed.Message("record " + Counted.Of(batch.Count, "job"), e.Message));
        }
    }

    private void OpenEvents(StepRecording step)
    {
        var vertex = step.Step.Vertex;
        try
        {
            var directory = _session!.Home.EnsureJobDirectory(step.Step.JobId);
            var path = Path.Combine(directory, "events.bin.zst");
            var createdAt = vertex.Started ?? step.FirstTimestamp ?? step.FirstSeen;
            step.Reference = createdAt;
            step.Writer = ProcessEventsWriter.Create(path,
                DockerStepMapping.Description(step.Step.Meta, step.Match?.Instruction, createdAt, vertex.Cached),
                StepEventsOptions);
            step.EventsPath = path;
        }
        catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
        {
            step.WriterFailed = true;
            Problem(Catalog.DockerBuild.EventsFailed, Catalog.DockerBuild.EventsFailed.Message("write", step.Step.JobId, e.Message));
        }
    }

    private void CloseEvents(StepRecording step, DockerStepStatus status, string? message, DateTimeOffset? endedAt)
    {
        step.Closed = true;
        if (step.Writer is not { } writer)
        {
            return;
        }

        var vertex = step.Step.Vertex;
        try
        {
            var elapsed = Elapsed(step, vertex.Completed ?? endedAt ?? _clock.GetUtcNow());
            ProcessEvent exit = status switch
            {
                DockerStepStatus.Cancelled => new ExitedWithMessageEvent(elapsed, message ?? vertex.Error ?? "cancelled"),
                DockerStepStatus.Failed when vertex.ExitCode is { } code => new ExitedEvent(elapsed, code),
                DockerStepStatus.Failed => new ExitedWithMessageEvent(elapsed, vertex.Error ?? "failed"),
                _ => new ExitedEvent(elapsed, 0),
            };
            writer.Write(exit);
            writer.Complete();
        }
        catch (Exception e) when (RecordingPolicy.IsRecordingFailure(e))
        {
            Problem(Catalog.DockerBuild.EventsFailed, Catalog.DockerBuild.EventsFailed.Message("finish", step.Step.JobId, e.Message));
        }
        finally
        {
            writer.Dispose();
            step.Writer = null;
        }
    }

    private void AbandonEvents(StepRecording step, Exception e)
    {
        Problem(Catalog.DockerBuild.EventsFailed, Catalog.DockerBuild.EventsFailed.Message("write", step.Step.JobId, e.Message));
        step.WriterFailed = true;
        step.Writer?.Dispose();
        step.Writer = null;
    }

    private uint Elapsed(StepRecording step, DateTimeOffset? at)
    {
        var reference = step.Reference ?? step.Step.Vertex.Started ?? step.FirstTimestamp ?? step.FirstSeen;
        var ms = ((at ?? _clock.GetUtcNow()) - reference).TotalMilliseconds;
        return ms <= 0 ? 0 : ms >= uint.MaxValue ? uint.MaxValue : (uint)ms;
    }

    private void Problem(string code, string message)
    {
        // One warning per kind of problem and message keeps a broken disk from flooding the build log.
        if (_reportedProblems.Add(code + message))
        {
            _listener?.Problem(code, message);
        }
    }

    public void Dispose()
    {
        foreach (var step in _steps)
        {
            step.Writer?.Dispose();
            step.Writer = null;
        }
    }

    private sealed class StepRecording(DateTimeOffset firstSeen)
    {
        public DateTimeOffset FirstSeen { get; } = firstSeen;
        public DockerStep Step { get; set; } = null!;
        public DockerfileStepMatch? Match { get; private set; }
        public bool Dirty { get; set; }
        public DockerStepStatus SavedStatus { get; set; } = DockerStepStatus.Pending;
        public ProcessEventsWriter? Writer { get; set; }
        public bool WriterFailed { get; set; }
        public bool Closed { get; set; }
        public string? EventsPath { get; set; }
        public DateTimeOffset? Reference { get; set; }
        public DateTimeOffset? FirstTimestamp { get; private set; }

        public DockerStep CreateStep(DockerTraceRecorder recorder, string jobId, TraceVertex vertex)
        {
            Match = DockerStepMapping.FindStep(vertex, recorder._dockerfile);
            var meta = DockerStepMapping.Meta(vertex, Match, recorder._spec, recorder._dockerfilePath, recorder._dockerfileSha256);
            if (Match is not null && recorder.ContextDigests?.GetValueOrDefault(Match.Instruction.Line) is { } sources)
            {
                meta = meta with { ContextSources = sources };
            }

            return new DockerStep(vertex, jobId, meta) { Status = Step?.Status ?? DockerStepStatus.Pending };
        }

        public void NoteOutput(DateTimeOffset? timestamp)
        {
            FirstTimestamp ??= timestamp;
        }
    }
}
