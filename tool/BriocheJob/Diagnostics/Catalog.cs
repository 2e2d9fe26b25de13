namespace BriocheJob.Diagnostics;

/// <summary>
/// Every diagnostic code brioche-job reports, in one place: its code, exit class, meaning and message format. Codes by area:
/// BJ1xxx store and data home, BJ2xxx Brioche events, BJ3xxx Brioche builds, BJ4xxx BuildKit trace,
/// BJ5xxx Docker engine and builds, BJ6xxx selectors and commands. A code is never reused for another meaning.
/// The README's code table is <see cref="MarkdownTable"/> (a unit test keeps them equal).
/// </summary>
public static class Catalog
{
    /// <summary>BJ1xxx: the job store and the data home.</summary>
    public static class Store
    {
        public static readonly Diagnostic DataHomeUnusable = new("BJ1001", ErrorKind.Unavailable,
            "the data home cannot be created or is not a usable folder")
        { Format = "cannot create '{0}': {1}" };

        public static readonly DiagnosticMessage DataHomePathEmpty = DataHomeUnusable.Variant("the data home path is empty");

        public static readonly DiagnosticMessage NoDataHome = DataHomeUnusable.Variant("cannot find a data home: set {0}, XDG_DATA_HOME or HOME");

        public static readonly DiagnosticMessage DataHomeIsAFile = DataHomeUnusable.Variant("'{0}' is a file, not a folder");

        public static readonly Diagnostic DatabaseTooNew = new("BJ1002", ErrorKind.Corrupt,
            "the database was written by a newer brioche-job; it is left untouched")
        { Format = "the job store '{0}' has schema version {1} from a newer brioche-job (this one knows up to {2}); update brioche-job or {3}" };

        public static readonly Diagnostic DatabaseCorrupt = new("BJ1003", ErrorKind.Corrupt,
            "the database is not a SQLite database or holds values we cannot read")
        { Format = "'{0}' is not a readable job store: {1}" };

        public static readonly DiagnosticMessage NoSchemaVersion = DatabaseCorrupt.Variant(
            "'{0}' already has tables but no schema version (PRAGMA user_version is 0), so it was not written by brioche-job or its version was reset; move it away, or restore its user_version");

        public static readonly DiagnosticMessage UnknownStoredValue = DatabaseCorrupt.Variant("the job store holds an unknown {0} '{1}'");

        public static readonly Diagnostic DatabaseFailed = new("BJ1004", ErrorKind.Unavailable,
            "the database cannot be opened, read or written (permissions, disk full, lock timeout)")
        { Format = "job store '{0}': {1}" };

        public static readonly DiagnosticMessage CannotCreateDatabase = DatabaseFailed.Variant("cannot create the job store '{0}': {1}");

        public static readonly DiagnosticMessage UpgradeNeedsWriteAccess = DatabaseFailed.Variant(
            "'{0}' has schema version {1} and cannot be upgraded to {2} without write access");

        public static readonly Diagnostic InvalidId = new("BJ1005", ErrorKind.Usage,
            "a job or build id that cannot be used as a record key or folder name")
        { Format = "job id '{0}' is not usable (1-128 letters, digits, '-' or '_')" };

        public static readonly DiagnosticMessage JobIdNotAFolderName = InvalidId.Variant("job id '{0}' cannot name a folder (letters, digits, '-' and '_' only)");

        public static readonly DiagnosticMessage NotAUlid = InvalidId.Variant("'{0}' is not a ULID");

        public static readonly Diagnostic UnknownReference = new("BJ1006", ErrorKind.NotFound,
            "a record refers to a build or project that is not in the store")
        { Format = "the record refers to a build project that is not in the job store" };

        public static readonly DiagnosticMessage NoSuchBuild = UnknownReference.Variant("no build '{0}' in the job store");

        public static readonly Diagnostic InvalidRecord = new("BJ1007", ErrorKind.Usage,
            "a record with a missing or inconsistent field (e.g. stopped before it started)")
        { Format = "job {0} stops ({1:O}) before it starts ({2:O})" };

        public static readonly DiagnosticMessage BlankExternalId = InvalidRecord.Variant("the external build id is blank");

        public static readonly Diagnostic AlreadyRecorded = new("BJ1008", ErrorKind.Failed,
            "a build or job being recorded whole (an imported bundle) is already in the store; nothing was written")
        { Format = "job {0} is already recorded here (was this bundle imported before?)" };

        public static readonly DiagnosticMessage BuildAlreadyRecorded = AlreadyRecorded.Variant("build {0} is already recorded here");

        public static readonly DiagnosticMessage BundleJobAlreadyRecorded = AlreadyRecorded.Variant(
            "job {0} of this bundle is already recorded in {1} (imported before?); nothing was imported");

        // BJ102x: retention (prune and the automatic prune after a recording).
        public static readonly Diagnostic StoreUnsupported = new("BJ1020", ErrorKind.Unavailable,
            "the job store in use cannot be pruned or take a bundle (that needs the SQLite or PostgreSQL store)")
        { Format = "this job store cannot {0} ({1} needs the SQLite or PostgreSQL store)" };

        public static readonly Diagnostic AutoPruneFailed = new("BJ1021", ErrorKind.Failed,
            "the automatic prune after a recording failed; the build goes on", DiagnosticSeverity.Warning)
        { Format = "the automatic prune of the data home failed: {0}: {1}" };

        public static readonly Diagnostic InvalidMaxSize = new("BJ1022", ErrorKind.Usage,
            "BriocheJobMaxSize is not a size (e.g. 5GB); the data home was not pruned", DiagnosticSeverity.Warning)
        { Format = "BriocheJobMaxSize '{0}' is not a size (e.g. 5GB, 500MB); the data home was not pruned" };
    }

    /// <summary>BJ110x: a job store in a PostgreSQL server (<c>--store</c>, <c>BRIOCHE_JOB_STORE</c>, <c>BriocheJobStore</c>).</summary>
    public static class Server
    {
        public static readonly Diagnostic Unreachable = new("BJ1101", ErrorKind.Unavailable,
            "the job store server cannot be reached, or refused the TLS handshake or the login")
        { Format = "cannot reach the job store '{0}': {1}" };

        public static readonly DiagnosticMessage LoginRefused = Unreachable.Variant("the job store '{0}' refused the login: {1}");

        public static readonly DiagnosticMessage ShuttingDown = Unreachable.Variant("the job store '{0}' is shutting down: {1}");

        public static readonly Diagnostic MigrationNeedsOwner = new("BJ1102", ErrorKind.Failed,
            "the server's schema needs a migration that only the owner of its schema may run")
        { Format = "the job store '{0}' is at schema version {1} and needs migrating to {2}, which only the owner of its schema may do: run 'dotnet brioche-job store info --store URL' once as the owner ({3})" };

        public static readonly Diagnostic InvalidLocation = new("BJ1103", ErrorKind.Usage,
            "a store location that is neither sqlite, a postgresql:// URI nor a usable connection string")
        { Format = "the job store location cannot be used: {0}" };

        public static readonly Diagnostic RecordedToSpool = new("BJ1104", ErrorKind.Unavailable,
            "the server could not record; the jobs are kept in the local spool and sent on the next run", DiagnosticSeverity.Warning)
        { Format = "the job store '{0}' cannot record ({1}); recording into the local spool '{2}', sent on the next run or with 'dotnet brioche-job store flush'" };
    }

    /// <summary>BJ2xxx: Brioche process-events files and the zstd layer under them.</summary>
    public static class Events
    {
        public static readonly Diagnostic CorruptEvents = new("BJ2001", ErrorKind.Corrupt,
            "the decompressed event stream is malformed (unknown kind, header/trailer mismatch, bad length)")
        { Format = "corrupt Brioche events: {0}" };

        public static readonly Diagnostic NotAnEventsFile = new("BJ2002", ErrorKind.Corrupt,
            "the file is neither a zstd stream nor starts with the process-events magic")
        { Format = "not a Brioche process-events file: {0}" };

        // BJ2003 (the system libzstd could not be loaded) is retired: zstd is managed code (ZstdSharp.Port) now.

        public static readonly Diagnostic CorruptCompression = new("BJ2004", ErrorKind.Corrupt,
            "zstd reported corrupt compressed data")
        { Format = "corrupt zstd data: {0}" };

        public static readonly Diagnostic BadDescription = new("BJ2005", ErrorKind.Corrupt,
            "the Description event's JSON cannot be read as a Brioche process description")
        { Format = "the Description event is not a valid process description: {0}" };

        public static readonly DiagnosticMessage NoRecipe = BadDescription.Variant("the Description event has no recipe object");

        public static readonly Diagnostic WriterMisuse = new("BJ2006", ErrorKind.Failed,
            "the events writer was used wrongly (event after completion, empty output chunk, second exit)")
        { Format = "cannot write a {0} event after the events file was completed" };

        public static readonly DiagnosticMessage DescriptionWrittenOnce = WriterMisuse.Variant("the Description is written once, by the constructor");

        public static readonly DiagnosticMessage WriterDisposed = WriterMisuse.Variant("the events writer is disposed");

        public static readonly Diagnostic EventsFileNotFound = new("BJ2007", ErrorKind.NotFound,
            "the events file does not exist")
        { Format = "events file not found: {0}" };

        public static readonly Diagnostic EventsFileUnreadable = new("BJ2008", ErrorKind.Corrupt,
            "the path cannot be read as a file: a directory, a symlink loop, no permission, an I/O error")
        { Format = "cannot read events file {0}: {1}" };
    }

    /// <summary>BJ3xxx: Brioche builds run and recorded by the <c>BriocheBuild</c> task.</summary>
    public static class BriocheBuild
    {
        public static readonly Diagnostic ProjectFailed = new("BJ3001", ErrorKind.Failed,
            "a Brioche project failed to build: Brioche's message, the failing job and how to see its logs")
        { Format = "Brioche {0} failed: {1}. Job {2} {3}. Show its logs: dotnet brioche-job logs {4}" };

        public static readonly DiagnosticMessage NoJobFailed = ProjectFailed.Variant(
            "Brioche {0} failed: {1}. No job failed (the error came before or after baking); see the brioche output above");

        public static readonly Diagnostic BriocheNotFound = new("BJ3002", ErrorKind.Unavailable,
            "the brioche executable cannot be started (not installed, not on PATH, not executable)")
        { Format = "cannot run '{0}': {1}; install Brioche (https://brioche.dev) or set BriocheExe to its path" };

        public static readonly Diagnostic InvalidProject = new("BJ3003", ErrorKind.Usage,
            "a BriocheProject item that cannot be turned into `brioche build` arguments")
        { Format = "Brioche project folder '{0}' does not exist (set Registry=\"true\" on the item for a registry project)" };

        public static readonly DiagnosticMessage EmptyProjectSource = InvalidProject.Variant("a Brioche project has an empty path or registry name");

        public static readonly Diagnostic Cancelled = new("BJ3004", ErrorKind.Cancelled,
            "the build was cancelled; brioche's process tree was stopped", DiagnosticSeverity.Warning)
        { Format = "Brioche build cancelled: brioche was stopped and its running jobs recorded as cancelled" };

        public static readonly Diagnostic RecordingFailed = new("BJ3005", ErrorKind.Failed,
            "recording failed (store or job files); the build itself went on", DiagnosticSeverity.Warning)
        { Format = "could not {0}: {1}" };

        public static readonly DiagnosticMessage LogNotRecorded = RecordingFailed.Variant("cannot record the log of job {0}: {1}");

        public static readonly DiagnosticMessage LogNotCopied = RecordingFailed.Variant("cannot keep a copy of the log of job {0}: {1}");

        public static readonly DiagnosticMessage JobRecordedElsewhere = RecordingFailed.Variant(
            "job {0} is already being recorded by another brioche-job run; it is recorded here without a copy of its log: {1}");

        public static readonly DiagnosticMessage LogUnreadable = RecordingFailed.Variant("job {0}: the log cannot be read ({1}): {2}");

        public static readonly DiagnosticMessage LogsStillCopying = RecordingFailed.Variant(
            "job logs were still being copied after {0}; they may be incomplete");

        public static readonly Diagnostic Unexpected = new("BJ3099", ErrorKind.Failed,
            "an unexpected failure inside the task: one error with its message, never a task crash")
        { Format = "brioche-job failed unexpectedly while running the {0} build: {1}: {2}" };
    }

    /// <summary>BJ4xxx: BuildKit traces.</summary>
    public static class BuildKit
    {
        public static readonly Diagnostic TraceFileNotFound = new("BJ4001", ErrorKind.NotFound,
            "a trace file named by the user does not exist")
        { Format = "trace file '{0}' does not exist" };

        public static readonly Diagnostic TraceUnreadable = new("BJ4002", ErrorKind.Unavailable,
            "a trace file or stream could not be read (I/O error, permissions)")
        { Format = "cannot read trace file '{0}': {1}" };

        public static readonly Diagnostic NotATrace = new("BJ4003", ErrorKind.Corrupt,
            "the input held records but not one of them decoded as BuildKit progress")
        { Format = "{0} is not a BuildKit progress trace: {1}; first: {2}" };

        public static readonly Diagnostic UnknownEncoding = new("BJ4004", ErrorKind.Usage,
            "an encoding name that is not one we know")
        { Format = "unknown trace encoding '{0}'; use one of: {1}" };

        public static readonly Diagnostic MalformedRecordsSkipped = new("BJ4100", ErrorKind.Corrupt,
            "some progress records were malformed and skipped; the rest of the trace is intact",
            DiagnosticSeverity.Warning)
        { Format = "skipped {0}; first: {1}" };
    }

    /// <summary>BJ50xx: the Docker engine, build contexts and Dockerfiles.</summary>
    public static class Docker
    {
        public static readonly Diagnostic EngineUnreachable = new("BJ5001", ErrorKind.Unavailable,
            "the Docker engine does not answer (socket missing, connection refused, timeout)")
        { Format = "Docker engine at {0} ({1}) is not reachable: {2}" };

        public static readonly DiagnosticMessage StreamClosedEarly = EngineUnreachable.Variant(
            "the Docker engine closed build {0}'s progress stream early: {1}");

        public static readonly Diagnostic BadHost = new("BJ5002", ErrorKind.Usage,
            "DOCKER_HOST, a Docker context or an explicit host that cannot be used")
        { Format = "Docker host '{0}' (from {1}) cannot be used: {2}" };

        public static readonly DiagnosticMessage CliConfigNotJson = BadHost.Variant("Docker CLI config '{0}' is not valid JSON: {1}");

        public static readonly DiagnosticMessage NoSuchContext = BadHost.Variant("Docker context '{0}' (from {1}) does not exist: {2} is missing");

        public static readonly DiagnosticMessage ContextUnreadable = BadHost.Variant("Docker context '{0}' has an unreadable {1}: {2}");

        public static readonly DiagnosticMessage ContextWithoutHost = BadHost.Variant("Docker context '{0}' has no Endpoints.docker.Host in {1}");

        public static readonly DiagnosticMessage TlsFilesIncomplete = BadHost.Variant("Docker TLS (from {0}) needs both {1} and {2} in {3}; {4} is missing");

        public static readonly DiagnosticMessage TlsFileUnloadable = BadHost.Variant("Docker TLS (from {0}): the {1} {2} cannot be loaded: {3}");

        public static readonly Diagnostic EngineError = new("BJ5003", ErrorKind.Failed,
            "the engine answered with an error status")
        { Format = "Docker engine at {0} {1}: {2}" };

        public static readonly Diagnostic BadResponse = new("BJ5004", ErrorKind.Failed,
            "the engine's answer could not be read (not JSON, missing fields)")
        { Format = "Docker engine at {0} answered {1} with something that is not a JSON object" };

        public static readonly DiagnosticMessage NoContainerId = BadResponse.Variant("Docker engine at {0} created a container without returning its id");

        public static readonly DiagnosticMessage NoStatusCode = BadResponse.Variant("Docker engine at {0} returned no StatusCode for container {1}");

        public static readonly DiagnosticMessage TruncatedLogFrame = BadResponse.Variant("Docker engine sent a truncated container log {0}");

        public static readonly Diagnostic NotFound = new("BJ5005", ErrorKind.NotFound,
            "an image or container that does not exist")
        { Format = "Docker engine at {0} {1}: {2}" };

        public static readonly Diagnostic TlsFailed = new("BJ5006", ErrorKind.Unavailable,
            "the TLS handshake with a TCP engine failed: its certificate is not trusted, or it refused ours")
        { Format = "Docker engine at {0} ({1}): the TLS handshake failed: {2}" };

        public static readonly DiagnosticMessage EngineOnlySpeaksTls = TlsFailed.Variant(
            "Docker engine at {0} ({1}) only speaks TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (a folder with {2}, {3} and {4}), or use a context with TLS files");

        public static readonly Diagnostic ContextMissing = new("BJ5010", ErrorKind.NotFound,
            "the build context folder does not exist")
        { Format = "build context directory '{0}' does not exist" };

        public static readonly Diagnostic DockerfileMissing = new("BJ5011", ErrorKind.NotFound,
            "the Dockerfile does not exist")
        { Format = "Dockerfile '{0}' does not exist" };

        public static readonly Diagnostic BadIgnorePattern = new("BJ5012", ErrorKind.Usage,
            "a .dockerignore pattern that cannot be compiled")
        { Format = "{0}: {1}" };

        public static readonly Diagnostic BadDockerfile = new("BJ5020", ErrorKind.Usage,
            "a Dockerfile that cannot be parsed")
        { Format = "{0}: {1}" };
    }

    /// <summary>BJ51xx: recorded Docker builds, the <c>DockerBuild</c> task, imports and Docker debug shells.</summary>
    public static class DockerBuild
    {
        public static readonly Diagnostic StepFailed = new("BJ5100", ErrorKind.Failed,
            "a Dockerfile step failed (the MSBuild error points at its Dockerfile line)")
        { Format = "{0}: step {1} failed with exit code {2} ({3})" };

        public static readonly DiagnosticMessage StepFailedWithError = StepFailed.Variant("{0}: step {1} failed: {2} ({3})");

        public static readonly DiagnosticMessage StepFailedWithoutCode = StepFailed.Variant("{0}: step {1} failed ({2})");

        public static readonly Diagnostic BuildFailed = new("BJ5101", ErrorKind.Failed,
            "the build failed without a failing step (a Dockerfile the frontend rejects, a missing base image)")
        { Format = "{0}: the Docker build failed: {1}" };

        public static readonly Diagnostic BuildCancelled = new("BJ5102", ErrorKind.Cancelled,
            "the build was cancelled", DiagnosticSeverity.Warning)
        { Format = "build cancelled; running steps recorded as cancelled" };

        public static readonly Diagnostic RecordFailed = new("BJ5103", ErrorKind.Failed,
            "a job could not be saved to the store; the build goes on", DiagnosticSeverity.Warning)
        { Format = "could not {0}: {1}" };

        public static readonly Diagnostic EventsFailed = new("BJ5104", ErrorKind.Failed,
            "a job's events file could not be written; the build goes on", DiagnosticSeverity.Warning)
        { Format = "could not {0} the log of job {1}: {2}" };

        public static readonly Diagnostic SessionFailed = new("BJ5105", ErrorKind.Failed,
            "the store could not be opened: the build runs unrecorded", DiagnosticSeverity.Warning)
        { Format = "Docker images are built but not recorded: {0}" };

        public static readonly Diagnostic BadImageItem = new("BJ5106", ErrorKind.Usage,
            "a DockerImage item with unusable metadata (bad BuildArgs, no context)")
        { Format = "DockerImage '{0}': {1}" };

        public static readonly Diagnostic DockerfileUnmapped = new("BJ5107", ErrorKind.Failed,
            "the Dockerfile could not be parsed, so steps are recorded without lines", DiagnosticSeverity.Warning)
        { Format = "steps are recorded without {0}: {1}" };

        public static readonly Diagnostic NoImageId = new("BJ5108", ErrorKind.Failed,
            "the build produced no image id although it succeeded")
        { Format = "the Docker build of {0} succeeded but the engine returned no image id" };

        public static readonly Diagnostic ImportEmpty = new("BJ5109", ErrorKind.Corrupt,
            "an imported trace with no steps in it")
        { Format = "'{0}' holds no BuildKit steps to import" };

        public static readonly Diagnostic NotDebuggable = new("BJ5110", ErrorKind.Usage,
            "debug-shell was given a job that is not a Dockerfile step it can rebuild")
        { Format = "job {0} is not a Docker step recorded by brioche-job" };

        public static readonly DiagnosticMessage NotAnInstruction = NotDebuggable.Variant(
            "job {0} ({1}) is not a Dockerfile instruction, so there is no step to open a shell before");

        public static readonly DiagnosticMessage StageStart = NotDebuggable.Variant(
            "job {0} is the FROM of its stage ({1}:{2}): there is no earlier step to open a shell in");

        public static readonly DiagnosticMessage NeedsRecordedDockerJob = NotDebuggable.Variant("a Docker debug shell needs a recorded job, not an events file");

        public static readonly Diagnostic DebugRebuildFailed = new("BJ5111", ErrorKind.Failed,
            "rebuilding the Dockerfile up to the failed step failed")
        { Format = "rebuilding {0} up to line {1} failed{2}: {3}" };

        public static readonly Diagnostic DockerCliMissing = new("BJ5112", ErrorKind.Unavailable,
            "the docker CLI, needed for an interactive shell, is not on PATH")
        { Format = "the interactive shell needs the docker CLI ('{0}' is not on PATH); run one command instead: debug-shell {1} -- sh -c '…'" };

        public static readonly Diagnostic DockerfileChanged = new("BJ5113", ErrorKind.NotFound,
            "the recorded Dockerfile is gone or no longer has the step (a warning when it only changed)")
        { Format = "job {0} was built from {1}, which no longer exists" };

        public static readonly DiagnosticMessage StepLineMoved = DockerfileChanged.Variant("{0}:{1} no longer starts an instruction (job {2} ran '{3}')");

        public static readonly DiagnosticMessage DockerfileEdited = DockerfileChanged.Variant("{0} changed since job {1} ran; the shell uses it as it is now");

        public static readonly DiagnosticMessage StepRewritten = DockerfileChanged.Variant("{0}:{1} now reads '{2}'; job {3} ran '{4}'");

        public static readonly Diagnostic Unexpected = new("BJ5199", ErrorKind.Failed,
            "an unexpected failure inside the task: one error with its message, never a task crash")
        { Format = "brioche-job failed unexpectedly while running the {0} build: {1}: {2}" };
    }

    /// <summary>BJ6001-BJ6009: job and build selectors.</summary>
    public static class Selectors
    {
        public static readonly Diagnostic NoMatch = new("BJ6001", ErrorKind.NotFound,
            "no job or build matches the selector")
        { Format = "no job matches {0} (tried as {1})" };

        public static readonly DiagnosticMessage NoJobsYet = NoMatch.Variant("no jobs are recorded yet");

        public static readonly DiagnosticMessage NoBuildMatches = NoMatch.Variant("no build matches {0} (tried as build id, external build id and build id prefix)");

        public static readonly DiagnosticMessage NoBuildsYet = NoMatch.Variant("no builds are recorded yet");

        public static readonly DiagnosticMessage FewerBuilds = NoMatch.Variant("fewer than {0} builds are recorded");

        public static readonly Diagnostic Ambiguous = new("BJ6002", ErrorKind.Ambiguous,
            "the selector matches several jobs or builds; the candidates are listed")
        { Format = "selector {0} matches {1} jobs; give more characters of the job id or recipe hash" };

        public static readonly DiagnosticMessage AmbiguousBuild = Ambiguous.Variant("build selector {0} matches {1} builds; give more characters");

        public static readonly Diagnostic Invalid = new("BJ6003", ErrorKind.Usage,
            "the text is not any form of selector")
        { Format = "{0} is not a job selector: {1}" };

        public static readonly Diagnostic NotEnoughFailedJobs = new("BJ6004", ErrorKind.NotFound,
            "fewer failed jobs are recorded than the selector asks for")
        { Format = "fewer than {0} failed jobs are recorded" };

        public static readonly DiagnosticMessage NoFailedJob = NotEnoughFailedJobs.Variant("no failed job is recorded; use 'last' for the most recent job");
    }

    /// <summary>BJ6010 and up: the commands.</summary>
    public static class Commands
    {
        public static readonly Diagnostic EventsFileGone = new("BJ6010", ErrorKind.NotFound,
            "a job's events file is gone (Brioche deletes the folders of succeeded jobs)")
        { Format = "the events file of job {0} is gone: {1}" };

        public static readonly DiagnosticMessage NoEventsFile = EventsFileGone.Variant("job {0} has no events file recorded");

        public static readonly Diagnostic InvalidOption = new("BJ6011", ErrorKind.Usage,
            "an option value that is out of range or unknown (`--tail -1`, `--stream both`)")
        { Format = "{0} expects {1}, not '{2}'" };

        public static readonly DiagnosticMessage OptionNeedsValue = InvalidOption.Variant("{0} needs a value");

        public static readonly DiagnosticMessage EmptyOptionValue = InvalidOption.Variant("{0} needs a value, not an empty string");

        public static readonly DiagnosticMessage OptionsConflict = InvalidOption.Variant("{0} and {1} cannot be combined");

        public static readonly DiagnosticMessage TwoSelectors = InvalidOption.Variant("give one selector, not two: {0} {1}");

        public static readonly DiagnosticMessage NeedsRecordedJob = InvalidOption.Variant("{0} needs a recorded {1}, not an events file");

        public static readonly DiagnosticMessage NoJobFromStandardInput = InvalidOption.Variant(
            "this command cannot read a job from standard input; give a job selector or an events file path");

        public static readonly DiagnosticMessage BriocheShellTakesNoCommand = InvalidOption.Variant(
            "brioche jobs debug-shell always starts an interactive /bin/sh; it takes no command");

        public static readonly DiagnosticMessage FlushNeedsServer = InvalidOption.Variant(
            "store flush sends the spool to a server: give --store or set BRIOCHE_JOB_STORE");

        public static readonly DiagnosticMessage JobWithoutBuild = InvalidOption.Variant("job {0} belongs to no build, so it cannot be exported");

        /// <summary>What the command-line parser itself rejected, in its words (CommandLineChecks catches the rest first).</summary>
        public static readonly DiagnosticMessage ParserRejected = InvalidOption.Variant("the command line cannot be parsed: {0}");

        public static readonly Diagnostic BriocheNotFound = new("BJ6012", ErrorKind.Unavailable,
            "the brioche executable is not on PATH")
        { Format = "brioche is not on PATH; install Brioche (https://brioche.dev) or set {0}" };

        public static readonly DiagnosticMessage BriocheNotExecutable = BriocheNotFound.Variant("{0} names '{1}', which is not an executable file");

        public static readonly Diagnostic DebugShellUnsupported = new("BJ6013", ErrorKind.Unavailable,
            "a debug shell is not available for this kind of job")
        { Format = "a debug shell is not available for {0} jobs" };

        public static readonly Diagnostic BriocheDataDirNotFound = new("BJ6014", ErrorKind.NotFound,
            "the Brioche data dir (or its process-temp folder) to import from does not exist")
        { Format = "no Brioche process-temp folder at {0} (set --data-dir or {1})" };

        public static readonly Diagnostic StartFailed = new("BJ6015", ErrorKind.Unavailable,
            "a program the command runs could not be started")
        { Format = "could not start {0}: {1}" };

        public static readonly Diagnostic UnknownCommand = new("BJ6016", ErrorKind.Usage,
            "an unknown command (`dotnet brioche-job lst`)")
        { Format = "{0}: unknown command '{1}'" };

        public static readonly Diagnostic UnknownOption = new("BJ6017", ErrorKind.Usage,
            "an unknown option or an argument the command does not take")
        { Format = "{0}: unknown option '{1}'" };

        public static readonly DiagnosticMessage UnexpectedArgument = UnknownOption.Variant("{0}: unexpected argument '{1}'");

        public static readonly Diagnostic MissingArgument = new("BJ6018", ErrorKind.Usage,
            "a required argument is missing (`trace` with no file)")
        { Format = "{0}: missing argument <{1}>" };

        /// <summary>Another complaint of the command-line parser's validation, in its words.</summary>
        public static readonly DiagnosticMessage ArgumentsRejected = MissingArgument.Variant("{0}: {1}");

        public static readonly Diagnostic BundleUnreadable = new("BJ6030", ErrorKind.Corrupt,
            "the file is not a readable bundle (truncated, corrupt, altered or another format); nothing was imported")
        { Format = "{0} is not a readable bundle: {1}; nothing was imported" };

        public static readonly DiagnosticMessage UnknownBundleValue = BundleUnreadable.Variant("unknown {0} '{1}' in the bundle; nothing was imported");

        public static readonly DiagnosticMessage NoDescription = BundleUnreadable.Variant("{0} does not start with a Description");

        public static readonly Diagnostic BundleTooNew = new("BJ6031", ErrorKind.Corrupt,
            "the bundle was written by a newer brioche-job; nothing was imported")
        { Format = "{0} is bundle version {1}; this brioche-job reads up to {2}" };

        public static readonly Diagnostic BundleWriteFailed = new("BJ6032", ErrorKind.Failed,
            "the bundle file cannot be written")
        { Format = "cannot write {0}: {1}" };

        public static readonly Diagnostic ContextNotHere = new("BJ6033", ErrorKind.NotFound,
            "an (imported) Docker job's build context is not on this machine, so debug-shell cannot rebuild it")
        { Format = "job {0} was built with the context {1}, which is not on this machine: put it there to rebuild from {2}" };

        public static readonly Diagnostic BundleNotFound = new("BJ6034", ErrorKind.NotFound,
            "the bundle file to import does not exist")
        { Format = "no bundle at {0}" };

        public static readonly Diagnostic Unexpected = new("BJ6099", ErrorKind.Failed,
            "a failure we did not expect: a defect; one line, and BRIOCHE_JOB_DEBUG=1 adds the stack trace")
        { Format = "unexpected {0}: {1} (please report it; BRIOCHE_JOB_DEBUG=1 shows the stack trace)" };
    }

    /// <summary>BJ604x: the history commands (builds diff, logs --diff, builds timeline).</summary>
    public static class History
    {
        public static readonly Diagnostic NoBaseBuild = new("BJ6040", ErrorKind.NotFound,
            "builds diff: no earlier build shares a project with HEAD, so there is no default BASE")
        { Format = "no earlier build shares a project with build {0}; name the base build" };

        public static readonly Diagnostic NoEarlierSuccess = new("BJ6041", ErrorKind.NotFound,
            "logs --diff: no earlier succeeded job has the same step key")
        { Format = "no earlier succeeded job has step key '{0}'; pick one with --against JOB" };

        public static readonly Diagnostic NoStepKey = new("BJ6042", ErrorKind.NotFound,
            "the job has no step key, so it has no earlier run to compare with")
        { Format = "job {0} has no step key, so no earlier run to compare with; pick one with --against JOB" };

        public static readonly Diagnostic WriteFailed = new("BJ6043", ErrorKind.Failed,
            "builds timeline --html: the file cannot be written")
        { Format = "cannot write '{0}': {1}" };
    }

    /// <summary>Every diagnostic, in code order.</summary>
    public static IReadOnlyList<Diagnostic> All { get; } =
    [
        Store.DataHomeUnusable, Store.DatabaseTooNew, Store.DatabaseCorrupt, Store.DatabaseFailed, Store.InvalidId,
        Store.UnknownReference, Store.InvalidRecord, Store.AlreadyRecorded,
        Store.StoreUnsupported, Store.AutoPruneFailed, Store.InvalidMaxSize,
        Server.Unreachable, Server.MigrationNeedsOwner, Server.InvalidLocation, Server.RecordedToSpool,
        Events.CorruptEvents, Events.NotAnEventsFile, Events.CorruptCompression, Events.BadDescription,
        Events.WriterMisuse, Events.EventsFileNotFound, Events.EventsFileUnreadable,
        BriocheBuild.ProjectFailed, BriocheBuild.BriocheNotFound, BriocheBuild.InvalidProject, BriocheBuild.Cancelled,
        BriocheBuild.RecordingFailed, BriocheBuild.Unexpected,
        BuildKit.TraceFileNotFound, BuildKit.TraceUnreadable, BuildKit.NotATrace, BuildKit.UnknownEncoding,
        BuildKit.MalformedRecordsSkipped,
        Docker.EngineUnreachable, Docker.BadHost, Docker.EngineError, Docker.BadResponse, Docker.NotFound, Docker.TlsFailed,
        Docker.ContextMissing, Docker.DockerfileMissing, Docker.BadIgnorePattern, Docker.BadDockerfile,
        DockerBuild.StepFailed, DockerBuild.BuildFailed, DockerBuild.BuildCancelled, DockerBuild.RecordFailed,
        DockerBuild.EventsFailed, DockerBuild.SessionFailed, DockerBuild.BadImageItem, DockerBuild.DockerfileUnmapped,
        DockerBuild.NoImageId, DockerBuild.ImportEmpty, DockerBuild.NotDebuggable, DockerBuild.DebugRebuildFailed,
        DockerBuild.DockerCliMissing, DockerBuild.DockerfileChanged, DockerBuild.Unexpected,
        Selectors.NoMatch, Selectors.Ambiguous, Selectors.Invalid, Selectors.NotEnoughFailedJobs,
        Commands.EventsFileGone, Commands.InvalidOption, Commands.BriocheNotFound, Commands.DebugShellUnsupported,
        Commands.BriocheDataDirNotFound, Commands.StartFailed, Commands.UnknownCommand, Commands.UnknownOption,
        Commands.MissingArgument, Commands.BundleUnreadable, Commands.BundleTooNew, Commands.BundleWriteFailed,
        Commands.ContextNotHere, Commands.BundleNotFound, History.NoBaseBuild, History.NoEarlierSuccess,
        History.NoStepKey, History.WriteFailed, Commands.Unexpected,
    ];

    /// <summary>The diagnostic with this code, or null for a code we never issued.</summary>
    public static Diagnostic? Find(string? code) =>
        code is null ? null : All.FirstOrDefault(d => string.Equals(d.Code, code, StringComparison.Ordinal));

    /// <summary>The exit class of a failure: its code's, from this catalogue; an unknown code is unexpected.</summary>
    public static ErrorKind ExitClassOf(BriocheJobException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Find(exception.Code)?.ExitClass ?? ErrorKind.Failed;
    }

    /// <summary>The README's table of codes: one row per diagnostic with its exit code, meaning and message formats.</summary>
    public static string MarkdownTable()
    {
        var table = new System.Text.StringBuilder();
        table.Append("| code | exit | kind | meaning | message |\n|---|---|---|---|---|\n");
        foreach (var diagnostic in All)
        {
            var kind = diagnostic.Severity == DiagnosticSeverity.Warning ? "warning" : "error";
            var exit = diagnostic.Severity == DiagnosticSeverity.Warning ? "-" : ExitCodes.For(diagnostic.ExitClass).ToString(System.Globalization.CultureInfo.InvariantCulture);
            // {0}, {1}…: what the site knows (a path, a job id, a reason); a code's sub-messages follow its format.
            var formats = new[] { diagnostic.Format ?? "-" }.Concat(diagnostic.Variants.Select(v => v.Format));
            var message = string.Join("<br>", formats.Select(f => "`" + f.Replace("|", "\\|", StringComparison.Ordinal) + "`"));
            table.Append($"| `{diagnostic.Code}` | {exit} | {kind} | {diagnostic.Meaning} | {message} |\n");
        }
        return table.ToString();
    }
}
