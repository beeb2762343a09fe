using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Ties the logs to the host like <see cref="PmemFilesLifetime"/> ties the files: opened and verified while the
/// host is starting, before any hosted service starts (a damaged log stops the start); disposed once every
/// hosted service has stopped.
/// </summary>
internal sealed class PmemLogsLifetime(IPmemLogProvider provider) : IHostedLifecycleService
{
    private PmemLogProvider Logs => (PmemLogProvider)provider;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Logs.OpenAll();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Logs.Dispose();
        return Task.CompletedTask;
    }
}
