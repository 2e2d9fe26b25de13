using BriocheJob.Zstd;

namespace BriocheJob.Store;

/// <summary>Splits an events file into its complete zstd frames (data and skippable), without decompressing.</summary>
public static class LogFrames
{
    /// <summary>The complete frames of <paramref name="data"/>; a frame still being written at the end is left out.</summary>
    public static List<byte[]> Split(ReadOnlySpan<byte> data)
    {
        var frames = new List<byte[]>();
        int offset = 0;
        while (offset < data.Length)
        {
            long size = ZstdFrames.FindFrameCompressedSize(data[offset..]);
            if (size <= 0)
            {
                break;
            }

            frames.Add(data.Slice(offset, (int)size).ToArray());
            offset += (int)size;
        }

        return frames;
    }

    /// <summary>
    /// Sends the frames of a local events file the store does not hold yet; <paramref name="complete"/> marks the log
    /// whole (the job ended). Returns how many frames were sent.
    /// </summary>
    public static int Upload(IJobLogStore store, string jobId, string eventsPath, bool complete)
    {
        if (!File.Exists(eventsPath))
        {
            return 0;
        }

        var state = store.GetLogState(jobId);
        if (state is { Complete: true })
        {
            return 0;
        }

        byte[] bytes = File.ReadAllBytes(eventsPath);
        List<byte[]> frames = Split(bytes);
        int have = state?.Frames ?? 0;
        List<byte[]> fresh = frames.Skip(have).ToList();
        long total = frames.Sum(f => (long)f.Length);
        // Only a file that is exactly its frames is marked complete: a torn tail stays open for the next upload.
        bool whole = complete && total == bytes.LongLength;
        if (fresh.Count == 0 && !whole)
        {
            return 0;
        }

        store.AppendLogFrames(jobId, have, fresh, whole);
        return fresh.Count;
    }

    /// <summary>
    /// Writes a sparse copy of the job's events file for reading its end: every frame at its offset, but only the first
    /// two (the Description, the Spawned event) and the last <paramref name="lastFrames"/> (with the seek table) are
    /// fetched; the others are left as holes a backward reader never reaches. Returns true when every frame was
    /// fetched (the copy is then the whole file).
    /// </summary>
    public static bool DownloadTail(IJobLogStore store, string jobId, string path, int lastFrames)
    {
        IReadOnlyList<int> sizes = store.GetLogFrameSizes(jobId);
        var wanted = new SortedSet<int>(Enumerable.Range(0, Math.Min(2, sizes.Count)));
        wanted.UnionWith(Enumerable.Range(Math.Max(0, sizes.Count - lastFrames), Math.Min(lastFrames, sizes.Count)));
        IReadOnlyDictionary<int, byte[]> frames = store.ReadLogFrames(jobId, wanted);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DataHome.FileMode;
        }

        using (var file = new FileStream(path, options))
        {
            file.SetLength(sizes.Sum(s => (long)s));
            long offset = 0;
            for (int i = 0; i < sizes.Count; i++)
            {
                if (frames.TryGetValue(i, out byte[]? data))
                {
                    file.Position = offset;
                    file.Write(data);
                }

                offset += sizes[i];
            }
        }

        return wanted.Count == sizes.Count;
    }

    /// <summary>Writes the job's frames to <paramref name="path"/> (0600), which is then the events file byte for byte.</summary>
    public static bool Download(IJobLogStore store, string jobId, string path)
    {
        IReadOnlyList<byte[]> frames = store.ReadLogFrames(jobId, 0);
        if (frames.Count == 0)
        {
            return false;
        }

        string temporary = path + ".part";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = DataHome.FileMode;
        }

        using (var file = new FileStream(temporary, options))
        {
            foreach (byte[] frame in frames)
            {
                file.Write(frame);
            }
        }

        File.Move(temporary, path, overwrite: true);
        return true;
    }
}
