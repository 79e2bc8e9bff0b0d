using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>
/// A candle source that takes its time: deterministic one-minute bars (a seeded random walk, open = previous close)
/// delivered one batch every <see cref="BatchDelay"/>, so a backtest lasts seconds and can be watched, cancelled and
/// interrupted by a silo kill. Only the backtest read path is served.
/// </summary>
public sealed class PacedCandles : ICandleStore
{
    public static readonly TimeSpan BatchDelay = TimeSpan.FromMilliseconds(250);

    public async IAsyncEnumerable<Candle[]> ReadBatches(string symbol, Timeframe timeframe, DateTime fromUtc, DateTime toUtc, int batchSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var step = timeframe.Length();
        var random = new Random(symbol.Length * 7919 + (int)(fromUtc.Ticks % 10_007));
        var price = 100m;
        var batch = new List<Candle>(batchSize);
        for (var time = fromUtc; time < toUtc; time += step)
        {
            var open = price;
            price = Math.Max(1m, Math.Round(price * (1m + (decimal)(random.NextDouble() - 0.5) / 50m), 2));
            batch.Add(new Candle(time, open, Math.Max(open, price) + 0.05m, Math.Min(open, price) - 0.05m, price, 1_000m));
            if (batch.Count < batchSize) continue;
            await Task.Delay(BatchDelay, cancellationToken);
            yield return batch.ToArray();
            batch.Clear();
        }
        if (batch.Count > 0) yield return batch.ToArray();
    }

    public Task<CandleImportResult> Import(Stream csv, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<int> Upsert(string symbol, Timeframe timeframe, IEnumerable<Candle> candles, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<Candle>> Query(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<CandlePage> Page(string symbol, Timeframe timeframe, DateTime? fromUtc, DateTime? toUtc, int limit,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Timeframe?> Source(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default) =>
        Task.FromResult<Timeframe?>(Timeframe.OneMinute);

    public Task<CandleCoverage?> Describe(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default) =>
        Task.FromResult<CandleCoverage?>(null);
}
