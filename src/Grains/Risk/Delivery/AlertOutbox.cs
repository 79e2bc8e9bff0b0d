using System.Text.Json;
using System.Threading.Channels;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// Turns a raised alert into one pending delivery per configured notifier (none configured: nothing happens) and
/// wakes this silo's worker. The alert grain calls it after the alert is stored; sending happens later, on the
/// worker, never in the grain's turn or the request that raised the alert.
/// </summary>
public sealed class AlertOutbox(IEnumerable<INotifier> notifiers, IAlertDeliveryStore store, IOptions<AlertDeliveryOptions> options,
    TimeProvider clock, AlertDeliverySignal signal)
{
    public const string RaisedEvent = "alert.raised";

    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    private readonly string[] _notifiers = notifiers.Select(n => n.Name).ToArray();

    public bool Enabled => _notifiers.Length > 0;

    public async Task Enqueue(IReadOnlyList<Alert> alerts)
    {
        if (!Enabled || alerts.Count == 0) return;
        var now = clock.GetUtcNow();
        // An alert older than the retention is not enqueued: its delivery may have been pruned already (an activation
        // re-enqueues alerts whose hand-over was not yet persisted), and a new row would send it a second time.
        var retainedSince = now - options.Value.Retention;
        var deliveries = alerts.Where(alert => alert.RaisedAtUtc >= retainedSince).SelectMany(alert => _notifiers.Select(notifier =>
        {
            var id = "dlv_" + Guid.CreateVersion7().ToString("N");
            return new NewAlertDelivery(id, alert.Id, notifier, RaisedEvent, Payload(id, alert), now);
        })).ToList();
        if (deliveries.Count == 0) return;
        var dropped = await store.Enqueue(deliveries, options.Value.MaxPending);
        if (dropped > 0) AlertDeliveryMetrics.Outcome("dropped", dropped);
        signal.Wake();
    }

    /// <summary>The body of every attempt: <c>{"deliveryId", "event", "alert": {…as GET /v1/alerts shows it}}</c>.</summary>
    public static string Payload(string deliveryId, Alert alert) =>
        JsonSerializer.Serialize(new AlertWebhookBody(deliveryId, RaisedEvent, alert), PayloadJson);

    private sealed record AlertWebhookBody(string DeliveryId, string Event, Alert Alert);
}

/// <summary>Wakes this silo's delivery worker when an alert was enqueued here (other silos find it by polling).</summary>
public sealed class AlertDeliverySignal
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Returns when woken or after <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task Wait(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        try
        {
            await _wake.Reader.ReadAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed without a wake-up: look for due deliveries anyway.
        }
    }
}
