using TradingPlatform.Portfolio;

namespace TradingPlatform.Api.Portfolio;

/// <summary><c>GET /v1/metrics/summary</c>: the portfolio read model, from memory.</summary>
public static class SummaryEndpoints
{
    public static RouteGroupBuilder MapSummaryEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/metrics/summary", Summary).WithTags("Portfolio").WithName("GetSummary")
            .WithSummary("Equity, PnL, exposure, open positions, strategies by status, kill switch and rolling windows (1m, 5m, session)")
            .WithDescription("Served from the portfolio grain's memory, kept current by the PnL and strategy streams. equity = Risk:StartingEquity + total PnL; pnl.daily and windows.session are measured from the start of the UTC day; windows count fills and traded notional.");
        return v1;
    }

    private static Task<PortfolioSummary> Summary(IGrainFactory grains) => grains.GetGrain<IPortfolioGrain>(IPortfolioGrain.Key).Summary();
}
