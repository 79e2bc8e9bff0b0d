using System.Collections.Immutable;
using System.Globalization;

namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// <c>sma_cross</c>: trend following on two simple moving averages of the price (each including the
/// current price).
/// <list type="bullet">
/// <item>Once both SMA(fast) and SMA(slow) are defined, the side is the sign of <c>fast − slow</c>;
/// when they are equal the side stays what it was.</item>
/// <item>A cross is a change of side between consecutive prices: up (fast goes above slow) sets the
/// target to <c>+quantity</c>, down (fast goes below slow) to <c>−quantity</c>.</item>
/// <item>Nothing is emitted before the first cross: the first defined side only arms the signal, so a
/// strategy that starts mid-trend does not jump in at an arbitrary point.</item>
/// </list>
/// Warm-up: no emission before the <c>slow</c>-th price; the earliest possible emission is on the
/// price after it.
/// </summary>
/// <remarks>
/// The averages are compared without dividing: for positive periods <c>f &lt; s</c>,
/// <c>sign(sumF / f − sumS / s) = sign(sumF · s − sumS · f)</c>. Multiplying a sum by a whole number is exact
/// in decimal while the product fits in its 28-29 significant digits (prices with a handful of decimals,
/// windows up to 10,000), so the comparison is exact, where two quotients rounded to 28 digits could tie
/// although the averages differ; and a decimal multiplication costs a fraction of a division, which matters
/// to backtests over millions of bars. On every series we test (the SPY closes included) the emissions are
/// the same as with divided averages.
/// </remarks>
public sealed class SmaCrossSignal : ISignal
{
    private readonly SimpleMovingAverage _fast;
    private readonly SimpleMovingAverage _slow;
    private readonly decimal _quantity;
    private int _side; // +1 fast above slow, -1 below, 0 not known yet
    private decimal _target;

    /// <param name="fast">The shorter SMA period (at least 1, below <paramref name="slow"/>).</param>
    /// <param name="slow">The longer SMA period.</param>
    /// <param name="quantity">The size of the position to hold (positive).</param>
    public SmaCrossSignal(int fast, int slow, decimal quantity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fast, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(slow, fast);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        _fast = new SimpleMovingAverage(fast);
        _slow = new SimpleMovingAverage(slow);
        _quantity = quantity;
    }

    public decimal? OnPrice(decimal price)
    {
        _fast.Add(price);
        _slow.Add(price);
        if (!_slow.IsReady) return null; // the fast window (shorter) is full by then too

        var fastScaled = _fast.Sum * _slow.Period; // mean(fast) · fast · slow
        var slowScaled = _slow.Sum * _fast.Period; // mean(slow) · fast · slow
        var side = fastScaled > slowScaled ? 1 : fastScaled < slowScaled ? -1 : _side;
        var crossed = _side != 0 && side != _side;
        _side = side;
        if (!crossed) return null;

        var target = side > 0 ? _quantity : -_quantity;
        if (target == _target) return null;
        _target = target;
        return target;
    }

    /// <inheritdoc/>
    /// <remarks>Indicators: <c>smaFast</c>, <c>smaSlow</c> and <c>side</c> (+1 fast above slow, −1 below, 0 not known yet).</remarks>
    public SignalInspection Inspect()
    {
        var fast = _fast.Value;
        var slow = _slow.Value;
        var indicators = ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, new KeyValuePair<string, decimal?>[]
        {
            new("smaFast", fast),
            new("smaSlow", slow),
            new("side", _slow.IsReady ? _side : null),
        });
        string note;
        if (!_slow.IsReady)
            note = Text($"Warming up: {_slow.Count} of {_slow.Period} prices for SMA({_slow.Period}); no decision before it is full.");
        else if (_side == 0)
            note = Text($"Armed, no side yet: SMA({_fast.Period}) {Show(fast)} equals SMA({_slow.Period}) {Show(slow)}; the first cross after a side is known sets the target.");
        else
        {
            var where = _side > 0 ? "above" : "below";
            note = _target == 0m
                ? Text($"No crossover yet: SMA({_fast.Period}) {Show(fast)} is {where} SMA({_slow.Period}) {Show(slow)}; nothing is traded before the first cross (the averages must cross {(_side > 0 ? "down" : "up")}).")
                : Text($"No crossover: SMA({_fast.Period}) {Show(fast)} is still {where} SMA({_slow.Period}) {Show(slow)}; the target stays {_target} until they cross {(_side > 0 ? "down" : "up")}.");
        }
        return new SignalInspection(_slow.IsReady, _slow.Count, _slow.Period, _target, indicators, note);
    }

    private static string Show(decimal? value) => value is { } v ? Math.Round(v, 8).ToString(CultureInfo.InvariantCulture) : "n/a";

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
