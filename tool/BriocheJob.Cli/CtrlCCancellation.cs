namespace BriocheJob.Cli;

/// <summary>
/// Turns the first Ctrl+C into a cancellation request, so commands can stop cleanly; a second Ctrl+C
/// ends the process as usual. CommandLineUtils 2.3 has no cancellation binding of its own.
/// </summary>
internal sealed class CtrlCCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CtrlCCancellation() => Console.CancelKeyPress += OnCancelKeyPress;

    public CancellationToken Token => _source.Token;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (_source.IsCancellationRequested)
        {
            return;
        }

        e.Cancel = true;
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _source.Dispose();
    }
}
