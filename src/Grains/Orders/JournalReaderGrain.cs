using Orleans.Concurrency;
using TradingPlatform.Common;
using TradingPlatform.Positions;
using TradingPlatform.Risk;
using TradingPlatform.Storage;

namespace TradingPlatform.Orders;

/// <summary>History queries against the journals, run on whichever silo is at hand.</summary>
[GrainType("journal-reader"), StatelessWorker]
public sealed class JournalReaderGrain(ITradingJournal journal) : Grain, IJournalReaderGrain
{
    public Task<Page<Fill>> Fills(FillQuery query, PageRequest page) => journal.QueryFills(query, page);

    public Task<Page<OrderSnapshot>> Orders(OrderQuery query, PageRequest page) => journal.QueryOrders(query, page);

    public Task<OrderSnapshot?> Order(string orderId) => journal.GetOrder(orderId);
}

/// <summary>The audit log, on whichever silo is at hand.</summary>
[GrainType("audit"), StatelessWorker]
public sealed class AuditGrain(IAuditLog audit) : Grain, IAuditGrain
{
    public Task<AuditRecord> Record(string actor, string action, string target, string? beforeJson, string? afterJson) =>
        audit.Append(actor, action, target, beforeJson, afterJson);

    public Task<Page<AuditRecord>> Query(AuditQuery query, PageRequest page) => audit.Query(query, page);
}
