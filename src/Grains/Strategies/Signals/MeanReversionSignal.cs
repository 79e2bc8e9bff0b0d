using System.Collections.Immutable;
using System.Globalization;

namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// <c>mean_reversion</c>: fades moves outside Bollinger Bands (<c>window</c>, <c>k</c>, population σ)
/// computed from the previous <c>window</c> prices, i.e. before the current price joins the window, so
/// the price is measured against bands it has not yet moved. Rules, checked in this order on each price:
/// <list type="number">
/// <item>price below the lower band → <c>+quantity</c> (long);</item>
/// <item>price above the upper band → <c>−quantity</c> (short; from a long this is a direct flip);</item>
/// <item>while long, price at or above the middle band → <c>0</c> (flat);</item>
/// <item>while short, price at or below the middle band → <c>0</c> (flat);</item>
/// <item>otherwise the target stays.</item>
/// </list>
/// Warm-up: no emission until <c>window</c> prices have been seen; the earliest possible emission is
/// on price number <c>window + 1</c>.
/// </summary>
public sealed class MeanReversionSignal : ISignal
{
    private readonly BollingerBands _bands;
    private readonly decimal _quantity;
    private decimal _target;

    /// <param name="window">How many previous prices the bands cover (at least 1).</param>
    /// <param name="k">Band width in standard deviations (positive).</param>
    /// <param name="quantity">The size of the position to hold (positive).</param>
    public MeanReversionSignal(int window, decimal k, decimal quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        _bands = new BollingerBands(window, k);
        _quantity = quantity;
    }

    public decimal? OnPrice(decimal price)
    {
        decimal? result = null;
        if (_bands.Middle is { } middle && _bands.Upper is { } upper && _bands.Lower is { } lower)
        {
            var target = _target;
            if (price < lower) target = _quantity;
            else if (price > upper) target = -_quantity;
            else if (_target > 0m && price >= middle) target = 0m;
            else if (_target < 0m && price <= middle) target = 0m;

            if (target != _target)
            {
                _target = target;
                result = target;
            }
        }

        _bands.Add(price);
        return result;
    }

    /// <inheritdoc/>
    /// <remarks>Indicators: <c>lower</c>, <c>middle</c>, <c>upper</c> and <c>stdDev</c> of the last <c>window</c> prices
    /// (the bands the next price is measured against).</remarks>
    public SignalInspection Inspect()
    {
        var indicators = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new KeyValuePair<string, decimal?>[]
        {
            new("lower", _bands.Lower),
            new("middle", _bands.Middle),
            new("upper", _bands.Upper),
            new("stdDev", _bands.StandardDeviation),
        });
        var note = !_bands.IsReady
            ? Text($"Warming up: {_bands.Count} of {_bands.Period} prices for the bands; no decision before they are full.")
            : _target == 0m
                ? Text($"Inside the bands: flat until a price falls below {Show(_bands.Lower)} (long) or rises above {Show(_bands.Upper)} (short).")
                : _target > 0m
                    ? Text($"Long {_target}: held until a price reaches the middle {Show(_bands.Middle)} (flat) or rises above {Show(_bands.Upper)} (short).")
                    : Text($"Short {-_target}: held until a price reaches the middle {Show(_bands.Middle)} (flat) or falls below {Show(_bands.Lower)} (long).");
        return new SignalInspection(_bands.IsReady, _bands.Count, _bands.Period, _target, indicators, note);
    }

    private static string Show(decimal? value) => value is { } v ? Math.Round(v, 8).ToString(CultureInfo.InvariantCulture) : "n/a";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
