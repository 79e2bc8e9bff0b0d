using Prometheus;

namespace TradingPlatform.Storage;

/// <summary>
/// What the PostgreSQL journal costs each order and fill: the wait from a unit being queued to its batch
/// committed (<c>tradingplatform_journal_commit_seconds</c>: queue wait plus one transaction, i.e. what a caller
/// waits for before a fill counts) and how many units share a transaction
/// (<c>tradingplatform_journal_batch_units</c>: group commit at work; mostly 1 means the database keeps up
/// with room to spare, batches near the maximum mean it is the bottleneck).
/// </summary>
public sealed class JournalMetrics
{
    /// <summary>Exported on <c>/metrics</c> of the processes that journal to PostgreSQL: the silos (the embedded mode's journal is in memory).</summary>
    public static JournalMetrics Default { get; } = new(Metrics.DefaultFactory);

    private readonly Histogram _commitSeconds;
    private readonly Histogram _batchUnits;

    /// <summary>Metrics made by <paramref name="factory"/> (a test passes one on a registry of its own).</summary>
    public JournalMetrics(IMetricFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _commitSeconds = factory.CreateHistogram("tradingplatform_journal_commit_seconds",
            "Time from a journal unit (orders, fills) being queued to its batch committed in PostgreSQL",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 1.5, 20) });
        _batchUnits = factory.CreateHistogram("tradingplatform_journal_batch_units",
            "Journal units written in one PostgreSQL transaction (group commit)",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 11) });
    }

    public void Committed(TimeSpan elapsed) => _commitSeconds.Observe(elapsed.TotalSeconds);

    public void BatchWritten(int units) => _batchUnits.Observe(units);

    /// <summary>Units committed so far (the commit histogram's count).</summary>
    public long CommitCount => _commitSeconds.Count;

    /// <summary>Seconds waited by all committed units together.</summary>
    public double CommitSecondsSum => _commitSeconds.Sum;

    /// <summary>Batches written so far.</summary>
    public long BatchCount => _batchUnits.Count;

    /// <summary>Units in all batches together.</summary>
    public double BatchUnitsSum => _batchUnits.Sum;
}
