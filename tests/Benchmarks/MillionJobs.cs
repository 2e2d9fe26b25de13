using BriocheJob.Store;

namespace Benchmarks;

/// <summary>
/// The one million jobs the store lookup benchmarks hold (SQLite, LiteDB and PostgreSQL), in one shape: builds of
/// <see cref="JobsPerBuild"/> jobs in <see cref="ProjectsPerBuild"/> projects, one build in
/// <see cref="FailedBuildOneIn"/> and one job in <see cref="FailedJobOneIn"/> failed, a recipe run about four times
/// on average (<see cref="RecipeCount"/> recipes), pids spread over 300 to 4,000,000, a job every 750 ms from
/// 2024-01-01. <see cref="Rows"/> makes them in .NET from one seed (SQLite and LiteDB get the same builds, projects,
/// recipes, results and pids); PostgreSQL generates the same shape in the server.
/// </summary>
internal static class MillionJobs
{
    public const int JobCount = 1_000_000;
    public const int JobsPerBuild = 200;
    public const int ProjectsPerBuild = 4;
    public const int FailedBuildOneIn = 5;
    public const int FailedJobOneIn = 10;
    public const int RecipeCount = JobCount / 4;

    /// <summary>The index of the job in the middle, the one the lookups look for.</summary>
    public const int ProbeIndex = JobCount / 2;

    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Every job in order with, on the first job of a build, that build and its projects.</summary>
    public static IEnumerable<SeedRow> Rows()
    {
        var random = new Random(20250301);
        long projectId = 0;
        var hashBytes = new byte[32];
        for (int i = 0; i < JobCount; i++)
        {
            DateTimeOffset started = Start.AddMilliseconds(i * 750L);
            SeedBuild? build = null;
            var projects = new List<SeedProject>();
            if (i % JobsPerBuild == 0)
            {
                build = new SeedBuild(Ulid.NewUlid(started), started.ToUnixTimeMilliseconds(), started.AddMinutes(3).ToUnixTimeMilliseconds(),
                    Failed: i % (JobsPerBuild * FailedBuildOneIn) == 0);
                for (int p = 0; p < ProjectsPerBuild; p++)
                {
                    projects.Add(new SeedProject(++projectId, build.Value.Id, p % 2 == 0 ? "docker" : "brioche", $"project-{p}", $"/src/p{p}/p.csproj"));
                }
            }

            int recipeNumber = random.Next(RecipeCount);
            new Random(recipeNumber).NextBytes(hashBytes);
            string recipe = Convert.ToHexStringLower(hashBytes);
            int pid = random.Next(300, 4_000_000);
            bool failed = random.Next(FailedJobOneIn) == 0;
            var job = new SeedJob(Ulid.NewUlid(started), projectId - random.Next(ProjectsPerBuild), i % 2 == 0 ? "docker" : "brioche",
                $"step {i}", started.ToUnixTimeMilliseconds(), started.AddMilliseconds(500).ToUnixTimeMilliseconds(), failed, recipe, pid);
            yield return new SeedRow(i, build, projects, job);
        }
    }
}

internal readonly record struct SeedBuild(string Id, long StartedAt, long StoppedAt, bool Failed);

internal readonly record struct SeedProject(long Id, string BuildId, string Kind, string Name, string Path);

internal readonly record struct SeedJob(
    string Id, long ProjectId, string Kind, string Name, long StartedAt, long StoppedAt, bool Failed, string Recipe, int Pid);

internal readonly record struct SeedRow(int Index, SeedBuild? Build, IReadOnlyList<SeedProject> Projects, SeedJob Job);
