namespace BriocheJob.Store;

/// <summary>
/// The SQLite schema as numbered forward migrations. <c>PRAGMA user_version</c> holds the number of migrations applied.
/// Times are unix milliseconds (INTEGER): they sort numerically and round-trip exactly to the millisecond.
/// Job and build ids compare case-insensitively (NOCASE) so id prefixes typed in any case use the primary key index.
/// Append new migrations; never edit a released one.
/// </summary>
internal static class SqliteSchema
{
    public static readonly MigrationList Migrations = new(
    [
        new(1, "the tables, as Brioche proposed them plus what our commands need", """
        CREATE TABLE builds (
            id TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            external_id TEXT UNIQUE,
            origin TEXT NOT NULL,
            working_directory TEXT,
            owner_pid INTEGER,
            started_at INTEGER NOT NULL,
            stopped_at INTEGER,
            state TEXT NOT NULL,
            result TEXT
        );
        CREATE TABLE build_projects (
            id INTEGER PRIMARY KEY,
            build_id TEXT NOT NULL COLLATE NOCASE REFERENCES builds(id),
            kind TEXT NOT NULL,
            name TEXT,
            project_hash TEXT,
            local_project_path TEXT,
            registry_project_name TEXT
        );
        CREATE TABLE jobs (
            id TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            build_projects_id INTEGER REFERENCES build_projects(id),
            kind TEXT NOT NULL,
            name TEXT,
            started_at INTEGER NOT NULL,
            stopped_at INTEGER,
            state TEXT NOT NULL,
            result TEXT,
            exit_code INTEGER,
            signal INTEGER,
            message TEXT,
            cached INTEGER NOT NULL DEFAULT 0,
            recipe_hash TEXT COLLATE NOCASE,
            recipe_meta TEXT,
            pid INTEGER,
            owner_pid INTEGER,
            local_path TEXT
        );
        """),
        new(2, "indexes for the selector lookups and listings (each ends in the sort key so no sort step is needed)", """
        CREATE INDEX jobs_by_started ON jobs(started_at, id);
        CREATE INDEX jobs_by_result ON jobs(result, started_at, id);
        CREATE INDEX jobs_by_recipe_hash ON jobs(recipe_hash, started_at);
        CREATE INDEX jobs_by_pid ON jobs(pid, started_at);
        CREATE INDEX jobs_by_project ON jobs(build_projects_id, started_at);
        CREATE INDEX jobs_running ON jobs(state) WHERE state = 'running';
        CREATE INDEX build_projects_by_build ON build_projects(build_id);
        CREATE INDEX builds_by_started ON builds(started_at, id);
        """),

        new(3, "where a build ran (host, user, git checkout, CI run), indexed for list/builds --host and --branch", """
        ALTER TABLE builds ADD COLUMN host TEXT COLLATE NOCASE;
        ALTER TABLE builds ADD COLUMN user_name TEXT;
        ALTER TABLE builds ADD COLUMN git_commit TEXT;
        ALTER TABLE builds ADD COLUMN git_branch TEXT;
        ALTER TABLE builds ADD COLUMN ci_system TEXT;
        ALTER TABLE builds ADD COLUMN ci_run_id TEXT;
        ALTER TABLE builds ADD COLUMN ci_run_url TEXT;
        CREATE INDEX builds_by_host ON builds(host, started_at);
        CREATE INDEX builds_by_branch ON builds(git_branch, started_at);
        """),

        new(4, "the step key (see StepKeys), so the previous run of a step is one index lookup; rows written before are filled in right after", """
        ALTER TABLE jobs ADD COLUMN step_key TEXT;
        CREATE INDEX jobs_by_step_key ON jobs(step_key, started_at);
        """),
    ], stepKeyVersion: 4);

    public static int CurrentVersion => Migrations.CurrentVersion;
}
