using System.Collections.Frozen;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Risk;

namespace TradingPlatform.Common;

/// <summary>
/// The one table of the lowercase snake_case names enums have on the wire, in the journals, in metrics and
/// in messages. Spelled out, so that renaming a C# member can change neither stored data nor the contract.
/// </summary>
public static class WireNames
{
    public static string Of(Side side) => side switch
    {
        Side.Buy => "buy",
        Side.Sell => "sell",
        _ => throw Unknown(side),
    };

    public static string Of(OrderType type) => type switch
    {
        OrderType.Market => "market",
        OrderType.Limit => "limit",
        _ => throw Unknown(type),
    };

    public static string Of(OrderStatus status) => status switch
    {
        OrderStatus.Open => "open",
        OrderStatus.PartiallyFilled => "partially_filled",
        OrderStatus.Filled => "filled",
        OrderStatus.Cancelled => "cancelled",
        OrderStatus.Rejected => "rejected",
        _ => throw Unknown(status),
    };

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
        _ => throw Unknown(reason),
    };

    public static string Of(FillSource source) => source switch
    {
        FillSource.Paper => "paper",
        FillSource.External => "external",
        _ => throw Unknown(source),
    };

    public static string Of(KillSwitchState state) => state switch
    {
        KillSwitchState.Active => "active",
        KillSwitchState.Reducing => "reducing",
        KillSwitchState.Halted => "halted",
        _ => throw Unknown(state),
    };

    public static string Of(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Info => "info",
        AlertSeverity.Warning => "warning",
        AlertSeverity.Critical => "critical",
        _ => throw Unknown(severity),
    };

    public static string Of(Backtesting.BacktestStatus status) => status switch
    {
        Backtesting.BacktestStatus.Queued => "queued",
        Backtesting.BacktestStatus.Running => "running",
        Backtesting.BacktestStatus.Completed => "completed",
        Backtesting.BacktestStatus.Failed => "failed",
        Backtesting.BacktestStatus.Cancelled => "cancelled",
        _ => throw Unknown(status),
    };

    /// <summary>The value with this name; false for any other text.</summary>
    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum
    {
        value = default;
        return name is not null && Table<T>.ByName.TryGetValue(name, out value);
    }

    /// <summary>Every name of <typeparamref name="T"/>, in declaration order (for messages listing what is allowed).</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => Table<T>.Names;

    private static class Table<T> where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> Names = Enum.GetValues<T>().Select(NameOf).ToArray();

        public static readonly FrozenDictionary<string, T> ByName =
            Enum.GetValues<T>().ToFrozenDictionary(NameOf, v => v, StringComparer.Ordinal);

        private static string NameOf(T value) => value switch
        {
            Side v => Of(v),
            OrderType v => Of(v),
            OrderStatus v => Of(v),
            RejectReason v => Of(v),
            FillSource v => Of(v),
            KillSwitchState v => Of(v),
            AlertSeverity v => Of(v),
            Backtesting.BacktestStatus v => Of(v),
            _ => throw new NotSupportedException($"{typeof(T).Name} has no wire names."),
        };
    }

    private static ArgumentOutOfRangeException Unknown<T>(T value) where T : struct, Enum =>
        new(nameof(value), value, $"No wire name for {typeof(T).Name}.{value}.");
}
