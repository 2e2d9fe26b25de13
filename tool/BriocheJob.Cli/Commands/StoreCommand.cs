using BriocheJob.Diagnostics;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary><c>store info | copy --to LOCATION | flush</c>: which store is in use, copying a history, sending the spool.</summary>
internal static class StoreCommand
{
    public static void Register(CommandLineApplication app, CliContext context)
    {
        app.Command("store", store =>
        {
            store.Description = "The job store: info, copy a history into another store, flush the local spool.";
            store.OnExecute(() =>
            {
                store.ShowHelp();
                return ExitCodes.Usage;
            });

            store.Command("info", command =>
            {
                command.Description = "Print which store is in use, its schema version and its counts.";
                command.OnExecute(() =>
                {
                    StoreInfo info = context.Store.Describe();
                    context.Out.WriteLine($"store:    {info.Kind} {info.Location}");
                    context.Out.WriteLine($"schema:   {info.SchemaVersion}");
                    context.Out.WriteLine($"builds:   {info.Builds}");
                    context.Out.WriteLine($"projects: {info.Projects}");
                    context.Out.WriteLine($"jobs:     {info.Jobs}");
                    if (info.Kind != "sqlite")
                    {
                        context.Out.WriteLine($"logs:     {info.Logs} ({info.LogBytes} bytes)");
                    }

                    string spool = JobStores.SpoolPath(context.Home);
                    if (File.Exists(spool))
                    {
                        using SqliteJobStore spooled = SqliteJobStore.Open(spool);
                        context.Out.WriteLine($"spool:    {spooled.Describe().Jobs} jobs waiting in {spool}");
                    }

                    return ExitCodes.Success;
                });
            });

            store.Command("copy", command =>
            {
                command.Description = "Copy every build, job and log of the store in use into another store. Run again, it adds only what is new.";
                var to = command.Option("--to <LOCATION>", "The target store (a postgresql:// URI or connection string, or 'sqlite').",
                    CommandOptionType.SingleValue).IsRequired();
                command.OnExecute(() =>
                {
                    StoreLocation target = StoreLocation.Parse(to.Value()!);
                    using IJobStore destination = JobStores.Open(target, context.Home);
                    StoreCopyResult result = StoreCopy.Copy(context.Store, destination, cancellationToken: context.CancellationToken);
                    context.Out.WriteLine($"copied to {target.Display}: {Counted.Of(result.Builds, "build")}, {Counted.Of(result.NewJobs, "new job")}, " +
                        $"{Counted.Of(result.UpdatedJobs, "updated job")}, {Counted.Of(result.Logs, "log")} ({Counted.Of(result.LogFrames, "frame")})");
                    return ExitCodes.Success;
                });
            });

            store.Command("flush", command =>
            {
                command.Description = "Send the jobs kept in the local spool (while the server was down) to the server store.";
                command.OnExecute(() =>
                {
                    if (!context.StoreLocation.IsServer)
                    {
                        throw Catalog.Commands.FlushNeedsServer.Exception();
                    }

                    StoreCopyResult result = JobStores.Flush(context.Home, context.Store);
                    context.Out.WriteLine($"flushed to {context.StoreLocation.Display}: {Counted.Of(result.Builds, "build")}, " +
                        $"{Counted.Of(result.NewJobs, "new job")}, {Counted.Of(result.Logs, "log")}");
                    return ExitCodes.Success;
                });
            });
        });
    }
}
