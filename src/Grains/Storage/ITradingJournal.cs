using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;

namespace TradingPlatform.Storage;

/// <summary>
/// The system of record for orders and fills: Postgres in cluster mode (group commit), memory when
/// embedded. A <see cref="JournalUnit"/> is all-or-nothing; callers await it before they count anything.
/// </summary>
public interface ITradingJournal
{
    /// <summary>
    /// Writes one unit atomically. Nothing of the unit is written when its new order's
    /// (strategyId, clientOrderId) already exists, when one of its fills' fillId already exists, or when
    /// a fill's (strategyId, symbol, sequence) is taken; the result says which.
    /// </summary>
    Task<JournalResult> Commit(JournalUnit unit, CancellationToken cancellationToken = default);

    /// <summary>An order by its strategy and clientOrderId (the idempotency key), or null.</summary>
    Task<OrderSnapshot?> FindOrder(string strategyId, string clientOrderId, CancellationToken cancellationToken = default);

    Task<OrderSnapshot?> GetOrder(string orderId, CancellationToken cancellationToken = default);

    /// <summary>The strategy's working orders (open or partially filled), oldest first.</summary>
    Task<IReadOnlyList<OrderSnapshot>> WorkingOrders(string strategyId, CancellationToken cancellationToken = default);

    /// <summary>The strategy's most recent orders, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<OrderSnapshot>> RecentOrders(string strategyId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Number of orders the strategy has ever placed.</summary>
    Task<long> CountOrders(string strategyId, CancellationToken cancellationToken = default);

    /// <summary>Highest fill sequence per symbol for the strategy (symbols without fills are absent).</summary>
    Task<IReadOnlyDictionary<string, long>> PositionHeads(string strategyId, CancellationToken cancellationToken = default);

    /// <summary>Fills of one position with sequence greater than <paramref name="afterSequence"/>, ascending, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Fill>> FillsAfter(string strategyId, string symbol, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>Fill history, newest first (by journal sequence).</summary>
    Task<Page<Fill>> QueryFills(FillQuery query, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Orders, newest first (by creation).</summary>
    Task<Page<OrderSnapshot>> QueryOrders(OrderQuery query, PageRequest page, CancellationToken cancellationToken = default);
}

/// <summary>
/// One atomic write: optionally a new order (idempotent by strategy and clientOrderId), new states of
/// existing orders (upserted by orderId), and new fills (idempotent by fillId, unique by position sequence).
/// </summary>
public sealed record JournalUnit(OrderSnapshot? NewOrder, IReadOnlyList<OrderSnapshot> OrderUpdates, IReadOnlyList<Fill> Fills)
{
    public static JournalUnit ForOrder(OrderSnapshot order, params IReadOnlyList<Fill> fills) => new(order, [], fills);

    public static JournalUnit ForUpdates(IReadOnlyList<OrderSnapshot> orders, IReadOnlyList<Fill> fills) => new(null, orders, fills);
}

public enum JournalResultKind
{
    Committed = 0,

    /// <summary>The new order's clientOrderId exists for this strategy; <see cref="JournalResult.ExistingOrder"/> is the stored order.</summary>
    DuplicateOrder = 1,

    /// <summary>A fill's fillId exists; <see cref="JournalResult.ExistingFill"/> is the stored fill.</summary>
    DuplicateFill = 2,

    /// <summary>A fill's (strategy, symbol, sequence) is taken by another fill: the writer's view of the position is stale.</summary>
    SequenceTaken = 3,
}

/// <summary>
/// The outcome of <see cref="ITradingJournal.Commit"/>. When committed, <see cref="Fills"/> are the
/// unit's fills with their <see cref="Fill.JournalSequence"/> assigned.
/// </summary>
public sealed record JournalResult(
    JournalResultKind Kind,
    IReadOnlyList<Fill> Fills,
    OrderSnapshot? ExistingOrder = null,
    Fill? ExistingFill = null)
{
    public bool Committed => Kind == JournalResultKind.Committed;
}

/// <summary>Append-only record of admin actions and automatic trips (Postgres in cluster mode, memory when embedded).</summary>
public interface IAuditLog
{
    Task<TradingPlatform.Risk.AuditRecord> Append(string actor, string action, string target, string? beforeJson, string? afterJson, CancellationToken cancellationToken = default);

    /// <summary>Newest first.</summary>
    Task<Page<TradingPlatform.Risk.AuditRecord>> Query(TradingPlatform.Risk.AuditQuery query, PageRequest page, CancellationToken cancellationToken = default);
}
