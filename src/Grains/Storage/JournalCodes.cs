using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;

namespace TradingPlatform.Storage;

/// <summary>
/// How the journals store enums (their <see cref="WireNames"/>, so renaming a C# member cannot change
/// stored data) and times (UTC, microsecond precision: what timestamptz keeps).
/// </summary>
public static class JournalCodes
{
    public static string ToCode(Side side) => WireNames.Of(side);

    public static Side ParseSide(string code) => Parse<Side>(code);

    public static string ToCode(OrderType type) => WireNames.Of(type);

    public static OrderType ParseOrderType(string code) => Parse<OrderType>(code);

    public static string ToCode(OrderStatus status) => WireNames.Of(status);

    public static OrderStatus ParseOrderStatus(string code) => Parse<OrderStatus>(code);

    public static string ToCode(RejectReason reason) => WireNames.Of(reason);

    public static RejectReason ParseRejectReason(string code) => Parse<RejectReason>(code);

    public static string ToCode(FillSource source) => WireNames.Of(source);

    public static FillSource ParseFillSource(string code) => Parse<FillSource>(code);

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

    private static T Parse<T>(string code) where T : struct, Enum =>
        WireNames.TryParse<T>(code, out var value) ? value : throw new InvalidOperationException($"Unknown stored {typeof(T).Name} code '{code}'.");
}
