using System.Security.Cryptography;
using System.Text;
using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Candles;

public sealed class SyntheticCandlesTests
{
    private static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_same_seed_gives_the_same_candles_and_another_seed_other_ones()
    {
        var first = SyntheticCandles.Generate(42, Start, Timeframe.OneMinute, 10_000).ToArray();
        var again = SyntheticCandles.Generate(42, Start, Timeframe.OneMinute, 10_000).ToArray();
        var other = SyntheticCandles.Generate(43, Start, Timeframe.OneMinute, 10_000).ToArray();

        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(c => c.Close), other.Select(c => c.Close));
    }

    [Fact]
    public void Seed_42_is_pinned_so_a_change_to_the_generator_is_noticed()
    {
        var csv = CandleCsvWriter.ToCsv("SYN", Timeframe.OneMinute, SyntheticCandles.Generate(42, Start, Timeframe.OneMinute, 1_000));

        Assert.StartsWith("""
            symbol,timeframe,timestamp,open,high,low,close,volume
            SYN,1m,2024-01-01T00:00:00Z,100.00,100.01,99.98,100.00,1008
            SYN,1m,2024-01-01T00:01:00Z,100.00,100.00,99.99,99.99,831

            """.ReplaceLineEndings("\n"), csv, StringComparison.Ordinal);
        Assert.Equal(PinnedHash, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(csv)))[..16]);
    }

    /// <summary>The first 16 hex digits of SHA-256 of the 1,000-bar CSV above; update only on purpose.</summary>
    private const string PinnedHash = "D9B1869D9F2D65E4";

    [Theory]
    [InlineData(Timeframe.OneMinute)]
    [InlineData(Timeframe.OneHour)]
    [InlineData(Timeframe.OneDay)]
    public void Bars_are_valid_consecutive_continuous_and_in_cents(Timeframe timeframe)
    {
        var bars = SyntheticCandles.Generate(7, Start, timeframe, 5_000, startPrice: 50m, drift: 0.1, volatility: 0.6).ToArray();

        Assert.Equal(5_000, bars.Length);
        Assert.Equal(50m, bars[0].Open);
        for (var i = 0; i < bars.Length; i++)
        {
            var bar = bars[i];
            Assert.Null(CandleRules.Check(timeframe, bar));
            Assert.Equal(Start + timeframe.Length() * i, bar.TimeUtc);
            Assert.Equal(DateTimeKind.Utc, bar.TimeUtc.Kind);
            if (i > 0) Assert.Equal(bars[i - 1].Close, bar.Open);
            Assert.All([bar.Open, bar.High, bar.Low, bar.Close], p => Assert.Equal(p, Math.Round(p, 2)));
            Assert.Equal(bar.Volume, Math.Round(bar.Volume));
        }
        Assert.Contains(bars, b => b.High > Math.Max(b.Open, b.Close));
        Assert.Contains(bars, b => b.Low < Math.Min(b.Open, b.Close));
    }

    [Fact]
    public void Zero_volatility_gives_a_straight_drift()
    {
        var bars = SyntheticCandles.Generate(1, Start, Timeframe.OneDay, 366, startPrice: 100m, drift: 0.1, volatility: 0).ToArray();

        Assert.All(bars, b => Assert.True(b.Close >= b.Open));
        Assert.InRange(bars[^1].Close, 110m, 111m); // e^(0.1 · 366/365.25) ≈ 1.1054
    }

    [Fact]
    public void A_start_that_is_not_a_bar_start_is_refused()
    {
        var refused = Assert.Throws<ArgumentException>(() => SyntheticCandles.Generate(1, Start.AddMinutes(3), Timeframe.FiveMinutes, 10));

        Assert.Contains("is not the start of a 5m bar", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generated_csv_round_trips_through_the_parser()
    {
        var bars = SyntheticCandles.Generate(9, Start, Timeframe.FifteenMinutes, 2_000).ToArray();
        var csv = CandleCsvWriter.ToCsv("SYN", Timeframe.FifteenMinutes, bars);
        var parser = new CandleCsvParser();

        var parsed = new List<Candle>();
        await foreach (var batch in parser.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)))) parsed.AddRange(batch.Select(r => r.Candle));

        Assert.Equal(bars, parsed);
        Assert.Equal(0, parser.Rejected);
    }
}
