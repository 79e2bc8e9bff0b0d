using TradingPlatform.Orders;
using TradingPlatform.Positions;

namespace TradingPlatform.Storage;

/// <summary>
/// How the journals store enums (lowercase snake_case text, spelled out here so that renaming a C#
/// member cannot change stored data) and times (UTC, microsecond precision: what timestamptz keeps).
/// </summary>
public static class JournalCodes
{
    public static string ToCode(Side side) => side switch
    {
        Side.Buy => "buy",
        Side.Sell => "sell",
        _ => throw Unknown(side),
    };

    public static Side ParseSide(string code) => code switch
    {
        "buy" => Side.Buy,
        "sell" => Side.Sell,
        _ => throw UnknownCode<Side>(code),
    };

    public static string ToCode(OrderType type) => type switch
    {
        OrderType.Market => "market",
        OrderType.Limit => "limit",
        _ => throw Unknown(type),
    };

    public static OrderType ParseOrderType(string code) => code switch
    {
        "market" => OrderType.Market,
        "limit" => OrderType.Limit,
        _ => throw UnknownCode<OrderType>(code),
    };

    public static string ToCode(OrderStatus status) => status switch
    {
        OrderStatus.Open => "open",
        OrderStatus.PartiallyFilled => "partially_filled",
        OrderStatus.Filled => "filled",
        OrderStatus.Cancelled => "cancelled",
        OrderStatus.Rejected => "rejected",
        _ => throw Unknown(status),
    };

    public static OrderStatus ParseOrderStatus(string code) => code switch
    {
        "open" => OrderStatus.Open,
        "partially_filled" => OrderStatus.PartiallyFilled,
        "filled" => OrderStatus.Filled,
        "cancelled" => OrderStatus.Cancelled,
        "rejected" => OrderStatus.Rejected,
        _ => throw UnknownCode<OrderStatus>(code),
    };

    public static string ToCode(RejectReason reason) => reason switch
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

    public static RejectReason ParseRejectReason(string code) => code switch
    {
        "kill_switch_global" => RejectReason.KillSwitchGlobal,
        "kill_switch_strategy" => RejectReason.KillSwitchStrategy,
        "strategy_halted" => RejectReason.StrategyHalted,
        "max_order_quantity" => RejectReason.MaxOrderQuantity,
        "max_position" => RejectReason.MaxPosition,
        "max_notional" => RejectReason.MaxNotional,
        "price_collar" => RejectReason.PriceCollar,
        "order_rate" => RejectReason.OrderRate,
        "no_market_price" => RejectReason.NoMarketPrice,
        _ => throw UnknownCode<RejectReason>(code),
    };

    public static string ToCode(FillSource source) => source switch
    {
        FillSource.Paper => "paper",
        FillSource.External => "external",
        _ => throw Unknown(source),
    };

    public static FillSource ParseFillSource(string code) => code switch
    {
        "paper" => FillSource.Paper,
        "external" => FillSource.External,
        _ => throw UnknownCode<FillSource>(code),
    };

    /// <summary>UTC (offset zero), truncated to whole microseconds: exactly what a timestamptz column keeps.</summary>
    public static DateTimeOffset StoredTime(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    /// <summary>The order as the journal stores it (times normalized by <see cref="StoredTime"/>).</summary>
    public static OrderSnapshot Stored(OrderSnapshot order) =>
        order with { CreatedAtUtc = StoredTime(order.CreatedAtUtc), UpdatedAtUtc = StoredTime(order.UpdatedAtUtc) };

    /// <summary>The fill as the journal stores it (time normalized by <see cref="StoredTime"/>), not yet sequenced in the journal.</summary>
    public static Fill Stored(Fill fill) => fill with { ExecutedAtUtc = StoredTime(fill.ExecutedAtUtc), JournalSequence = 0 };

    /// <summary>
    /// The checks every journal makes before accepting a unit: a unit must not contradict itself (two of
    /// its fills with one fillId or one position sequence could never be written).
    /// </summary>
    public static void Validate(JournalUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(unit.OrderUpdates, nameof(unit));
        ArgumentNullException.ThrowIfNull(unit.Fills, nameof(unit));
        if (unit.Fills.Count < 2) return;
        var fillIds = new HashSet<string>(StringComparer.Ordinal);
        var positions = new HashSet<(string, string, long)>();
        foreach (var fill in unit.Fills)
        {
            if (!fillIds.Add(fill.FillId))
                throw new ArgumentException($"The unit has two fills with fillId '{fill.FillId}'.", nameof(unit));
            if (!positions.Add((fill.StrategyId, fill.Symbol, fill.Sequence)))
                throw new ArgumentException($"The unit has two fills with sequence {fill.Sequence} of {fill.StrategyId}/{fill.Symbol}.", nameof(unit));
        }
    }

    private static ArgumentOutOfRangeException Unknown<T>(T value) where T : struct, Enum =>
        new(nameof(value), value, $"No stored code for {typeof(T).Name}.{value}.");

    private static InvalidOperationException UnknownCode<T>(string code) =>
        new($"Unknown stored {typeof(T).Name} code '{code}'.");
}
