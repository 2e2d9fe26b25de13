namespace BriocheJob.Store;

/// <summary>
/// A store that holds the jobs' logs itself (the server store): each events file as its zstd frames, in order, so
/// the concatenation of the frames is the file, byte for byte.
/// </summary>
public interface IJobLogStore
{
    /// <summary>How many frames the store holds for the job, and whether the log is complete (the job ended).</summary>
    (int Frames, long Bytes, bool Complete)? GetLogState(string jobId);

    /// <summary>
    /// Appends frames starting at <paramref name="firstIndex"/> (frames already there are kept), and replaces the bytes of
    /// the frame still being written (<paramref name="openFrame"/>: what the writer flushed of it so far; null for none),
    /// so a follower elsewhere sees lines before their frame ends. The open frame is always a prefix of the next frame.
    /// </summary>
    void AppendLogFrames(string jobId, int firstIndex, IReadOnlyList<byte[]> frames, bool complete, byte[]? openFrame = null);

    /// <summary>
    /// For a follower that holds the first <paramref name="fromIndex"/> frames: the frames since, the open frame's bytes
    /// so far and whether the log is complete, read at one instant (null when the store holds no log for the job).
    /// </summary>
    LogSince? ReadLogSince(string jobId, int fromIndex);

    /// <summary>The frames from <paramref name="fromIndex"/> on, in order.</summary>
    IReadOnlyList<byte[]> ReadLogFrames(string jobId, int fromIndex);

    /// <summary>The size of every frame, in order (read without fetching the frames).</summary>
    IReadOnlyList<int> GetLogFrameSizes(string jobId);

    /// <summary>Only the frames with these indexes.</summary>
    IReadOnlyDictionary<int, byte[]> ReadLogFrames(string jobId, IReadOnlyCollection<int> indexes);
}

/// <summary>What <see cref="IJobLogStore.ReadLogSince"/> returns: new frames, the open frame so far, and completeness.</summary>
public sealed record LogSince(IReadOnlyList<byte[]> Frames, byte[] OpenFrame, bool Complete);
