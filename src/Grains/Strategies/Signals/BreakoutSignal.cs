using System.Collections.Immutable;
using System.Globalization;

namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// <c>breakout</c>: follows breaks of the recent range. On each price, against the previous
/// <c>lookback</c> prices (the current one excluded):
/// <list type="bullet">
/// <item>price strictly above their highest → <c>+quantity</c> (long);</item>
/// <item>price strictly below their lowest → <c>−quantity</c> (short);</item>
/// <item>otherwise the target stays: a position is held until the opposite break, never closed to flat.</item>
/// </list>
/// Warm-up: no emission until <c>lookback</c> prices have been seen; the earliest possible emission is
/// on price number <c>lookback + 1</c>. O(1) amortized per price (<see cref="RollingExtremes"/>).
/// </summary>
public sealed class BreakoutSignal : ISignal
{
    private readonly RollingExtremes _range;
    private readonly decimal _quantity;
    private decimal _target;

    /// <param name="lookback">How many previous prices make the range (at least 1).</param>
    /// <param name="quantity">The size of the position to hold (positive).</param>
    public BreakoutSignal(int lookback, decimal quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lookback, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        _range = new RollingExtremes(lookback);
        _quantity = quantity;
    }

    public decimal? OnPrice(decimal price)
    {
        decimal? result = null;
        if (_range.Max is { } high && _range.Min is { } low)
        {
            var target = price > high ? _quantity : price < low ? -_quantity : _target;
            if (target != _target)
            {
                _target = target;
                result = target;
            }
        }

        _range.Add(price);
        return result;
    }

    /// <inheritdoc/>
    /// <remarks>Indicators: <c>rangeHigh</c> and <c>rangeLow</c> of the last <c>lookback</c> prices (what the next price must break).</remarks>
    public SignalInspection Inspect()
    {
        var indicators = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new KeyValuePair<string, decimal?>[]
        {
            new("rangeHigh", _range.Max),
            new("rangeLow", _range.Min),
        });
        var note = !_range.IsReady
            ? Text($"Warming up: {_range.Count} of {_range.Lookback} prices for the range; no decision before it is full.")
            : Text($"No breakout: the target stays {_target} until a price goes above {Show(_range.Max)} (long) or below {Show(_range.Min)} (short).");
        return new SignalInspection(_range.IsReady, _range.Count, _range.Lookback, _target, indicators, note);
    }

    private static string Show(decimal? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "n/a";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
