using Prometheus;
using TradingPlatform.Orders;

namespace TradingPlatform.Common;

/// <summary>
/// Domain metrics, exported on <c>/metrics</c> of the process that runs the grains (the silo, or the
/// embedded API): e.g. <c>tradingplatform_order_rejections_total{reason="max_notional"}</c>.
/// </summary>
public static class TradingMetrics
{
    private static readonly Counter OrdersPlaced = Metrics.CreateCounter("tradingplatform_orders_total", "Orders placed, by outcome status", "status");
    private static readonly Counter Rejections = Metrics.CreateCounter("tradingplatform_order_rejections_total", "Orders refused by pre-trade risk, by reason", "reason");
    private static readonly Counter FillsJournaled = Metrics.CreateCounter("tradingplatform_fills_total", "Fills journaled, by source", "source");
    private static readonly Counter DuplicateFills = Metrics.CreateCounter("tradingplatform_duplicate_fills_total", "Fills acknowledged as duplicates (not applied again)");
    private static readonly Counter Ticks = Metrics.CreateCounter("tradingplatform_ticks_total", "Market ticks accepted");
    private static readonly Counter KillSwitchChanges = Metrics.CreateCounter("tradingplatform_kill_switch_changes_total", "Kill-switch changes, by scope and state", "scope", "state");
    private static readonly Histogram EngageSeconds = Metrics.CreateHistogram("tradingplatform_kill_switch_engage_seconds",
        "Time from a kill-switch change request to every live strategy holding it", new HistogramConfiguration
        {
            LabelNames = ["scope"],
            Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14),
        });

    /// <summary>Every reason and status starts at 0, so dashboards and alert rules see the series before the first event.</summary>
    public static void Initialize()
    {
        foreach (var reason in Enum.GetValues<RejectReason>()) Rejections.WithLabels(WireNames.Of(reason)).IncTo(0);
        foreach (var status in Enum.GetValues<OrderStatus>()) OrdersPlaced.WithLabels(WireNames.Of(status)).IncTo(0);
    }

    public static void OrderPlaced(OrderSnapshot order)
    {
        OrdersPlaced.WithLabels(WireNames.Of(order.Status)).Inc();
        if (order.RejectReason is { } reason) Rejections.WithLabels(WireNames.Of(reason)).Inc();
    }

    public static void FillJournaled(Positions.FillSource source, int count = 1) =>
        FillsJournaled.WithLabels(WireNames.Of(source)).Inc(count);

    public static void DuplicateFill() => DuplicateFills.Inc();

    public static void TicksAccepted(int count) => Ticks.Inc(count);

    public static void KillSwitchChanged(string scope, Risk.KillSwitchState state, TimeSpan elapsed)
    {
        var kind = scope == "global" ? "global" : "strategy";
        KillSwitchChanges.WithLabels(kind, WireNames.Of(state)).Inc();
        EngageSeconds.WithLabels(kind).Observe(elapsed.TotalSeconds);
    }
}
