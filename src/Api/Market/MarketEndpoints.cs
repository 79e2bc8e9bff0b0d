using Microsoft.AspNetCore.Http.HttpResults;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Market;

public sealed record TickRequest(string? Symbol, decimal? Price, DateTimeOffset? Timestamp);

public sealed record TicksResponse(int Accepted, int Stale, IReadOnlyList<TickResult> Symbols);

/// <summary><c>/v1/market</c>: tick batches in, last prices out.</summary>
public static class MarketEndpoints
{
    public const int MaxBatch = 10_000;

    public static RouteGroupBuilder MapMarketEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/market").WithTags("Market");
        group.MapPost("/ticks", PostTicks).WithName("PostTicks").RequireAuthorization(Policies.Trader)
            .WithSummary($"A batch of up to {MaxBatch} ticks [{{symbol, price, timestamp}}]")
            .WithDescription("Each symbol's ticks are applied in the order given: they mark positions, fill resting limit orders and drive running strategies before the call returns. A tick older than the symbol's last one is counted as stale and ignored. The batch is validated whole: one bad tick refuses it all.");
        group.MapGet("/{symbol}", Get).WithName("GetMarket").WithSummary("Last price and time of a symbol").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<TicksResponse>, ValidationProblem>> PostTicks(List<TickRequest?> ticks, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (ticks.Count == 0) Wire.Add(errors, "$", "At least one tick is required.");
        if (ticks.Count > MaxBatch) Wire.Add(errors, "$", $"At most {MaxBatch} ticks per batch.");
        var parsed = new List<Tick>(ticks.Count);
        for (var i = 0; i < ticks.Count && errors.Count < 50; i++)
        {
            var tick = ticks[i];
            var symbol = tick?.Symbol is null ? null : StrategyRules.NormalizeSymbol(tick.Symbol);
            if (symbol is null || !StrategyRules.IsValidSymbol(symbol)) Wire.Add(errors, $"[{i}].symbol", "Required: 1-20 characters, A-Z, 0-9, '.', '_' or '-'.");
            // Capped like order and fill prices: a mark far above anything tradable overflowed the PnL of every position
            // in the symbol (decimal overflow, 500), and every later read of those strategies failed until the next tick.
            if (tick?.Price is not (> 0m and <= OrderRules.MaxPrice)) Wire.Add(errors, $"[{i}].price", $"Required: greater than 0 and at most {OrderRules.MaxPrice}.");
            if (tick?.Timestamp is null) Wire.Add(errors, $"[{i}].timestamp", "Required: ISO 8601 UTC.");
            if (errors.Count == 0) parsed.Add(new Tick(symbol!, tick!.Price!.Value, tick.Timestamp!.Value.ToUniversalTime()));
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The tick batch is not valid");

        var results = await Task.WhenAll(parsed.GroupBy(t => t.Symbol, StringComparer.Ordinal)
            .Select(g => grains.GetGrain<IMarketGrain>(g.Key).OnTicks(g.ToArray())));
        return TypedResults.Ok(new TicksResponse(results.Sum(r => r.Accepted), results.Sum(r => r.Stale), results));
    }

    private static async Task<Results<Ok<MarketSnapshot>, ProblemHttpResult>> Get(string symbol, IGrainFactory grains)
    {
        symbol = StrategyRules.NormalizeSymbol(symbol);
        var market = StrategyRules.IsValidSymbol(symbol) ? await grains.GetGrain<IMarketGrain>(symbol).Get() : null;
        return market?.Price is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No market data", detail: $"No tick has been received for '{Wire.Shorten(symbol)}'.")
            : TypedResults.Ok(market);
    }
}
