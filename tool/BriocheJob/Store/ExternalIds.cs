namespace BriocheJob.Store;

/// <summary>
/// A build's external id is the user's <c>BriocheJobBuildId</c>. When none is given, the MSBuild tasks still need one
/// id per <c>dotnet build</c> so that its projects join one build row: <see cref="NewSynthetic"/> makes it. A
/// synthetic id is kept in the store for that rejoining, but never shown (text or JSON): <see cref="Shown"/>.
/// </summary>
public static class ExternalIds
{
    private const string SyntheticPrefix = "msbuild-";

    /// <summary>A new synthetic id: <c>msbuild-</c> and 32 hex digits.</summary>
    public static string NewSynthetic() => SyntheticPrefix + Guid.NewGuid().ToString("N");

    /// <summary>Whether <paramref name="externalId"/> is one <see cref="NewSynthetic"/> made, not a user's.</summary>
    public static bool IsSynthetic(string? externalId) =>
        externalId is { Length: 40 } && externalId.StartsWith(SyntheticPrefix, StringComparison.Ordinal)
        && !externalId.AsSpan(SyntheticPrefix.Length).ContainsAnyExcept("0123456789abcdef");

    /// <summary>The external id to show: the user's, or null for none or a synthetic one.</summary>
    public static string? Shown(string? externalId) => IsSynthetic(externalId) ? null : externalId;

    /// <summary>The external id of <paramref name="build"/> to show (see <see cref="Shown(string?)"/>).</summary>
    public static string? Shown(BuildRecord build)
    {
        ArgumentNullException.ThrowIfNull(build);
        return Shown(build.ExternalId);
    }
}
