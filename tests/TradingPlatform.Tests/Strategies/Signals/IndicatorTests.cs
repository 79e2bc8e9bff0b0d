using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Strategies.Signals;

public sealed class IndicatorTests
{
    [Fact]
    public void A_simple_moving_average_is_null_until_its_period_is_full_and_then_rolls()
    {
        var sma = new SimpleMovingAverage(3);

        sma.Add(1m);
        sma.Add(2m);
        Assert.Null(sma.Value);
        Assert.False(sma.IsReady);

        sma.Add(6m);
        Assert.Equal(3m, sma.Value);
        sma.Add(10m);
        Assert.Equal(6m, sma.Value); // (2 + 6 + 10) / 3
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(200)]
    public void A_simple_moving_average_equals_the_mean_of_its_window_on_every_spy_close(int period)
    {
        var closes = ReferenceData.SpyDailyCloses;
        var sma = new SimpleMovingAverage(period);
        for (var i = 0; i < closes.Count; i++)
        {
            sma.Add(closes[i]);
            if (i < period - 1)
            {
                Assert.Null(sma.Value);
                continue;
            }
            var sum = 0m;
            for (var j = i - period + 1; j <= i; j++) sum += closes[j];
            Assert.Equal(sum / period, sma.Value);
        }
    }

    [Fact]
    public void An_exponential_moving_average_is_seeded_with_the_mean_of_its_first_period_then_smooths_with_two_over_period_plus_one()
    {
        var ema = new ExponentialMovingAverage(3); // alpha = 2 / 4 = 0.5

        ema.Add(1m);
        ema.Add(2m);
        Assert.Null(ema.Value);
        ema.Add(3m);
        Assert.Equal(2m, ema.Value); // seed: (1 + 2 + 3) / 3
        ema.Add(4m);
        Assert.Equal(3m, ema.Value); // 2 + 0.5 * (4 - 2)
        ema.Add(1m);
        Assert.Equal(2m, ema.Value); // 3 + 0.5 * (1 - 3)
        Assert.Equal(0.5m, ema.Alpha);
    }

    [Fact]
    public void An_exponential_moving_average_of_period_one_is_the_latest_value()
    {
        var ema = new ExponentialMovingAverage(1);
        foreach (var price in new[] { 5m, 7.25m, 3m })
        {
            ema.Add(price);
            Assert.Equal(price, ema.Value);
        }
    }

    [Fact]
    public void Bollinger_bands_use_the_population_standard_deviation_of_the_window()
    {
        // The textbook set: mean 5, population deviation exactly 2 (the sample one would be 2.138...).
        var bands = new BollingerBands(8, 2m);
        foreach (var value in new[] { 2m, 4m, 4m, 4m, 5m, 5m, 7m })
        {
            bands.Add(value);
            Assert.Null(bands.Middle);
        }

        bands.Add(9m);

        Assert.Equal(5m, bands.Middle);
        Assert.Equal(2m, bands.StandardDeviation);
        Assert.Equal(9m, bands.Upper);
        Assert.Equal(1m, bands.Lower);
    }

    [Fact]
    public void Bollinger_deviation_is_accurate_to_decimal_precision_when_the_root_is_irrational()
    {
        var bands = new BollingerBands(3, 1m);
        bands.Add(0m);
        bands.Add(1m);
        bands.Add(2m); // population variance 2/3

        // sqrt(2/3) = 0.81649658092772603273242802490196...
        Assert.InRange(bands.StandardDeviation!.Value, 0.8164965809277260327324280248m, 0.8164965809277260327324280250m);
    }

    [Fact]
    public void Bollinger_bands_of_a_constant_window_collapse_onto_the_mean()
    {
        var bands = new BollingerBands(4, 2m);
        for (var i = 0; i < 6; i++) bands.Add(101.37m);

        Assert.Equal(0m, bands.StandardDeviation);
        Assert.Equal(101.37m, bands.Upper);
        Assert.Equal(101.37m, bands.Lower);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(20)]
    [InlineData(250)]
    public void Bollinger_bands_agree_with_a_two_pass_deviation_on_every_spy_close(int period)
    {
        var closes = ReferenceData.SpyDailyCloses;
        var bands = new BollingerBands(period, 2m);
        for (var i = 0; i < closes.Count; i++)
        {
            bands.Add(closes[i]);
            if (i < period - 1) continue;

            var sum = 0m;
            for (var j = i - period + 1; j <= i; j++) sum += closes[j];
            var mean = sum / period;
            var squares = 0m;
            for (var j = i - period + 1; j <= i; j++) squares += (closes[j] - mean) * (closes[j] - mean);
            var deviation = (decimal)Math.Sqrt((double)(squares / period));

            Assert.Equal(mean, bands.Middle);
            Assert.InRange(bands.StandardDeviation!.Value - deviation, -1e-12m, 1e-12m);
        }
    }

    [Fact]
    public void Rolling_extremes_are_null_until_the_lookback_is_full_and_then_follow_the_window()
    {
        var range = new RollingExtremes(3);
        range.Add(5m);
        range.Add(9m);
        Assert.Null(range.Max);
        Assert.Null(range.Min);

        range.Add(7m);
        Assert.Equal<(decimal?, decimal?)>((9m, 5m), (range.Max, range.Min));
        range.Add(6m); // 5 leaves
        Assert.Equal<(decimal?, decimal?)>((9m, 6m), (range.Max, range.Min));
        range.Add(8m); // 9 leaves
        Assert.Equal<(decimal?, decimal?)>((8m, 6m), (range.Max, range.Min));
        range.Add(1m);
        range.Add(1m); // 6 and 8 leave
        Assert.Equal<(decimal?, decimal?)>((8m, 1m), (range.Max, range.Min));
        range.Add(1m);
        Assert.Equal<(decimal?, decimal?)>((1m, 1m), (range.Max, range.Min));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(250)]
    public void Rolling_extremes_agree_with_a_scan_of_the_window_on_every_spy_close(int lookback) =>
        AssertAgreesWithScan(lookback, ReferenceData.SpyDailyCloses);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public void Rolling_extremes_agree_with_a_scan_on_a_series_full_of_ties(int lookback)
    {
        // A deterministic pseudo-random walk over only five levels, so equal values are everywhere.
        var values = new decimal[2_000];
        var state = 12345u;
        for (var i = 0; i < values.Length; i++)
        {
            state = state * 1_664_525u + 1_013_904_223u;
            values[i] = (state >> 16) % 5;
        }
        AssertAgreesWithScan(lookback, values);
    }

    [Fact]
    public void Indicators_reject_a_period_below_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SimpleMovingAverage(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BollingerBands(0, 2m));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BollingerBands(20, -1m));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RollingExtremes(0));
    }

    private static void AssertAgreesWithScan(int lookback, IReadOnlyList<decimal> values)
    {
        var range = new RollingExtremes(lookback);
        for (var i = 0; i < values.Count; i++)
        {
            range.Add(values[i]);
            if (i < lookback - 1)
            {
                Assert.Null(range.Max);
                continue;
            }
            var max = decimal.MinValue;
            var min = decimal.MaxValue;
            for (var j = i - lookback + 1; j <= i; j++)
            {
                max = Math.Max(max, values[j]);
                min = Math.Min(min, values[j]);
            }
            Assert.Equal(max, range.Max);
            Assert.Equal(min, range.Min);
        }
    }
}
