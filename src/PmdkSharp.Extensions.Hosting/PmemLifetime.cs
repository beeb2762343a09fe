using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>
/// Ties a provider's files or logs to the host: opened (logs verified) while the host is starting, before any
/// hosted service (a web server included) starts, so a bad file or a damaged log stops the start; persisted as
/// their settings ask and disposed once every hosted service has stopped (graceful shutdown), so no request is
/// still using them. Generic over the provider's interface so that each provider has a hosted service of its own.
/// </summary>
internal sealed class PmemLifetime<TProvider>(TProvider provider) : IHostedLifecycleService
    where TProvider : class
{
    private IHostedEntries Entries => (IHostedEntries)provider;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Entries.OpenAll();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Entries.Stop();
        return Task.CompletedTask;
    }
}
