using TradingPlatform.Orders;

namespace TradingPlatform.Execution;

/// <summary>
/// The price and fee of a simulated fill, shared by live paper execution (<see cref="PaperVenue"/>) and the
/// backtest engine (<c>TradingPlatform.Backtesting.BacktestEngine</c>), so that a strategy pays exactly the
/// same, to the last digit, in both.
/// </summary>
/// <remarks>
/// The arithmetic order is part of the contract: decimal results depend on it in their last digits, and the
/// parity test between backtests and live trading compares them exactly. Prices and fees are rounded to
/// <see cref="Decimals"/> places with banker's rounding (<see cref="MidpointRounding.ToEven"/>), which has no
/// bias over many fills.
/// </remarks>
public static class FillPricing
{
    /// <summary>Basis points in one unit (100 % = 10,000 bps).</summary>
    public const decimal BpsPerUnit = 10_000m;

    /// <summary>Decimal places of a fill's price and fee.</summary>
    public const int Decimals = 8;

    /// <summary>
    /// <paramref name="reference"/> moved against the order by <paramref name="slippageBps"/>: up for a buy,
    /// down for a sell. Not rounded (a limit order caps this before rounding).
    /// </summary>
    public static decimal Slipped(Side side, decimal reference, decimal slippageBps) => side == Side.Buy
        ? reference * (1m + slippageBps / BpsPerUnit)
        : reference * (1m - slippageBps / BpsPerUnit);

    /// <summary>A fill price as it is booked: rounded to <see cref="Decimals"/> places, half to even.</summary>
    public static decimal RoundPrice(decimal price) => Math.Round(price, Decimals, MidpointRounding.ToEven);

    /// <summary>The fee of a fill: <paramref name="feeBps"/> of its notional (quantity × booked price), rounded to <see cref="Decimals"/> places, half to even.</summary>
    public static decimal Fee(decimal quantity, decimal price, decimal feeBps) =>
        Math.Round(quantity * price * feeBps / BpsPerUnit, Decimals, MidpointRounding.ToEven);

    /// <summary>
    /// A market order filled whole against <paramref name="reference"/> (live: the last price; backtest: the
    /// next bar's open): the slipped, rounded price and the fee on it.
    /// </summary>
    public static (decimal Price, decimal Fee) Market(Side side, decimal quantity, decimal reference, decimal slippageBps, decimal feeBps)
    {
        var price = RoundPrice(Slipped(side, reference, slippageBps));
        return (price, Fee(quantity, price, feeBps));
    }
}
