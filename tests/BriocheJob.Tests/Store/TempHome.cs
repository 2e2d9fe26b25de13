using BriocheJob.Store;

namespace BriocheJob.Tests.Store;

/// <summary>A throwaway data home under the system temp folder.</summary>
internal sealed class TempHome : IDisposable
{
    public TempHome()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bj-store-" + Guid.NewGuid().ToString("N"));
        Home = new DataHome(System.IO.Path.Combine(Path, "home"));
    }

    public string Path { get; }

    public DataHome Home { get; }

    public SqliteJobStore Open() => SqliteJobStore.Open(Home);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
