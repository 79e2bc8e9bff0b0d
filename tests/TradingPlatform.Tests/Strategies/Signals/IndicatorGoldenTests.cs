using System.Globalization;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Strategies.Signals;

/// <summary>
/// The indicators against the reference values of QuantConnect LEAN (Data/spy-indicators-reference.csv,
/// Data/spy-bollinger-reference.csv). Every row that has a reference value is checked, rows without one
/// must still be warming up, and the number of checked rows is asserted so an empty parse fails.
/// </summary>
/// <remarks>
/// Tolerances, one unit in the last printed place:
/// <list type="bullet">
/// <item>SMA14 and EMA14 are printed with 2 decimals; they match to |diff| ≤ 0.01. Exact 2-dp rounding
/// (|diff| ≤ 0.005) is not achievable: the reference was computed from closes with more decimals than
/// the 2 printed in the file, so on top of the ≤ 0.005 of printing, the inputs themselves carry up to
/// 0.005 of rounding, which an average (weights ≥ 0 summing to 1, for the EMA too) passes on at most
/// unchanged. 3 SMA rows and 24 EMA rows differ by 0.005-0.006; none by more.</item>
/// <item>The Bollinger file prints 4 decimals. The middle band (a mean of 2-dp closes over 20 is exact
/// in 4 dp) must match exactly; upper and lower match to |diff| ≤ 0.0001 (42 of 962 band values
/// differ by 0.00005-0.00006, consistent with σ rounded to 4 dp before doubling in the reference).</item>
/// </list>
/// </remarks>
public sealed class IndicatorGoldenTests
{
    private const decimal TwoDecimalTolerance = 0.01m;
    private const decimal FourDecimalTolerance = 0.0001m;

    [Fact]
    public void Sma14_reproduces_every_reference_value_to_the_printed_two_decimals()
    {
        var sma = new SimpleMovingAverage(14);
        var failures = new List<string>();
        var checkedRows = 0;

        foreach (var row in ReferenceData.Read("spy-indicators-reference.csv"))
        {
            sma.Add(ReferenceData.Number(row["Close"]));
            checkedRows += Check(row["Date"], ReferenceData.OptionalNumber(row["SMA14"]), sma.Value, TwoDecimalTolerance, failures);
        }

        Assert.Empty(failures);
        Assert.Equal(487, checkedRows);
    }

    [Fact]
    public void Ema14_seeded_with_the_sma_of_the_first_14_reproduces_every_reference_value_to_the_printed_two_decimals()
    {
        var ema = new ExponentialMovingAverage(14);
        var failures = new List<string>();
        var checkedRows = 0;

        foreach (var row in ReferenceData.Read("spy-indicators-reference.csv"))
        {
            ema.Add(ReferenceData.Number(row["Close"]));
            checkedRows += Check(row["Date"], ReferenceData.OptionalNumber(row["EMA14"]), ema.Value, TwoDecimalTolerance, failures);
        }

        Assert.Empty(failures);
        Assert.Equal(487, checkedRows);
    }

    [Fact]
    public void Bollinger_20_2_with_population_deviation_reproduces_every_reference_band_to_the_printed_four_decimals()
    {
        var bands = new BollingerBands(20, 2m);
        var failures = new List<string>();
        int middles = 0, uppers = 0, lowers = 0;

        foreach (var row in ReferenceData.Read("spy-bollinger-reference.csv"))
        {
            bands.Add(ReferenceData.Number(row["Close"]));
            var date = row["Date"];
            middles += Check(date + " middle", ReferenceData.OptionalNumber(row["Moving Average 20"]), bands.Middle, 0m, failures);
            uppers += Check(date + " top", ReferenceData.OptionalNumber(row["Bollinger Bands® 20 2 Top"]), bands.Upper, FourDecimalTolerance, failures);
            lowers += Check(date + " bottom", ReferenceData.OptionalNumber(row["Bollinger Bands® 20 2 Bottom"]), bands.Lower, FourDecimalTolerance, failures);
        }

        Assert.Empty(failures);
        Assert.Equal(481, middles);
        Assert.Equal(481, uppers);
        Assert.Equal(481, lowers);
    }

    /// <summary>Returns 1 when the row had a reference value (and records a failure if it is missed).</summary>
    private static int Check(string what, decimal? expected, decimal? actual, decimal tolerance, List<string> failures)
    {
        if (expected is not { } reference)
        {
            if (actual is not null) failures.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: no reference yet, got {actual}"));
            return 0;
        }
        if (actual is not { } value || Math.Abs(value - reference) > tolerance)
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: expected {reference}, got {actual?.ToString(CultureInfo.InvariantCulture) ?? "null"}"));
        return 1;
    }
}
