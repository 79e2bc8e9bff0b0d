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
}
