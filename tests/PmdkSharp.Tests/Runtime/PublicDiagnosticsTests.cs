using PmdkSharp.FlushEngine;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Runtime;

/// <summary>What `pmemsharp info` shows comes from public members any user can read: the managed flush and how a file was mapped.</summary>
public sealed class PublicDiagnosticsTests
{
    [Fact]
    public void The_diagnostics_say_what_the_managed_backend_flushes_with()
    {
        PmemDiagnostics diagnostics = PmemRuntime.GetDiagnostics();

        Assert.Equal(CacheLineFlushSupport.Current.Reason, diagnostics.ManagedCacheLineFlush);
        Assert.False(string.IsNullOrWhiteSpace(diagnostics.ManagedCacheLineFlush));
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void A_file_says_how_it_was_mapped(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        using (PmemFile fixedSize = test.Create(1 << 20))
            Assert.Equal("one mapping over the reserved 1048576 bytes (MAP_SYNC tried first)", fixedSize.MappingDescription);
        using PmemFile growable = test.Reopen(maxLength: 4 << 20);
        Assert.Equal("one mapping over the reserved 4194304 bytes (MAP_SYNC tried first)", growable.MappingDescription);
        growable.Dispose();
        Assert.Throws<System.ObjectDisposedException>(() => growable.MappingDescription);
    }
}
