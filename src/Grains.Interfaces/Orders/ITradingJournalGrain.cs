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

    [Alias("audit")]
    Task<Page<AuditRecord>> Audit(AuditQuery query, PageRequest page);
}
