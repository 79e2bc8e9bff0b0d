using System.Collections.Immutable;
using System.Globalization;

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

    /// <inheritdoc/>
    public SignalInspection Inspect() => new(_bought, _bought ? 1 : 0, 1, _bought ? _quantity : 0m,
        ImmutableSortedDictionary<string, decimal?>.Empty.WithComparers(StringComparer.Ordinal),
        _bought
            ? string.Create(CultureInfo.InvariantCulture, $"Bought {_quantity} on the first price and holds: the target never changes again.")
            : "Waiting for the first price, which sets the target.");
}
