using TradingPlatform.Common;

namespace TradingPlatform.Risk.Delivery;

/// <summary>The delivery store of embedded mode: one process, so a lock is the whole claim protocol. Not durable.</summary>
public sealed class InMemoryAlertDeliveryStore : IAlertDeliveryStore
{
    private readonly Lock _gate = new();
    private readonly List<Row> _rows = []; // oldest first
    private readonly HashSet<(string AlertId, string Notifier)> _keys = [];

    public Task<int> Enqueue(IReadOnlyList<NewAlertDelivery> deliveries, int maxPending, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var d in deliveries)
            {
                if (!_keys.Add((d.AlertId, d.Notifier))) continue;
                _rows.Add(new Row
                {
                    Id = d.Id, AlertId = d.AlertId, Notifier = d.Notifier, Event = d.Event, Payload = d.Payload,
                    CreatedAtUtc = d.CreatedAtUtc, NextAttemptAtUtc = d.CreatedAtUtc,
                });
            }
            var pending = _rows.Where(r => r.Status == AlertDeliveryStatus.Pending).ToList();
            var excess = pending.Count - maxPending;
            foreach (var row in pending.Take(Math.Max(excess, 0)))
            {
                row.Status = AlertDeliveryStatus.Dropped;
                row.NextAttemptAtUtc = null;
                row.LastError = "Dropped: the delivery queue was full";
            }
            return Task.FromResult(Math.Max(excess, 0));
        }
    }

    public Task<IReadOnlyList<ClaimedAlertDelivery>> Claim(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var due = _rows.Where(r => r.Status == AlertDeliveryStatus.Pending && r.NextAttemptAtUtc <= now).Take(limit).ToList();
            foreach (var row in due)
            {
                row.Attempts++;
                row.LastAttemptAtUtc = now;
                row.NextAttemptAtUtc = now + lease;
            }
            return Task.FromResult<IReadOnlyList<ClaimedAlertDelivery>>(due
                .Select(r => new ClaimedAlertDelivery(r.Id, r.AlertId, r.Notifier, r.Event, r.Payload, r.Attempts, r.CreatedAtUtc)).ToList());
        }
    }

    public Task<bool> Complete(string id, int attempt, AlertDeliveryStatus status, int? statusCode, string? error,
        DateTimeOffset at, DateTimeOffset? nextAttemptAtUtc, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var row = _rows.Find(r => r.Id == id);
            if (row is null || row.Attempts != attempt || row.Status != AlertDeliveryStatus.Pending) return Task.FromResult(false);
            row.Status = status;
            row.LastStatusCode = statusCode;
            row.LastError = error;
            row.NextAttemptAtUtc = status == AlertDeliveryStatus.Pending ? nextAttemptAtUtc : null;
            if (status == AlertDeliveryStatus.Delivered) row.DeliveredAtUtc = at;
            return Task.FromResult(true);
        }
    }

    public Task Release(string id, int attempt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var row = _rows.Find(r => r.Id == id);
            if (row is not null && row.Attempts == attempt && row.Status == AlertDeliveryStatus.Pending)
            {
                row.Attempts--;
                row.NextAttemptAtUtc = now;
            }
            return Task.CompletedTask;
        }
    }

    public Task<Page<AlertDelivery>> List(AlertDeliveryQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var matching = _rows.AsEnumerable().Reverse()
                .Where(r => (query.Status is null || r.Status == query.Status) && (query.AlertId is null || r.AlertId == query.AlertId)).ToList();
            var items = matching.Skip((int)Math.Min(page.Skip, int.MaxValue)).Take(page.PerPage).Select(r => r.ToDelivery()).ToArray();
            return Task.FromResult(new Page<AlertDelivery>(items, page.Page, page.PerPage, matching.Count));
        }
    }

    public Task<long> CountPending(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult((long)_rows.Count(r => r.Status == AlertDeliveryStatus.Pending));
    }

    public Task<AlertDeliveryRetryOutcome> Retry(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var row = _rows.Find(r => r.Id == id);
            if (row is null) return Task.FromResult(new AlertDeliveryRetryOutcome(AlertDeliveryRetryOutcomeKind.NotFound, null, null));
            var before = row.ToDelivery();
            if (row.Status != AlertDeliveryStatus.Failed)
                return Task.FromResult(new AlertDeliveryRetryOutcome(AlertDeliveryRetryOutcomeKind.NotFailed, before, null));
            row.Status = AlertDeliveryStatus.Pending;
            row.Attempts = 0;
            row.NextAttemptAtUtc = now;
            return Task.FromResult(new AlertDeliveryRetryOutcome(AlertDeliveryRetryOutcomeKind.Retried, before, row.ToDelivery()));
        }
    }

    public Task<int> Prune(DateTimeOffset finishedBefore, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var old = _rows.Where(r => r.Status != AlertDeliveryStatus.Pending && r.FinishedAtUtc < finishedBefore).Take(limit).ToList();
            foreach (var row in old)
            {
                _rows.Remove(row);
                _keys.Remove((row.AlertId, row.Notifier));
            }
            return Task.FromResult(old.Count);
        }
    }

    private sealed class Row
    {
        public required string Id { get; init; }
        public required string AlertId { get; init; }
        public required string Notifier { get; init; }
        public required string Event { get; init; }
        public required string Payload { get; init; }
        public required DateTimeOffset CreatedAtUtc { get; init; }
        public AlertDeliveryStatus Status { get; set; }
        public int Attempts { get; set; }
        public DateTimeOffset? LastAttemptAtUtc { get; set; }
        public DateTimeOffset? NextAttemptAtUtc { get; set; }
        public DateTimeOffset? DeliveredAtUtc { get; set; }
        public int? LastStatusCode { get; set; }
        public string? LastError { get; set; }

        /// <summary>When a finished delivery finished (retention counts from it); the same rule as the Postgres store.</summary>
        public DateTimeOffset FinishedAtUtc => DeliveredAtUtc ?? LastAttemptAtUtc ?? CreatedAtUtc;

        public AlertDelivery ToDelivery() => new(Id, AlertId, Notifier, Event, Status, Attempts, CreatedAtUtc, LastAttemptAtUtc,
            NextAttemptAtUtc, DeliveredAtUtc, LastStatusCode, LastError);
    }
}
