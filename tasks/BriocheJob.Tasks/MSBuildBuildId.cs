using BriocheJob.Store;
using Microsoft.Build.Framework;

namespace BriocheJob.Tasks;

/// <summary>
/// The external build id every task of one MSBuild build records under: <c>BriocheJobBuildId</c> when set,
/// else one id per build and MSBuild node, kept as a build-lifetime task object so the tasks of one
/// <c>dotnet build</c> land in one build row.
/// </summary>
internal static class MSBuildBuildId
{
    private const string Key = "BriocheJob.Tasks.BuildId";

    public static string Get(IBuildEngine engine, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (engine is not IBuildEngine4 engine4)
        {
            return ExternalIds.NewSynthetic();
        }

        lock (typeof(MSBuildBuildId))
        {
            if (engine4.GetRegisteredTaskObject(Key, RegisteredTaskObjectLifetime.Build) is string existing)
            {
                return existing;
            }

            string id = ExternalIds.NewSynthetic();
            engine4.RegisterTaskObject(Key, id, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return id;
        }
    }
}
