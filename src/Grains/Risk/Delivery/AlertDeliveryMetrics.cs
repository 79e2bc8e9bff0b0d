using Prometheus;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// Alert delivery on <c>/metrics</c> of the process that runs the grains (a silo, or the embedded API):
/// <c>tradingplatform_alert_deliveries_total{outcome}</c> (<c>delivered</c>, <c>retried</c>: an attempt failed and
/// another is scheduled, <c>failed</c>: given up, <c>dropped</c>: queue full, <c>enqueue_failed</c>: the store refused
/// the new delivery and the alert grain will enqueue it again), the pending queue depth and per-attempt latency.
/// </summary>
public static class AlertDeliveryMetrics
{
    public static readonly IReadOnlyList<string> Outcomes = ["delivered", "retried", "failed", "dropped", "enqueue_failed"];

    private static readonly Counter Deliveries = Metrics.CreateCounter("tradingplatform_alert_deliveries_total",
        "Alert deliveries by outcome (delivered, retried, failed, dropped, enqueue_failed)", "outcome");

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

    public static void Initialize()
    {
        foreach (var outcome in Outcomes) Deliveries.WithLabels(outcome).IncTo(0);
    }

    public static void Outcome(string outcome, int count = 1) => Deliveries.WithLabels(outcome).Inc(count);

    public static void Depth(long pending) => QueueDepth.Set(pending);

    public static void Attempt(string notifier, TimeSpan elapsed) => AttemptSeconds.WithLabels(notifier).Observe(elapsed.TotalSeconds);

    public static void Delivered(string notifier, TimeSpan sinceRaised) => DeliveredAfterSeconds.WithLabels(notifier).Observe(Math.Max(sinceRaised.TotalSeconds, 0));
}
