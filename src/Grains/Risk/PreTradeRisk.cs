using System.Globalization;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;

namespace TradingPlatform.Risk;

/// <summary>Everything pre-trade risk looks at for one order, gathered from the strategy's memory.</summary>
public readonly record struct RiskContext(
    RiskControls Controls,
    StrategyStatus Status,
    StrategyRisk Limits,
    decimal PositionQuantity,
    decimal WorkingBuyQuantity,
    decimal WorkingSellQuantity,
    decimal? LastPrice,
    int OrdersInLastSecond,
    int MaxOrdersPerSecond,
    decimal PriceCollarPercent);

/// <summary>Refused orders carry the first failing check's reason and a sentence for humans.</summary>
public readonly record struct RiskVerdict(RejectReason? Reason, string? Detail)
{
    public static readonly RiskVerdict Accept = new(null, null);

    public bool Accepted => Reason is null;
}

/// <summary>
/// Pre-trade risk, pure and ordered: kill switch (global, then strategy), strategy halted, order rate,
/// max order quantity, max position after fill, market price present, max notional, price collar.
/// The first failing check decides. Orders of a strategy are checked one at a time by its grain, so the
/// context is exact: working orders count against the position as if they all filled.
/// </summary>
public static class PreTradeRisk
{
    public static RiskVerdict Check(OrderSpec order, in RiskContext context)
    {
        var reducing = Reduces(order, context);
        switch (context.Controls.Global)
        {
            case KillSwitchState.Halted:
                return Reject(RejectReason.KillSwitchGlobal, "The global kill switch is halted: no new orders.");
            case KillSwitchState.Reducing when !reducing:
                return Reject(RejectReason.KillSwitchGlobal, "The global kill switch is reducing: only orders that shrink an existing position are accepted.");
        }
        switch (context.Controls.Strategy)
        {
            case KillSwitchState.Halted:
                return Reject(RejectReason.KillSwitchStrategy, "This strategy's kill switch is halted: no new orders.");
            case KillSwitchState.Reducing when !reducing:
                return Reject(RejectReason.KillSwitchStrategy, "This strategy's kill switch is reducing: only orders that shrink an existing position are accepted.");
        }
        if (context.Status == StrategyStatus.Halted)
            return Reject(RejectReason.StrategyHalted, "The strategy is halted; it is released through /v1/controls/kill-switch.");
        if (context.OrdersInLastSecond >= context.MaxOrdersPerSecond)
            return Reject(RejectReason.OrderRate, Format($"The strategy already sent {context.OrdersInLastSecond} orders in the last second (limit {context.MaxOrdersPerSecond})."));
        if (order.Quantity > context.Limits.MaxOrderQuantity)
            return Reject(RejectReason.MaxOrderQuantity, Format($"Quantity {order.Quantity} exceeds the strategy's maxOrderQuantity {context.Limits.MaxOrderQuantity}."));

        // Worst case: every working order on this side fills too.
        var signed = order.Side == Side.Buy ? order.Quantity : -order.Quantity;
        var worst = order.Side == Side.Buy
            ? context.PositionQuantity + context.WorkingBuyQuantity + signed
            : context.PositionQuantity - context.WorkingSellQuantity + signed;
        if (Math.Abs(worst) > context.Limits.MaxPositionQuantity && Math.Abs(worst) > Math.Abs(context.PositionQuantity))
            return Reject(RejectReason.MaxPosition, Format($"The position could reach {worst} (with working orders), beyond maxPositionQuantity {context.Limits.MaxPositionQuantity}."));

        if (context.LastPrice is not { } last)
            return Reject(RejectReason.NoMarketPrice, $"No market price for {order.Symbol} yet.");
        var price = order.Type == OrderType.Limit ? order.LimitPrice!.Value : last;
        var notional = order.Quantity * price;
        if (notional > context.Limits.MaxNotional)
            return Reject(RejectReason.MaxNotional, Format($"Notional {notional} exceeds the strategy's maxNotional {context.Limits.MaxNotional}."));
        if (order.Type == OrderType.Limit)
        {
            var distance = Math.Abs(price - last) / last * 100m;
            if (distance > context.PriceCollarPercent)
                return Reject(RejectReason.PriceCollar, Format($"Limit {price} is {Math.Round(distance, 2)}% from the last price {last} (collar {context.PriceCollarPercent}%)."));
        }
        return RiskVerdict.Accept;
    }

    /// <summary>True when the order can only shrink the position: opposite side, and with the working orders on its side no larger than the position.</summary>
    public static bool Reduces(OrderSpec order, in RiskContext context)
    {
        var position = context.PositionQuantity;
        if (position == 0m) return false;
        if (position > 0m) return order.Side == Side.Sell && order.Quantity + context.WorkingSellQuantity <= position;
        return order.Side == Side.Buy && order.Quantity + context.WorkingBuyQuantity <= -position;
    }

    private static RiskVerdict Reject(RejectReason reason, string detail) => new(reason, detail);

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
