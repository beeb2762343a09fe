using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Ties the files to the host: opened while the host is starting, before any hosted service (a web server
/// included) starts, so a bad file stops the start; persisted and disposed once every hosted service has
/// stopped (graceful shutdown), so no request is still using them.
/// </summary>
internal sealed class PmemFilesLifetime(IPmemFileProvider provider) : IHostedLifecycleService
{
    private PmemFileProvider Files => (PmemFileProvider)provider;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Files.OpenAll();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Files.PersistAll();
        Files.Dispose();
        return Task.CompletedTask;
    }
}
