using System.Security;
using System.Text;

namespace BriocheJob.IntegrationTests.Infrastructure;

/// <summary>One item of a generated project: <c>&lt;Type Include="..." Meta="..." /&gt;</c>.</summary>
public sealed record ProjectItem(string Type, string Include, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>
/// A project file written into a temp folder that imports the real <c>build/BriocheJob.Tasks.targets</c> with
/// <c>BriocheJobTasksAssembly</c> pointing at the built tasks, the way a user's project imports the package.
/// Empty Directory.Build.props/targets and Directory.Packages.props next to it keep any outer ones from applying.
/// </summary>
public sealed class GeneratedProject
{
    public Dictionary<string, string> Properties { get; } = new();

    public List<ProjectItem> Items { get; } = [];

    /// <summary>
    /// True writes an SDK-style class library (restore and compile run, as in a user's project); false writes a
    /// bare project whose <c>Build</c> target does nothing, which is faster (build it with <c>--no-restore</c>).
    /// </summary>
    public bool UseSdk { get; init; } = true;

    public string FileName { get; init; } = "e2e.csproj";

    public GeneratedProject Property(string name, string value)
    {
        Properties[name] = value;
        return this;
    }

    public GeneratedProject Item(string type, string include, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Items.Add(new ProjectItem(type, include, metadata));
        return this;
    }

    /// <summary>Writes the project (and the isolating Directory.* files) into <paramref name="folder"/>; returns the project path.</summary>
    public string WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(folder, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(folder, "Directory.Packages.props"), "<Project />\n");
        var path = Path.Combine(folder, FileName);
        File.WriteAllText(path, Render());
        return path;
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.AppendLine(UseSdk ? "<Project Sdk=\"Microsoft.NET.Sdk\">" : "<Project>");
        text.AppendLine("  <PropertyGroup>");
        if (UseSdk)
        {
            text.AppendLine($"    <TargetFramework>{RepositoryLayout.TargetFramework}</TargetFramework>");
            text.AppendLine("    <EnableDefaultItems>false</EnableDefaultItems>");
        }

        text.AppendLine($"    <BriocheJobTasksAssembly>{Escape(RepositoryLayout.TasksAssembly)}</BriocheJobTasksAssembly>");
        foreach (var (name, value) in Properties)
        {
            text.AppendLine($"    <{name}>{Escape(value)}</{name}>");
        }

        text.AppendLine("  </PropertyGroup>");
        if (Items.Count > 0)
        {
            text.AppendLine("  <ItemGroup>");
            foreach (var item in Items)
            {
                text.Append($"    <{item.Type} Include=\"{Escape(item.Include)}\"");
                foreach (var (name, value) in item.Metadata ?? new Dictionary<string, string>())
                {
                    text.Append($" {name}=\"{Escape(value)}\"");
                }

                text.AppendLine(" />");
            }

            text.AppendLine("  </ItemGroup>");
        }

        if (!UseSdk)
        {
            text.AppendLine("  <Target Name=\"Build\" />");
        }

        text.AppendLine($"  <Import Project=\"{Escape(RepositoryLayout.TasksTargets)}\" />");
        text.AppendLine("</Project>");
        return text.ToString();
    }

    /// <summary>XML-escapes and MSBuild-escapes a literal value (so <c>%</c>, <c>$</c>, <c>@</c>, <c>;</c> stay literal).</summary>
    public static string Escape(string value)
    {
        var msbuild = new StringBuilder();
        foreach (var c in value)
        {
            msbuild.Append(c is '%' or '$' or '@' or '\'' or ';' or '?' or '*' ? $"%{(int)c:X2}" : c.ToString());
        }

        return SecurityElement.Escape(msbuild.ToString());
    }
}
