using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>
/// Induces a full, blocking garbage collection in another .NET process through its diagnostics port (an EventPipe
/// session with the runtime's GCHeapCollect keyword, as dotnet-gcdump does, without the heap walk). The GC gauges
/// read right after it (<c>system_runtime_dotnet_gc_last_collection_heap_size</c>) then give the live heap: the
/// large-object heap and gen2 are otherwise swept only by the rare gen2 collections, so between them the "heap after
/// the last collection" still holds everything that died there (e.g. a backtest's 5.8 MB candle batch).
/// </summary>
public static class SoakFullGc
{
    private const long GcHeapCollectKeyword = 0x800000;

    public static async Task<bool> Induce(int pid, SoakCounters counters, CancellationToken cancellationToken)
    {
        try
        {
            var client = new DiagnosticsClient(pid);
            using var session = await client.StartEventPipeSessionAsync(
                [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcHeapCollectKeyword)],
                requestRundown: false, circularBufferMB: 16, cancellationToken);
            // Drain the session's stream while the runtime collects (the forced GC runs when the keyword is enabled).
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var buffer = new byte[16 * 1024];
            try
            {
                while (await session.EventStream.ReadAsync(buffer, drain.Token) > 0)
                {
                }
            }
            catch (OperationCanceledException)
            {
            }
            await session.StopAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is ServerNotAvailableException or DiagnosticsClientException or IOException or TimeoutException or UnauthorizedAccessException)
        {
            counters.Error("full GC not induced", $"pid {pid}: {e.Message}");
            return false;
        }
    }
}
