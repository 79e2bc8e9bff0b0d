using Prometheus;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// Alert delivery on <c>/metrics</c> of the process that runs the grains (a silo, or the embedded API):
/// <c>tradingplatform_alert_deliveries_total{outcome}</c> (<c>delivered</c>, <c>retried</c>: an attempt failed and
/// another is scheduled, <c>failed</c>: given up, <c>dropped</c>: queue full, <c>enqueue_failed</c>: the store refused
/// the new delivery and the alert grain will enqueue it again; <c>resent</c>: an admin put a failed delivery back to
/// pending, counted by the API node that served the request), the pending queue depth, per-attempt latency and the
/// finished deliveries deleted by retention.
/// </summary>
public static class AlertDeliveryMetrics
{
    public static readonly IReadOnlyList<string> Outcomes = ["delivered", "retried", "failed", "dropped", "enqueue_failed", "resent"];

    private static readonly Counter Deliveries = Metrics.CreateCounter("tradingplatform_alert_deliveries_total",
        "Alert deliveries by outcome (delivered, retried, failed, dropped, enqueue_failed, resent)", "outcome");

    private static readonly Counter Pruned = Metrics.CreateCounter("tradingplatform_alert_deliveries_pruned_total",
        "Finished alert deliveries deleted by retention (Alerts:RetainDays)");

    private static readonly Gauge QueueDepth = Metrics.CreateGauge("tradingplatform_alert_delivery_queue_depth",
        "Alert deliveries pending (cluster-wide, as this silo's worker last counted them)");

    private static readonly Histogram AttemptSeconds = Metrics.CreateHistogram("tradingplatform_alert_delivery_attempt_seconds",
        "Duration of one delivery attempt (request to answer, or to the error)", new HistogramConfiguration
        {
            LabelNames = ["notifier"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });

    private static readonly Histogram DeliveredAfterSeconds = Metrics.CreateHistogram("tradingplatform_alert_delivery_latency_seconds",
        "Time from an alert being raised to its delivery being acknowledged by the receiver", new HistogramConfiguration
        {
            LabelNames = ["notifier"],
            Buckets = Histogram.ExponentialBuckets(0.005, 2, 18),
        });

    /// <summary>Exports every outcome from the start (at 0), so rate() and alert rules see the series before the first event.</summary>
    public static void Initialize()
    {
        foreach (var outcome in Outcomes) Deliveries.WithLabels(outcome).IncTo(0);
        Pruned.IncTo(0);
    }

    /// <summary>An API node: only the outcome it counts itself (<c>resent</c>).</summary>
    public static void InitializeResent() => Deliveries.WithLabels("resent").IncTo(0);

    public static void Resent() => Deliveries.WithLabels("resent").Inc();

    public static void PrunedCount(int count) => Pruned.Inc(count);

    public static void Outcome(string outcome, int count = 1) => Deliveries.WithLabels(outcome).Inc(count);

    public static void Depth(long pending) => QueueDepth.Set(pending);

    public static void Attempt(string notifier, TimeSpan elapsed) => AttemptSeconds.WithLabels(notifier).Observe(elapsed.TotalSeconds);

    public static void Delivered(string notifier, TimeSpan sinceRaised) => DeliveredAfterSeconds.WithLabels(notifier).Observe(Math.Max(sinceRaised.TotalSeconds, 0));
}
