namespace TradingPlatform.Candles;

/// <summary>
/// Builds coarser bars from finer ones, the C# twin of the SQL in <see cref="PostgresCandleStore"/> (the in-memory
/// store uses it; the shared contract tests hold both to the same answers). A bucket is the bar of the coarser
/// timeframe a finer bar's time falls in (<see cref="Timeframes.Floor"/>): open of its first bar, highest high, lowest
/// low, close of its last bar, summed volume.
/// </summary>
public static class CandleAggregation
{
    /// <summary>Aggregates <paramref name="ascending"/> (bars of one series, strictly ascending) into bars of <paramref name="target"/>.</summary>
    public static IEnumerable<Candle> Aggregate(IEnumerable<Candle> ascending, Timeframe target)
    {
        ArgumentNullException.ThrowIfNull(ascending);
        var open = false;
        Candle current = default;
        foreach (var bar in ascending)
        {
            var bucket = target.Floor(bar.TimeUtc);
            if (open && bucket == current.TimeUtc)
            {
                current = current with
                {
                    High = Math.Max(current.High, bar.High),
                    Low = Math.Min(current.Low, bar.Low),
                    Close = bar.Close,
                    Volume = current.Volume + bar.Volume,
                };
                continue;
            }
            if (open) yield return current;
            current = bar with { TimeUtc = bucket };
            open = true;
        }
        if (open) yield return current;
    }
}
