using BriocheJob.Diagnostics;
using BriocheJob.Store;

namespace BriocheJob.Tests.Store;

public sealed class DataHomeTests
{
    [Fact]
    public void Explicit_home_wins_over_xdg_and_home()
    {
        DataHome home = DataHome.FromEnvironment(Env(("BRIOCHE_JOB_HOME", "/opt/bj"), ("XDG_DATA_HOME", "/xdg"), ("HOME", "/home/u")));
        home.Root.ShouldBe("/opt/bj");
        home.DatabasePath.ShouldBe("/opt/bj/jobs.db");
    }

    [Fact]
    public void Xdg_data_home_is_used_next_and_relative_values_are_ignored()
    {
        DataHome.FromEnvironment(Env(("XDG_DATA_HOME", "/xdg"), ("HOME", "/home/u"))).Root.ShouldBe("/xdg/brioche-job");
        DataHome.FromEnvironment(Env(("XDG_DATA_HOME", "rel/xdg"), ("HOME", "/home/u"))).Root
            .ShouldBe("/home/u/.local/share/brioche-job");
        DataHome.FromEnvironment(Env(("BRIOCHE_JOB_HOME", ""), ("HOME", "/home/u"))).Root
            .ShouldBe("/home/u/.local/share/brioche-job");
    }

    [Fact]
    public void Job_directory_is_under_jobs_and_refuses_path_tricks()
    {
        var home = new DataHome("/data");
        home.JobDirectory("01JD0000000000000000000001").ShouldBe("/data/jobs/01JD0000000000000000000001");
        foreach (string bad in new[] { "..", "../etc", "a/b", "", "a b" })
        {
            Should.Throw<BriocheJobException>(() => home.JobDirectory(bad)).Code.ShouldBe(Catalog.Store.InvalidId);
        }
    }

    [Fact]
    public void A_file_in_the_way_of_the_home_is_a_coded_error()
    {
        string file = Path.GetTempFileName();
        try
        {
            var error = Should.Throw<BriocheJobException>(() => new DataHome(file).EnsureCreated());
            error.Code.ShouldBe(Catalog.Store.DataHomeUnusable);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();
}
