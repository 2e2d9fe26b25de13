using BriocheJob.IntegrationTests.Brioche;
using BriocheJob.IntegrationTests.Infrastructure;
using BriocheJob.Recording;
using BriocheJob.Store;
using PuppeteerSharp;

namespace BriocheJob.IntegrationTests.History;

/// <summary>
/// <c>builds timeline --html</c> of a real recorded build, loaded in Debian's headless chromium (installed by
/// eng/prerequisites.sh; PuppeteerSharp drives it and never downloads a browser): no console errors, one row per
/// job, hover and click work, and the screenshot is not blank.
/// </summary>
public sealed class TimelineHtmlBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TempDirectory _temp = new("bj-timeline-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_page_loads_offline_with_one_row_per_job_and_shows_details_and_logs()
    {
        File.Exists(Chromium).ShouldBeTrue("chromium is missing: run eng/prerequisites.sh");
        string home = _temp.Combine("home");
        var project = FakeBriocheProject.Write(_temp.Combine("web"), "web",
        [
            new FakeProcess("echo 'fetching sources'; sleep 0.2"),
            new FakeProcess("echo 'compiling <main.c> & friends'; sleep 0.2"),
            new FakeProcess("echo 'linking'; echo 'ld: undefined reference to main' >&2; exit 1"),
        ]);
        var outcome = await new BriocheBuildRecorder(new BriocheBuildOptions
        {
            BriocheExe = FakeBriocheProject.Executable,
            Home = home,
            BriocheDataDir = _temp.Combine("brioche-data"),
            ExternalBuildId = "timeline-" + Guid.NewGuid().ToString("N"),
        }).RunAsync([new BriocheProjectSpec(project)], new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        int jobs = outcome.Projects.Single().Jobs.Count;
        jobs.ShouldBe(3);

        string page = _temp.Combine("timeline.html");
        new HistoryCli(home).Ok("builds", "timeline", outcome.BuildId!, "--html", page).ShouldContain("(3 jobs)");
        string html = File.ReadAllText(page);
        html.ShouldNotContain("http://", customMessage: "self-contained");
        html.ShouldNotContain("https://");
        html.ShouldNotContain("<link");
        html.ShouldNotContain(" src=");

        await using IBrowser browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            UserDataDir = _temp.Combine("chromium-profile"),
            Args =
            [
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
        await using IPage tab = await browser.NewPageAsync();
        var errors = new List<string>();
        var requests = new List<string>();
        tab.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                errors.Add(e.Message.Text);
            }
        };
        tab.PageError += (_, e) => errors.Add(e.Message);
        tab.Request += (_, e) => requests.Add(e.Request.Url);
        await tab.SetViewportAsync(new ViewPortOptions { Width = 1300, Height = 400 });
        await tab.GoToAsync(new Uri(page).AbsoluteUri, WaitUntilNavigation.Load);

        (await tab.EvaluateExpressionAsync<int>("document.querySelectorAll('g.job').length")).ShouldBe(jobs);
        (await tab.EvaluateExpressionAsync<int>("document.querySelectorAll('g.job.failed').length")).ShouldBe(1);
        (await tab.EvaluateExpressionAsync<int>("document.querySelectorAll('g.job.critical').length")).ShouldBeGreaterThan(0);

        // Hover: name, result and stack frame; click: the last log lines.
        var failedBar = await tab.QuerySelectorAsync("g.job.failed rect.bar");
        await failedBar.HoverAsync();
        string tip = await tab.EvaluateExpressionAsync<string>("document.getElementById('tip').hidden ? '' : document.getElementById('tip').textContent");
        tip.ShouldContain("linking");
        tip.ShouldContain("failed");
        tip.ShouldContain("web/project.bri:");
        await failedBar.ClickAsync();
        string log = await tab.EvaluateExpressionAsync<string>("document.getElementById('log-lines').textContent");
        log.ShouldContain("ld: undefined reference to main");
        log.ShouldContain("[process exited with code 1]");
        await (await tab.QuerySelectorAsync("g.job:not(.failed) rect.bar")).ClickAsync();
        (await tab.EvaluateExpressionAsync<string>("document.getElementById('log-lines').textContent")).ShouldNotContain("undefined reference");

        // The screenshot is not blank: a blank tab (the page's policy forbids images) decodes it and counts its colours.
        byte[] png = await tab.ScreenshotDataAsync(new ScreenshotOptions { Type = ScreenshotType.Png });
        png.Length.ShouldBeGreaterThan(1000);
        await using IPage scratch = await browser.NewPageAsync();
        int colours = await scratch.EvaluateFunctionAsync<int>("""
            async (data) => {
              const image = new Image();
              image.src = 'data:image/png;base64,' + data;
              await image.decode();
              const canvas = document.createElement('canvas');
              canvas.width = image.width; canvas.height = image.height;
              const context = canvas.getContext('2d');
              context.drawImage(image, 0, 0);
              const pixels = context.getImageData(0, 0, image.width, image.height).data;
              const seen = new Set();
              for (let i = 0; i < pixels.length; i += 16) { seen.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]); }
              return seen.size;
            }
            """, Convert.ToBase64String(png));
        colours.ShouldBeGreaterThan(10, "a blank page has one or two colours");

        errors.ShouldBeEmpty();
        requests.ShouldAllBe(url => url.StartsWith("file://", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal));
    }
}
