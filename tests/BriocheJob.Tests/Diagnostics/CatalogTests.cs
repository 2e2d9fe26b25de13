using System.Reflection;
using System.Text.RegularExpressions;
using BriocheJob.Diagnostics;
using BriocheJob.Tests.Brioche;
using BriocheJob.Tests.Cli;

namespace BriocheJob.Tests.Diagnostics;

public sealed partial class CatalogTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Fixtures.FixturesDir, "..", "..", "README.md"));

    /// <summary>Every diagnostic the catalogue declares, found by reflection so one left out of <see cref="Catalog.All"/> shows.</summary>
    private static List<(string Area, string Name, Diagnostic Diagnostic)> Declared() =>
        typeof(Catalog).GetNestedTypes()
            .SelectMany(area => area.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.FieldType == typeof(Diagnostic))
                .Select(f => (area.Name, f.Name, (Diagnostic)f.GetValue(null)!)))
            .ToList();

    [Fact]
    public void Every_declared_diagnostic_is_listed_once_in_code_order()
    {
        var declared = Declared();
        declared.Count.ShouldBeGreaterThan(50);
        Catalog.All.ShouldBe(declared.Select(d => d.Diagnostic).OrderBy(d => d.Code, StringComparer.Ordinal));
    }

    [Fact]
    public void Codes_are_unique_well_formed_and_in_their_areas_range()
    {
        Catalog.All.Select(d => d.Code).ShouldBeUnique();
        var areaDigit = new Dictionary<string, char>
        {
            ["Store"] = '1',
            ["Server"] = '1',
            ["Retention"] = '1',
            ["Events"] = '2',
            ["BriocheBuild"] = '3',
            ["BuildKit"] = '4',
            ["Docker"] = '5',
            ["DockerBuild"] = '5',
            ["Selectors"] = '6',
            ["Commands"] = '6',
            ["History"] = '6',
        };
        foreach (var (area, name, diagnostic) in Declared())
        {
            diagnostic.Code.ShouldMatch(@"^BJ[1-6]\d{3}$", $"{area}.{name}");
            diagnostic.Code[2].ShouldBe(areaDigit[area], $"{area}.{name} is {diagnostic.Code}");
        }
    }

    [Fact]
    public void Every_diagnostic_has_an_exit_class_and_a_one_line_meaning()
    {
        foreach (var diagnostic in Catalog.All)
        {
            Enum.IsDefined(diagnostic.ExitClass).ShouldBeTrue(diagnostic.Code);
            diagnostic.Meaning.ShouldNotBeNullOrWhiteSpace(diagnostic.Code);
            diagnostic.Meaning.ShouldNotContain("\n", customMessage: diagnostic.Code);
        }
    }

    [Theory]
    [InlineData("BJ1001", ExitCodes.Unavailable)]
    [InlineData("BJ1002", ExitCodes.Corrupt)]
    [InlineData("BJ1004", ExitCodes.Unavailable)]
    [InlineData("BJ4002", ExitCodes.Unavailable)]
    [InlineData("BJ5109", ExitCodes.Corrupt)]
    [InlineData("BJ6002", ExitCodes.Ambiguous)]
    [InlineData("BJ6003", ExitCodes.Usage)]
    public void Issue_8s_misclassified_codes_have_their_class(string code, int exitCode)
    {
        ExitCodes.For(Catalog.Find(code).ShouldNotBeNull().ExitClass).ShouldBe(exitCode);
    }

    [Fact]
    public void An_exception_takes_its_exit_class_from_the_catalogue()
    {
        var exception = new BriocheJobException(Catalog.Store.DatabaseFailed, "unable to open database file");
        exception.Code.ShouldBe("BJ1004");
        exception.Kind.ShouldBe(ErrorKind.Unavailable);
        Catalog.ExitClassOf(exception).ShouldBe(ErrorKind.Unavailable);
    }

    [Fact]
    public void The_cli_exits_with_the_catalogues_class_for_an_unusable_data_home()
    {
        using var cli = new CliHarness();
        var file = cli.Temp.File("a-file");
        File.WriteAllText(file, "not a folder");

        var dataDir = cli.Temp.File("brioche-data");
        Directory.CreateDirectory(Path.Combine(dataDir, "process-temp"));

        var result = cli.Run("import", "brioche", "--home", file, "--data-dir", dataDir);

        result.Error.ShouldStartWith("error BJ1001: ");
        result.ExitCode.ShouldBe(ExitCodes.Unavailable);
    }

    [Fact]
    public void Every_code_has_its_message_format_in_the_catalogue()
    {
        var without = Catalog.All.Where(d => string.IsNullOrWhiteSpace(d.Format)).Select(d => d.Code).ToList();
        without.ShouldBeEmpty("every code's message is written once, in the catalogue; these have none");
    }

    [Fact]
    public void Every_message_format_is_one_lowercase_line_without_a_full_stop_that_formats_its_arguments()
    {
        // Names that keep their capital: products, file kinds and MSBuild names.
        string[] properNouns = ["Brioche", "BriocheJobMaxSize", "Docker", "Dockerfile", "DockerImage"];
        var formats = Catalog.All.Where(d => d.Format is not null).Select(d => (d.Code, Format: d.Format!))
            .Concat(Catalog.All.SelectMany(d => d.Variants).Select(v => (v.Code, v.Format)))
            .ToList();
        formats.Count.ShouldBeGreaterThan(Catalog.All.Count);
        foreach (var (code, format) in formats)
        {
            var arguments = FormatItem().Matches(format).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                .DefaultIfEmpty(-1).Max() + 1;
            var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, format,
                Enumerable.Range(0, arguments).Select(i => (object?)$"<{i}>").ToArray());
            message.ShouldNotContain("{", customMessage: code);
            message.ShouldNotContain("\n", customMessage: code);
            message.ShouldNotEndWith(".", customMessage: code);
            message.ShouldNotEndWith(" ", customMessage: code);
            var firstWord = Regex.Match(format, @"^[A-Za-z]+").Value;
            if (firstWord.Length > 0 && char.IsUpper(firstWord[0]))
            {
                properNouns.ShouldContain(firstWord, $"{code}: messages start in lower case");
            }
        }
    }

    [Fact]
    public void No_throw_or_warn_site_writes_its_own_message_text()
    {
        // A message is the catalogue's (Diagnostic.Exception/Message, or a sub-message's), never text beside a code.
        var root = Path.Combine(Fixtures.FixturesDir, "..", "..");
        var sources = new[] { "tool", "tasks" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        sources.Count.ShouldBeGreaterThan(50);
        var offenders = new List<string>();
        foreach (var path in sources)
        {
            if (Path.GetFileName(path) is "Diagnostic.cs" or "BriocheJobException.cs")
            {
                continue;
            }

            var text = File.ReadAllText(path);
            foreach (Match site in OwnMessage().Matches(text))
            {
                var line = text.AsSpan(0, site.Index).Count('\n') + 1;
                offenders.Add($"{Path.GetRelativePath(root, path)}:{line}: {site.Value}");
            }
        }

        offenders.ShouldBeEmpty();
    }

    [Fact]
    public void Every_sub_message_is_used_by_a_site()
    {
        var root = Path.Combine(Fixtures.FixturesDir, "..", "..");
        var sources = string.Join("\n", new[] { "tool", "tasks" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(path => Path.GetFileName(path) != "Catalog.cs")
            .Select(File.ReadAllText));
        var variants = typeof(Catalog).GetNestedTypes()
            .SelectMany(area => area.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.FieldType == typeof(DiagnosticMessage))
                .Select(f => $"Catalog.{area.Name}.{f.Name}"))
            .ToList();
        variants.Count.ShouldBeGreaterThan(40);
        variants.Where(name => !sources.Contains(name, StringComparison.Ordinal)).ShouldBeEmpty("sub-messages no site uses");
    }

    [Fact]
    public void A_sub_message_carries_its_codes_diagnostic_and_exit_class()
    {
        var variant = Catalog.Store.DataHomeIsAFile;
        variant.Diagnostic.ShouldBeSameAs(Catalog.Store.DataHomeUnusable);
        Catalog.Store.DataHomeUnusable.Variants.ShouldContain(variant);
        var exception = variant.Exception("/tmp/a-file");
        exception.Diagnostic.ShouldBe(Catalog.Store.DataHomeUnusable);
        exception.Code.ShouldBe("BJ1001");
        exception.Kind.ShouldBe(ErrorKind.Unavailable);
        exception.Message.ShouldBe("'/tmp/a-file' is a file, not a folder");
    }

    [Fact]
    public void A_thrown_message_is_the_catalogues_format_with_the_sites_arguments()
    {
        using var cli = new CliHarness();
        var missing = cli.Temp.File("missing.trace");
        var result = cli.Run("trace", missing);
        result.Error.ShouldBe($"error {Catalog.BuildKit.TraceFileNotFound}: {Catalog.BuildKit.TraceFileNotFound.Message(missing)}\n");

        var dataDir = cli.Temp.File("no-data-dir");
        result = cli.Run("import", "brioche", "--data-dir", dataDir);
        result.Error.ShouldStartWith($"error {Catalog.Commands.BriocheDataDirNotFound}: no Brioche process-temp folder at ");
    }

    [Fact]
    public void The_readme_code_table_is_the_catalogues()
    {
        var start = Readme.IndexOf("| code | exit | kind | meaning |", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0, "the README has no table of diagnostic codes");
        var end = Readme.IndexOf("\n\n", start, StringComparison.Ordinal);
        var table = Readme[start..(end + 1)];
        table.ShouldBe(Catalog.MarkdownTable(), "regenerate the README's table from Catalog.MarkdownTable()");
    }

    [Fact]
    public void The_readme_exit_code_table_agrees_with_the_catalogue()
    {
        var section = Readme[Readme.IndexOf("## Exit codes", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var checkedCodes = 0;
        foreach (Match row in ExitRow().Matches(section))
        {
            var exitCode = int.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            foreach (Match code in CodeInText().Matches(row.Groups[2].Value))
            {
                var diagnostic = Catalog.Find(code.Value).ShouldNotBeNull($"{code.Value} is in the README but not the catalogue");
                ExitCodes.For(diagnostic.ExitClass).ShouldBe(exitCode, $"{code.Value} in the README's exit code table");
                checkedCodes++;
            }
        }
        checkedCodes.ShouldBeGreaterThan(10);
    }

    [Fact]
    public void Every_code_the_readme_names_is_in_the_catalogue()
    {
        foreach (Match code in CodeInText().Matches(Readme))
        {
            Catalog.Find(code.Value).ShouldNotBeNull($"{code.Value} is in the README but not the catalogue");
        }
    }

    [GeneratedRegex(@"^\| (\d+) \| (.*) \|$", RegexOptions.Multiline)]
    private static partial Regex ExitRow();

    [GeneratedRegex(@"\{(\d+)(?:[,:][^}]*)?\}")]
    private static partial Regex FormatItem();

    /// <summary>A coded exception made by hand, or a code reported with a literal message next to it.</summary>
    [GeneratedRegex(@"new BriocheJobException\(|new AmbiguousSelectorException\(\s*\$?""|(?:Problem|_warn)\(\s*Catalog\.\w+\.\w+\s*,\s*\$?""|Warn\?\.Invoke\(\s*\$?""|Log(?:Error|Warning)\(\s*null,(?:[^,;]+,){7}\s*\$?""[^""\n]*[a-z]{3}")]
    private static partial Regex OwnMessage();

    [GeneratedRegex(@"BJ\d{4}")]
    private static partial Regex CodeInText();
}
