using TradingPlatform.Orders;
using TradingPlatform.Risk;

namespace TradingPlatform.Common;

/// <summary>The lowercase snake_case names enums have on the wire, in metrics and in messages.</summary>
public static class WireNames
{
    public static string Of(RejectReason reason) => reason switch
    {
        RejectReason.KillSwitchGlobal => "kill_switch_global",
        RejectReason.KillSwitchStrategy => "kill_switch_strategy",
        RejectReason.StrategyHalted => "strategy_halted",
        RejectReason.MaxOrderQuantity => "max_order_quantity",
        RejectReason.MaxPosition => "max_position",
        RejectReason.MaxNotional => "max_notional",
        RejectReason.PriceCollar => "price_collar",
        RejectReason.OrderRate => "order_rate",
        RejectReason.NoMarketPrice => "no_market_price",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static string Of(OrderStatus status) => status switch
    {
        OrderStatus.Open => "open",
        OrderStatus.PartiallyFilled => "partially_filled",
        OrderStatus.Filled => "filled",
        OrderStatus.Cancelled => "cancelled",
        OrderStatus.Rejected => "rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static string Of(KillSwitchState state) => state switch
    {
        KillSwitchState.Active => "active",
        KillSwitchState.Reducing => "reducing",
        KillSwitchState.Halted => "halted",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
