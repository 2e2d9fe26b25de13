namespace BriocheJob.Store;

/// <summary>
/// A store that holds the jobs' logs itself (the server store): each events file as its zstd frames, in order, so
/// the concatenation of the frames is the file, byte for byte.
/// </summary>
public interface IJobLogStore
{
    /// <summary>How many frames the store holds for the job, and whether the log is complete (the job ended).</summary>
    (int Frames, long Bytes, bool Complete)? GetLogState(string jobId);

    /// <summary>Appends frames starting at <paramref name="firstIndex"/> (frames already there are kept).</summary>
    void AppendLogFrames(string jobId, int firstIndex, IReadOnlyList<byte[]> frames, bool complete);

    /// <summary>The frames from <paramref name="fromIndex"/> on, in order.</summary>
    IReadOnlyList<byte[]> ReadLogFrames(string jobId, int fromIndex);

    /// <summary>The size of every frame, in order (read without fetching the frames).</summary>
    IReadOnlyList<int> GetLogFrameSizes(string jobId);

    /// <summary>Only the frames with these indexes.</summary>
    IReadOnlyDictionary<int, byte[]> ReadLogFrames(string jobId, IReadOnlyCollection<int> indexes);

}
