using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Common;
using TradingPlatform.Portfolio;
using TradingPlatform.Positions;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Positions;

/// <summary>
/// <c>/v1/positions</c>. One position is read from its grain (authoritative); the list comes from the
/// portfolio read model, which the PnL stream keeps current (milliseconds behind at most).
/// </summary>
public static class PositionEndpoints
{
    public static RouteGroupBuilder MapPositionEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/positions").WithTags("Positions");
        group.MapGet("/", List).WithName("ListPositions").WithSummary("Positions in (strategy, symbol) order; filters strategyId, symbol");
        group.MapGet("/{strategyId}/{symbol}", Get).WithName("GetPosition").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<Page<PositionSnapshot>>, ValidationProblem>> List(
        string? strategyId, string? symbol, int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        if (!Paging.TryCreate(page, perPage, out var request, out var errors)) return TypedResults.ValidationProblem(errors);
        var positions = await grains.GetGrain<IPortfolioGrain>(IPortfolioGrain.Key)
            .Positions(strategyId, symbol is null ? null : StrategyRules.NormalizeSymbol(symbol), request);
        return TypedResults.Ok(positions);
    }

    private static async Task<Results<Ok<PositionSnapshot>, ProblemHttpResult>> Get(string strategyId, string symbol, IGrainFactory grains)
    {
        symbol = StrategyRules.NormalizeSymbol(symbol);
        var position = StrategyRules.IsValidId(strategyId) && !symbol.Contains('/', StringComparison.Ordinal)
            ? await grains.GetGrain<IPositionGrain>(PositionKey.Of(strategyId, symbol)).Get()
            : null;
        return position is null || position.IsEmpty
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Position not found",
                detail: $"Strategy '{Wire.Shorten(strategyId)}' has no fills in '{Wire.Shorten(symbol)}'.")
            : TypedResults.Ok(position);
    }
}
