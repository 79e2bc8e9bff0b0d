using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TradingPlatform.Benchmarks;

/// <summary>
/// Orleans' own stream counters (System.Diagnostics.Metrics), summed while a run lasts: how many
/// events the pulling agents read from the memory queues and delivered to consumers.
/// </summary>
public sealed class OrleansCounters : IDisposable
{
    public const string Read = "orleans-streams-persistent-stream-messages-read";
    public const string Sent = "orleans-streams-persistent-stream-messages-sent";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

    public OrleansCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
                && (instrument.Name.Contains("stream", StringComparison.OrdinalIgnoreCase) || instrument.Name.Contains("storage", StringComparison.OrdinalIgnoreCase)))
                listener.EnableMeasurementEvents(instrument);
        };
        // Counters: the sum of what they count. Histograms (latencies): how many measurements, i.e. operations.
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Add(instrument, value));
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument, value));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Add(instrument, (long)value));
        _listener.Start();
    }

    /// <summary>Grain-state writes (any storage provider): measurements of Orleans' write-latency histogram.</summary>
    public const string StorageWrites = "orleans-storage-write-latency";

    private void Add(Instrument instrument, long value)
    {
        var histogram = instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal);
        _totals.AddOrUpdate(instrument.Name, histogram ? 1 : value, (_, n) => n + (histogram ? 1 : value));
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new SortedDictionary<string, long>(_totals, StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key));

    public void Dispose() => _listener.Dispose();
}
