using System.Text;
using BriocheJob.Brioche;
using BriocheJob.Bundles;
using BriocheJob.Tests.Brioche;

namespace BriocheJob.Tests.Bundles;

public sealed class RedactionTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Secret_names_match_the_patterns_in_any_case_and_extra_names_exactly()
    {
        var redactor = new SecretRedactor(["DEPLOY_HOST"]);
        redactor.IsSecretName("GITHUB_TOKEN").ShouldBeTrue();
        redactor.IsSecretName("db_password").ShouldBeTrue();
        redactor.IsSecretName("AWS_SECRET_ACCESS_KEY").ShouldBeTrue();
        redactor.IsSecretName("ApiKey").ShouldBeTrue();
        redactor.IsSecretName("deploy_host").ShouldBeTrue();
        redactor.IsSecretName("PATH").ShouldBeFalse();
        redactor.IsSecretName("DEPLOY_HOSTNAME").ShouldBeFalse();
    }

    [Fact]
    public void A_value_split_across_output_chunks_is_redacted_and_the_env_is_masked_in_the_rewritten_file()
    {
        var description = Descriptions.Sample();
        description.SandboxConfig.Env["API_TOKEN"] = ProcessTemplate.Literal("s3cr3t-value-123");
        description.SandboxConfig.Env["HOME"] = ProcessTemplate.Literal("/home/me");
        var source = _temp.File("in.bin.zst");
        using (var writer = ProcessEventsWriter.Create(source, description))
        {
            writer.Write(new SpawnedEvent(1, 42));
            writer.Write(new StdoutEvent(5, Encoding.UTF8.GetBytes("token is s3cr3t-")));
            writer.Write(new StderrEvent(6, Encoding.UTF8.GetBytes("unrelated\n")));
            writer.Write(new StdoutEvent(7, Encoding.UTF8.GetBytes("value-123 ok\nand again s3cr3t-value-123\n")));
            writer.Write(new ExitedEvent(9, 1));
            writer.Complete();
        }

        var redactor = new SecretRedactor();
        EventsRedaction.CollectSecrets(source, redactor, "process env");
        var output = _temp.File("out.bin.zst");
        EventsRedaction.Rewrite(source, output, redactor);

        var log = ProcessLog.Read(output);
        log.OutputLines.Select(l => l.Text).ShouldBe(["token is *** ok", "and again ***", "unrelated"], ignoreOrder: true);
        log.Exit.ShouldBeOfType<ExitedEvent>().ExitCode.ShouldBe(1);
        log.Spawned.ShouldNotBeNull().Pid.ShouldBe(42u);
        log.Description.ShouldNotBeNull().SandboxConfig.Env["API_TOKEN"].ToDisplayString().ShouldBe("***");
        log.Description.SandboxConfig.Env["HOME"].ToDisplayString().ShouldBe("/home/me");
        redactor.Report().ShouldHaveSingleItem().ShouldBe(new BundleRedaction("API_TOKEN", "process env", 2));
    }

    [Fact]
    public void A_short_value_is_masked_where_named_but_not_searched_for()
    {
        var redactor = new SecretRedactor();
        redactor.Consider("PIN_KEY", "12", "build arg").ShouldBeTrue();
        redactor.TooShortToSearch.ShouldBe(["PIN_KEY"]);
        redactor.Redact("version 12.0").ShouldBe("version 12.0");
    }
}
