using Orleans.Concurrency;
using TradingPlatform.Common;
using TradingPlatform.Positions;
using TradingPlatform.Risk;

namespace TradingPlatform.Orders;

/// <summary>
/// Read side of the journals (orders, fills, audit), for history lists. A stateless worker on every
/// silo: API nodes ask it instead of holding database connections of their own.
/// </summary>
[Alias("journal-reader")]
public interface IJournalReaderGrain : IGrainWithIntegerKey
{
    [Alias("fills")]
    Task<Page<Fill>> Fills(FillQuery query, PageRequest page);

    [Alias("orders")]
    Task<Page<OrderSnapshot>> Orders(OrderQuery query, PageRequest page);

    [Alias("order")]
    Task<OrderSnapshot?> Order(string orderId);
}

/// <summary>The audit log (a stateless worker): every admin action and automatic trip, who, what, when, before and after.</summary>
[Alias("audit")]
public interface IAuditGrain : IGrainWithIntegerKey
{
    /// <summary>Appends a record; <paramref name="beforeJson"/> and <paramref name="afterJson"/> are JSON objects (or null).</summary>
    [Alias("record")]
    Task<AuditRecord> Record(string actor, string action, string target, string? beforeJson, string? afterJson);

    [Alias("query")]
    Task<Page<AuditRecord>> Query(AuditQuery query, PageRequest page);
}
