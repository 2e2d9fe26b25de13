namespace BriocheJob.Store;

/// <summary>Which ids <see cref="IJobStore.FindIdNeighbours"/> looks among.</summary>
public enum IdTable
{
    Jobs,
    Builds,
}

/// <summary>
/// An id and the store's ids on either side of it in case-insensitive id order, itself left out (null at either end).
/// Of all the store's ids, these two share the longest prefix with <see cref="Id"/>, so a prefix longer than what it
/// shares with both selects only <see cref="Id"/> in the whole store.
/// </summary>
public sealed record IdNeighbours(string Id, string? Before, string? After);
