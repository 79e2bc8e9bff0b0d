using TradingPlatform.Orders;

namespace TradingPlatform.Positions;

/// <summary>
/// Average-cost position accounting, pure and deterministic (shared by live positions and backtests).
/// Quantity is signed (long &gt; 0, short &lt; 0). Fees are charged to realized PnL when the fill happens.
/// A fill against the position first closes (realizing (price - average) per unit in the position's
/// direction), and any remainder opens a new position on the other side at the fill price.
/// </summary>
public readonly record struct PositionBook(decimal Quantity, decimal AveragePrice, decimal RealizedPnl, decimal Fees)
{
    public static readonly PositionBook Flat = new(0m, 0m, 0m, 0m);

    public bool IsFlat => Quantity == 0m;

    /// <summary>The book after one fill.</summary>
    public PositionBook Apply(Side side, decimal quantity, decimal price, decimal fee)
    {
        if (quantity <= 0m) throw new ArgumentOutOfRangeException(nameof(quantity), quantity, "A fill's quantity is positive.");
        if (price <= 0m) throw new ArgumentOutOfRangeException(nameof(price), price, "A fill's price is positive.");
        if (fee < 0m) throw new ArgumentOutOfRangeException(nameof(fee), fee, "A fee is not negative.");

        var signed = side == Side.Buy ? quantity : -quantity;
        var realized = RealizedPnl - fee;
        var fees = Fees + fee;

        if (Quantity == 0m || Math.Sign(Quantity) == Math.Sign(signed))
        {
            // Opening or adding: the average moves to the quantity-weighted mean.
            var total = Quantity + signed;
            var average = (Math.Abs(Quantity) * AveragePrice + quantity * price) / Math.Abs(total);
            return new PositionBook(total, average, realized, fees);
        }

        var closing = Math.Min(quantity, Math.Abs(Quantity));
        realized += closing * (price - AveragePrice) * Math.Sign(Quantity);
        var remaining = Quantity + signed;
        if (remaining == 0m) return new PositionBook(0m, 0m, realized, fees);
        // Same sign as before: a partial close keeps the average; otherwise the position flipped and
        // the remainder opens at the fill price.
        return Math.Sign(remaining) == Math.Sign(Quantity)
            ? new PositionBook(remaining, AveragePrice, realized, fees)
            : new PositionBook(remaining, price, realized, fees);
    }

    /// <summary>Unrealized PnL at <paramref name="markPrice"/> (zero without a mark or when flat).</summary>
    public decimal Unrealized(decimal? markPrice) => markPrice is { } mark && Quantity != 0m ? Quantity * (mark - AveragePrice) : 0m;
}
