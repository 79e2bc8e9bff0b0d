namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// A way of telling the outside world about alerts. Each configured notifier gets its own delivery of every alert
/// (a row in the delivery store, named by <see cref="Name"/>), retried and reported on its own.
/// </summary>
public interface INotifier
{
    /// <summary>Stable name stored with each delivery, e.g. <c>webhook</c>.</summary>
    string Name { get; }

    /// <summary>One attempt. Never throws for a receiver's failure: it is described in the result.</summary>
    Task<NotificationResult> Send(Notification notification, CancellationToken cancellationToken);
}

/// <summary>What a notifier sends: the delivery's id (stable across retries), its event name and its JSON body.</summary>
public sealed record Notification(string DeliveryId, string Event, string Payload, int Attempt);

/// <summary>The outcome of one attempt. <see cref="Retryable"/> false ends the delivery as failed at once.</summary>
public sealed record NotificationResult(bool Delivered, int? StatusCode, string? Error, bool Retryable)
{
    public static NotificationResult Success(int statusCode) => new(true, statusCode, null, false);
}
