using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Benchmarks.Engine;

/// <summary>
/// sma_cross as it was before the backtest engine: rolling sums, but both averages divided out on every price and
/// compared as quotients. Kept here only to measure what dropping the divisions bought.
/// </summary>
public sealed class DivisionSmaCrossSignal(int fast, int slow, decimal quantity) : ISignal
{
    private readonly SimpleMovingAverage _fast = new(fast);
    private readonly SimpleMovingAverage _slow = new(slow);
    private int _side;
    private decimal _target;

    public decimal? OnPrice(decimal price)
    {
        _fast.Add(price);
        _slow.Add(price);
        if (_fast.Value is not { } fastMean || _slow.Value is not { } slowMean) return null;

        var side = fastMean > slowMean ? 1 : fastMean < slowMean ? -1 : _side;
        var crossed = _side != 0 && side != _side;
        _side = side;
        if (!crossed) return null;

        var target = side > 0 ? quantity : -quantity;
        if (target == _target) return null;
        _target = target;
        return target;
    }
}
