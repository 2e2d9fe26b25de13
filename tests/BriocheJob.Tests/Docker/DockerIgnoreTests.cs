using BriocheJob.Diagnostics;
using BriocheJob.Docker;

namespace BriocheJob.Tests.Docker;

public class DockerIgnoreTests
{
    [Theory]
    // plain names and parents
    [InlineData("foo", "foo", true)]
    [InlineData("foo", "foo/bar.txt", true)]
    [InlineData("foo", "a/foo", false)]
    [InlineData("/foo", "foo/x", true)]
    [InlineData("./foo/../bar", "bar", true)]
    [InlineData("foo//bar/", "foo/bar/baz", true)]
    // single-segment wildcards
    [InlineData("*.txt", "a.txt", true)]
    [InlineData("*.txt", "dir/a.txt", false)]
    [InlineData("*/*.txt", "dir/a.txt", true)]
    [InlineData("*/*.txt", "dir/sub/a.txt", false)]
    [InlineData("file?.md", "file1.md", true)]
    [InlineData("file?.md", "file10.md", false)]
    [InlineData("file?.md", "file/.md", false)]
    [InlineData("[a-c].log", "b.log", true)]
    [InlineData("[a-c].log", "d.log", false)]
    [InlineData("[^a-c].log", "d.log", true)]
    [InlineData("\\*.txt", "*.txt", true)]
    [InlineData("\\*.txt", "a.txt", false)]
    // ** across directories
    [InlineData("**/*.go", "main.go", true)]
    [InlineData("**/*.go", "a/b/c/main.go", true)]
    [InlineData("**/node_modules", "web/app/node_modules/x/index.js", true)]
    [InlineData("src/**/test", "src/test", true)]
    [InlineData("src/**/test", "src/a/b/test/x", true)]
    [InlineData("src/**/test", "other/test", false)]
    [InlineData("logs/**", "logs/a/b.log", true)]
    [InlineData("**", "anything/at/all", true)]
    public void Single_pattern(string pattern, string path, bool excluded) =>
        DockerIgnore.Parse(pattern).IsExcluded(path).ShouldBe(excluded);

    [Fact]
    public void Exceptions_reinclude_and_the_last_matching_rule_wins()
    {
        var ignore = DockerIgnore.Parse("""
            # build output
            *.md

            !README.md
            docs
            !docs/keep.txt
            README-secret.md
            tmp
            !tmp/keep
            tmp/keep/drop
            """);
        ignore.IsExcluded("notes.md").ShouldBeTrue();
        ignore.IsExcluded("README.md").ShouldBeFalse();
        ignore.IsExcluded("README-secret.md").ShouldBeTrue();
        ignore.IsExcluded("docs/a.txt").ShouldBeTrue();
        ignore.IsExcluded("docs/keep.txt").ShouldBeFalse();
        ignore.IsExcluded("tmp/keep/a").ShouldBeFalse();
        ignore.IsExcluded("tmp/keep/drop").ShouldBeTrue();
        ignore.IsExcluded("tmp/other").ShouldBeTrue();
        ignore.IsExcluded("src/main.c").ShouldBeFalse();
        ignore.HasExceptions.ShouldBeTrue();
        ignore.Patterns.ShouldBe(["*.md", "!README.md", "docs", "!docs/keep.txt", "README-secret.md", "tmp", "!tmp/keep", "tmp/keep/drop"]);
    }

    [Fact]
    public void Excluded_directories_are_walked_only_when_an_exception_could_match_inside()
    {
        var ignore = DockerIgnore.Parse("docs\n!docs/keep.txt\nbuild\n!**/*.keep\nvendor\n");
        ignore.MayReincludeUnder("docs").ShouldBeTrue();
        ignore.MayReincludeUnder("vendor").ShouldBeTrue(); // **/*.keep could match anywhere
        DockerIgnore.Parse("docs\n!docs/keep.txt").MayReincludeUnder("other").ShouldBeFalse();
        DockerIgnore.Parse("docs\n!docs/keep.txt").MayReincludeUnder("docs/sub").ShouldBeFalse();
        DockerIgnore.Parse("a\n!a/*/x").MayReincludeUnder("a/b").ShouldBeTrue();
        DockerIgnore.Parse("node_modules").MayReincludeUnder("node_modules").ShouldBeFalse();
    }

    [Theory]
    [InlineData("[abc")]
    [InlineData("!")]
    [InlineData("a\\")]
    [InlineData("[z-a]")] // found by the fuzz test: a reversed range reached the regex compiler
    public void Bad_patterns_are_reported_with_their_line(string pattern)
    {
        var error = Should.Throw<BriocheJobException>(() => DockerIgnore.Parse("ok\n" + pattern, "ctx/.dockerignore"));
        error.Code.ShouldBe(Catalog.Docker.BadIgnorePattern);
        error.Message.ShouldStartWith("ctx/.dockerignore:2:");
    }

    [Theory]
    [InlineData("a/./b/../c", "a/c")]
    [InlineData("/a//b/", "/a/b")]
    [InlineData("../x", "../x")]
    [InlineData("", ".")]
    [InlineData("./", ".")]
    public void Clean_path_follows_go_filepath_clean(string input, string expected) =>
        DockerIgnore.CleanPath(input).ShouldBe(expected);
}
