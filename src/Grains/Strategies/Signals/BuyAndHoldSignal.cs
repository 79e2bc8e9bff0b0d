namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// <c>buy_and_hold</c>: the benchmark every backtest is compared with. The first price sets the target to
/// <c>+quantity</c>; nothing after that changes it.
/// </summary>
public sealed class BuyAndHoldSignal : ISignal
{
    private readonly decimal _quantity;
    private bool _bought;

    /// <param name="quantity">The size of the position to buy and hold (positive).</param>
    public BuyAndHoldSignal(decimal quantity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quantity);
        _quantity = quantity;
    }

    public decimal? OnPrice(decimal price)
    {
        if (_bought) return null;
        _bought = true;
        return _quantity;
    }
}
