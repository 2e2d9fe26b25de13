using System.Globalization;
using BriocheJob.Diagnostics;
using BriocheJob.Jobs;
using BriocheJob.Store;
using McMaster.Extensions.CommandLineUtils;

namespace BriocheJob.Cli.Commands;

/// <summary>Arguments and option values shared by the commands, parsed with one-line BJ6011 errors.</summary>
internal static class CommandOptions
{
    public const string SelectorHelp =
        "The job: failed (default), last, -N, an id prefix, a recipe hash (prefix of 8+), a pid, or an events file path.";

    /// <summary>
    /// The optional job selector: an argument, plus the hidden <c>--job</c> option that <see cref="SelectorArguments"/>
    /// rewrites <c>-N</c> into (CommandLineUtils would take <c>-2</c> for an unknown option).
    /// </summary>
    public static JobSelectorInput JobArgument(CommandLineApplication command, string name = "job", string help = SelectorHelp)
    {
        CommandArgument argument = command.Argument(name, help);
        CommandOption option = command.Option(SelectorArguments.JobOption + " <JOB>", help, CommandOptionType.SingleValue);
        option.ShowInHelpText = false;
        return new JobSelectorInput(argument, option);
    }

    /// <summary>The selector given (null for the default), from the argument or from <c>--job</c>.</summary>
    public static string? Selector(JobSelectorInput input)
    {
        string? argument = input.Argument.Value;
        string? option = input.Option.Value();
        if (argument is not null && option is not null)
        {
            throw Catalog.Commands.TwoSelectors.Exception(option, argument);
        }

        return argument ?? option;
    }

    public static int? Int(CommandOption option, int min)
    {
        if (option.Value() is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min)
        {
            throw Catalog.Commands.InvalidOption.Exception($"--{option.LongName}", $"a whole number of at least {min}", text);
        }

        return value;
    }

    public static JobKind? Kind(CommandOption option) => option.Value()?.ToLowerInvariant() switch
    {
        null => null,
        "brioche" => JobKind.Brioche,
        "docker" => JobKind.Docker,
        var other => throw Catalog.Commands.InvalidOption.Exception("--kind", "brioche or docker", other),
    };

    public static Brioche.OutputStream? Stream(CommandOption option) => option.Value()?.ToLowerInvariant() switch
    {
        null => null,
        "stdout" => Brioche.OutputStream.Stdout,
        "stderr" => Brioche.OutputStream.Stderr,
        var other => throw Catalog.Commands.InvalidOption.Exception("--stream", "stdout or stderr", other),
    };

    /// <summary><c>--host</c> and <c>--branch</c> as a filter, or null when neither is given. An empty value is an error.</summary>
    public static BuildFilter? BuildFilter(CommandOption host, CommandOption branch)
    {
        string? Value(CommandOption option) => option.Value() switch
        {
            null => null,
            { } text when string.IsNullOrWhiteSpace(text) => throw Catalog.Commands.EmptyOptionValue.Exception($"--{option.LongName}"),
            { } text => text.Trim(),
        };

        var filter = new BuildFilter(Value(host), Value(branch));
        return filter.IsEmpty ? null : filter;
    }
}

/// <summary>The two ways a selector arrives: as the argument, or as <c>--job</c> (see <see cref="SelectorArguments"/>).</summary>
internal sealed record JobSelectorInput(CommandArgument Argument, CommandOption Option);
