using TradingPlatform.Common;

namespace TradingPlatform.Risk.Delivery;

/// <summary>A delivery to record: one alert for one notifier, with the exact body every attempt sends.</summary>
public sealed record NewAlertDelivery(string Id, string AlertId, string Notifier, string Event, string Payload, DateTimeOffset CreatedAtUtc);

/// <summary>A delivery a worker has claimed: <see cref="Attempt"/> is the number of this attempt (1 for the first).</summary>
public sealed record ClaimedAlertDelivery(string Id, string AlertId, string Notifier, string Event, string Payload, int Attempt, DateTimeOffset CreatedAtUtc);

/// <summary>What an admin's resend of a delivery did (<see cref="IAlertDeliveryStore.Retry"/>).</summary>
public enum AlertDeliveryRetryOutcomeKind
{
    /// <summary>It was failed and is pending again: attempts reset, due at once.</summary>
    Retried,

    /// <summary>No delivery has that id (never recorded, or pruned).</summary>
    NotFound,

    /// <summary>It is not failed (pending, delivered or dropped): nothing was changed.</summary>
    NotFailed,
}

/// <summary>
/// The outcome of a resend: <see cref="Before"/> is the delivery as it was (null when not found), <see cref="After"/>
/// as it is now (null unless retried).
/// </summary>
public sealed record AlertDeliveryRetryOutcome(AlertDeliveryRetryOutcomeKind Kind, AlertDelivery? Before, AlertDelivery? After);

/// <summary>
/// The durable delivery queue and its history (Postgres table <c>alert_deliveries</c>, migration 0009; memory when
/// embedded). Every silo's worker claims due rows; a claim hides a row from the other silos for a lease, so an alert
/// is sent by one silo at a time, and a silo that dies mid-attempt only delays the retry until its lease ends.
/// </summary>
public interface IAlertDeliveryStore
{
    /// <summary>
    /// Records pending deliveries, idempotently per (alert, notifier). If more than <paramref name="maxPending"/>
    /// are then pending, the oldest are marked dropped. Returns how many were dropped.
    /// </summary>
    Task<int> Enqueue(IReadOnlyList<NewAlertDelivery> deliveries, int maxPending, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="limit"/> pending deliveries due at <paramref name="now"/>, oldest first: counts the
    /// attempt and pushes their next attempt to <c>now + lease</c> (so a lost worker's claim runs out by itself).
    /// </summary>
    Task<IReadOnlyList<ClaimedAlertDelivery>> Claim(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the outcome of a claimed attempt: delivered, failed, or pending again at <paramref name="nextAttemptAtUtc"/>.
    /// Ignored (false) when the claim is stale (another worker has since claimed the delivery, or it is no longer pending).
    /// </summary>
    Task<bool> Complete(string id, int attempt, AlertDeliveryStatus status, int? statusCode, string? error,
        DateTimeOffset at, DateTimeOffset? nextAttemptAtUtc, CancellationToken cancellationToken = default);

    /// <summary>Gives a claimed delivery back unattempted (this silo is stopping): due at once, the attempt not counted.</summary>
    Task Release(string id, int attempt, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<Page<AlertDelivery>> List(AlertDeliveryQuery query, PageRequest page, CancellationToken cancellationToken = default);

    Task<long> CountPending(CancellationToken cancellationToken = default);

    /// <summary>
    /// An admin's resend: a <c>failed</c> delivery becomes <c>pending</c> again with its attempts reset to 0 and its next
    /// attempt at <paramref name="now"/> (its last status code and error stay until the next attempt replaces them).
    /// Any other status is left alone (<see cref="AlertDeliveryRetryOutcomeKind.NotFailed"/>). Atomic per delivery.
    /// </summary>
    Task<AlertDeliveryRetryOutcome> Retry(string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Retention: deletes up to <paramref name="limit"/> finished deliveries (delivered, failed, dropped) that finished
    /// before <paramref name="finishedBefore"/> (delivered: <c>deliveredAt</c>; failed: the last attempt; dropped: the
    /// last attempt, or when it was recorded), oldest first. Never a pending delivery, claimed or not. Returns how many.
    /// </summary>
    Task<int> Prune(DateTimeOffset finishedBefore, int limit, CancellationToken cancellationToken = default);
}
