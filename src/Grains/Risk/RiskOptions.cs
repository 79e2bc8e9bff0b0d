using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Risk;

/// <summary>Cluster-wide pre-trade risk settings (section <c>Risk</c>); per-strategy limits live in each strategy's <c>risk</c>.</summary>
public sealed class RiskOptions
{
    public const string SectionName = "Risk";

    /// <summary>A portfolio loss for the UTC day beyond this halts everything (global kill switch). 0 turns the trip off.</summary>
    [Range(0, double.MaxValue)]
    public decimal MaxPortfolioDailyLoss { get; set; }

    /// <summary>A limit price further than this percentage from the last price is refused (<c>price_collar</c>).</summary>
    [Range(0.01, 1000)]
    public decimal PriceCollarPercent { get; set; } = 10m;

    /// <summary>Orders one strategy may submit per second before <c>order_rate</c> refuses them.</summary>
    [Range(1, 10_000_000)]
    public int MaxOrdersPerSecondPerStrategy { get; set; } = 1_000;

    /// <summary>Risk rejections each strategy keeps in memory for <c>GET /v1/strategies/{id}/diagnostics</c> (newest first).</summary>
    [Range(1, 1_000)]
    public int RecentRejectionsPerStrategy { get; set; } = 20;

    /// <summary>Equity before any PnL, for the portfolio summary.</summary>
    [Range(0, double.MaxValue)]
    public decimal StartingEquity { get; set; } = 1_000_000m;
}

/// <summary>Who automatic kill-switch changes are attributed to in alerts and the audit log.</summary>
public static class KillSwitchActors
{
    public const string StrategyTrip = "system:strategy-trip";
    public const string PortfolioTrip = "system:portfolio-trip";
}
