using BriocheJob.Store;
using BriocheJob.TestSupport;
using Microsoft.Data.Sqlite;

namespace BriocheJob.Tests.Store;

/// <summary>
/// A store made at schema version 3 by the migration steps themselves (before provenance on PostgreSQL, before step
/// keys on both), holding rows, then opened by this build: the later migrations run, the rows are kept, their step
/// keys are filled in as a current store computes them, and the provenance columns are there (empty, then filled).
/// </summary>
public sealed class StoreUpgradeTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempHome _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The rows of the old store: a build, a Docker and a Brioche project, and their jobs.</summary>
    private static readonly ProjectRecord Docker = new(1, "B1", JobKind.Docker, "web", null, "/src/web/Dockerfile", null);
    private static readonly ProjectRecord Brioche = new(2, "B1", JobKind.Brioche, "hello", "abc", "/src/hello/project.bri", null);

    private static readonly JobRecord[] OldJobs =
    [
        new("J1", 1, JobKind.Docker, "[build 2/3] RUN make", T0, T0.AddSeconds(1), RunState.Finished, RunResult.Failed,
            ExitCode: 2, RecipeHash: "sha256:aa", RecipeMeta: """{"stage":"build","step":"2/3","instruction":"RUN make"}""", OwnerPid: 1),
        new("J2", 2, JobKind.Brioche, "process", T0.AddSeconds(2), T0.AddSeconds(3), RunState.Finished, RunResult.Succeeded,
            ExitCode: 0, RecipeHash: "bb", OwnerPid: 1),
        new("J3", null, JobKind.Brioche, "loose", T0.AddSeconds(4), T0.AddSeconds(5), RunState.Finished, RunResult.Succeeded, OwnerPid: 1),
    ];

    [Fact]
    public void A_v3_server_schema_runs_migrations_4_to_current_and_fills_in_step_keys()
    {
        using var schema = new TestSchema();
        schema.Execute(string.Concat(PostgresSchema.Migrations.All.Take(3).Select(m => m.Sql)) +
            "UPDATE brioche_job_schema SET version = 3;" +
            "INSERT INTO builds (id, external_id, origin, owner_pid, owner_host, started_at, stopped_at, state, result) " +
            $"VALUES ('B1', 'ci-1', 'msbuild', 1, 'old-host', {T0.ToUnixTimeMilliseconds()}, {T0.AddSeconds(9).ToUnixTimeMilliseconds()}, 'finished', 'failed');" +
            "INSERT INTO build_projects (build_id, kind, name, local_project_path) VALUES ('B1', 'docker', 'web', '/src/web/Dockerfile');" +
            "INSERT INTO build_projects (build_id, kind, name, project_hash, local_project_path) VALUES ('B1', 'brioche', 'hello', 'abc', '/src/hello/project.bri');" +
            string.Concat(OldJobs.Select(j =>
                "INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, recipe_hash, recipe_meta, owner_pid) " +
                $"VALUES ('{j.Id}', {(j.BuildProjectId is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "NULL")}, " +
                $"'{StoreText.Of(j.Kind)}', '{j.Name}', {j.StartedAt.ToUnixTimeMilliseconds()}, {j.StoppedAt!.Value.ToUnixTimeMilliseconds()}, " +
                $"'finished', '{StoreText.Of(j.Result)}', {(j.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NULL")}, " +
                $"{Quoted(j.RecipeHash)}, {Quoted(j.RecipeMeta)}, 1);")) +
            "INSERT INTO job_logs (job_id, frame_count, byte_count, complete) VALUES ('j1', 0, 0, true);");
        schema.Scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'step_key'")
            .ShouldBe(0L, "the schema is really at version 3");

        using PostgresJobStore store = schema.Open();

        store.SchemaVersion.ShouldBe(PostgresSchema.CurrentVersion);
        CheckUpgraded(store, id => schema.Scalar($"SELECT step_key FROM jobs WHERE id = '{id}'") as string);
        schema.Scalar("SELECT count(*) FROM job_logs WHERE open_frame IS NULL").ShouldBe(1L);
    }

    [Fact]
    public void A_v3_embedded_store_runs_migration_4_and_fills_in_step_keys()
    {
        Directory.CreateDirectory(_temp.Home.Root);
        using (var connection = new SqliteConnection($"Data Source={_temp.Home.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = string.Concat(SqliteSchema.Migrations.All.Take(3).Select(m => m.Sql)) +
                "INSERT INTO builds (id, external_id, origin, owner_pid, started_at, stopped_at, state, result) " +
                $"VALUES ('B1', 'ci-1', 'msbuild', 1, {T0.ToUnixTimeMilliseconds()}, {T0.AddSeconds(9).ToUnixTimeMilliseconds()}, 'finished', 'failed');" +
                "INSERT INTO build_projects (build_id, kind, name, local_project_path) VALUES ('B1', 'docker', 'web', '/src/web/Dockerfile');" +
                "INSERT INTO build_projects (build_id, kind, name, project_hash, local_project_path) VALUES ('B1', 'brioche', 'hello', 'abc', '/src/hello/project.bri');" +
                "PRAGMA user_version = 3;";
            command.ExecuteNonQuery();
            foreach (JobRecord j in OldJobs)
            {
                using SqliteCommand insert = connection.CreateCommand();
                insert.CommandText =
                    "INSERT INTO jobs (id, build_projects_id, kind, name, started_at, stopped_at, state, result, exit_code, recipe_hash, recipe_meta, owner_pid) " +
                    "VALUES ($id, $project, $kind, $name, $started, $stopped, 'finished', $result, $exit, $recipe, $meta, 1);";
                insert.Parameters.AddWithValue("$id", j.Id);
                insert.Parameters.AddWithValue("$project", (object?)j.BuildProjectId ?? DBNull.Value);
                insert.Parameters.AddWithValue("$kind", StoreText.Of(j.Kind));
                insert.Parameters.AddWithValue("$name", j.Name);
                insert.Parameters.AddWithValue("$started", j.StartedAt.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$stopped", j.StoppedAt!.Value.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$result", StoreText.Of(j.Result));
                insert.Parameters.AddWithValue("$exit", (object?)j.ExitCode ?? DBNull.Value);
                insert.Parameters.AddWithValue("$recipe", (object?)j.RecipeHash ?? DBNull.Value);
                insert.Parameters.AddWithValue("$meta", (object?)j.RecipeMeta ?? DBNull.Value);
                insert.ExecuteNonQuery();
            }

            using SqliteCommand columns = connection.CreateCommand();
            columns.CommandText = "SELECT count(*) FROM pragma_table_info('jobs') WHERE name = 'step_key'";
            columns.ExecuteScalar().ShouldBe(0L, "the file is really at version 3");
        }

        using SqliteJobStore store = _temp.Open();

        store.SchemaVersion.ShouldBe(SqliteSchema.CurrentVersion);
        CheckUpgraded(store, id =>
        {
            using var connection = new SqliteConnection($"Data Source={_temp.Home.DatabasePath};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT step_key FROM jobs WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteScalar() as string;
        });
    }

    /// <summary>What both stores must say after the upgrade.</summary>
    private static void CheckUpgraded(IJobStore store, Func<string, string?> storedStepKey)
    {
        // Rows kept, field for field.
        BuildDetails build = store.GetBuild("ci-1").ShouldNotBeNull();
        build.Build.Id.ShouldBe("B1");
        build.Build.Result.ShouldBe(RunResult.Failed);
        build.Build.Provenance.ShouldBeNull("old builds have no provenance");
        build.Projects.ShouldBe([Docker, Brioche]);
        foreach (JobRecord old in OldJobs)
        {
            store.GetJob(old.Id).ShouldNotBeNull().Job.ShouldBe(old);
        }

        // Step keys: exactly what a current store computes when it saves the same job.
        string? dockerKey = StepKeys.Of(OldJobs[0], Docker);
        dockerKey.ShouldBe("web:build:2");
        storedStepKey("J1").ShouldBe(dockerKey);
        storedStepKey("J2").ShouldBe(StepKeys.Of(OldJobs[1], Brioche).ShouldNotBeNull());
        storedStepKey("J3").ShouldBe(StepKeys.Of(OldJobs[2], null));

        // The history lookups find the old rows through the new index.
        var rerun = new JobRecord("J4", 1, JobKind.Docker, "[build 2/3] RUN make", T0.AddMinutes(5), RecipeMeta: OldJobs[0].RecipeMeta);
        store.SaveJob(rerun);
        store.FindPreviousByStepKey(dockerKey!, rerun).ShouldBeNull("the same build is not a previous run");
        BuildRecord next = store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, StartedAt: T0.AddHours(1),
            Provenance: new BuildProvenance("agent-7", "ci", "0123abcd", "main", "github", "42", "https://ci/42")));
        ProjectRecord web = store.AddProject(next.Id, new ProjectRequest(JobKind.Docker, "web", null, "/src/web/Dockerfile"));
        var later = new JobRecord("J5", web.Id, JobKind.Docker, "[build 2/3] RUN make", T0.AddHours(1), RecipeMeta: OldJobs[0].RecipeMeta);
        store.SaveJob(later);
        store.FindPreviousByStepKey(dockerKey!, later).ShouldNotBeNull().Job.Id.ShouldBe("J4");

        // Provenance columns are there: a rejoin of the old build fills them in, and filters find it.
        store.BeginBuild(new BuildRequest(BuildOrigin.MsBuild, ExternalId: "ci-1",
            Provenance: new BuildProvenance("Agent-1", "ci", "feedbeef", "release", null, null, null)));
        store.GetBuild("B1")!.Build.Provenance.ShouldNotBeNull().GitBranch.ShouldBe("release");
        store.QueryBuilds(10, where: new BuildFilter(Host: "agent-1")).ShouldHaveSingleItem().Build.Id.ShouldBe("B1");
    }

    private static string Quoted(string? text) => text is null ? "NULL" : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
