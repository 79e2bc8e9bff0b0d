using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Api.Orders;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Positions;

/// <summary>Body of <c>POST /v1/fills</c>: a fill reported by an external execution venue.</summary>
public sealed record RecordFillRequest(
    string? FillId,
    string? OrderId,
    string? StrategyId,
    string? Symbol,
    string? Side,
    decimal? Quantity,
    decimal? Price,
    decimal? Fee,
    DateTimeOffset? Timestamp);

/// <summary><c>/v1/fills</c>: the fills journal (newest first) and fills from external venues.</summary>
public static class FillEndpoints
{
    public static RouteGroupBuilder MapFillEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/fills").WithTags("Fills");
        group.MapGet("/", List).WithName("ListFills").WithSummary("The fills journal, newest first; filters strategyId, symbol, from, to (ISO 8601, inclusive)");
        group.MapPost("/", Record).WithName("RecordFill").RequireAuthorization(Policies.Trader)
            .WithSummary("Record a fill from an external venue; idempotent per fillId")
            .WithDescription("201 with the journaled fill (its position sequence assigned). A fillId already journaled is acknowledged with 200 and the stored fill, and is never applied twice.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<Results<Ok<Page<Fill>>, ValidationProblem>> List(
        string? strategyId, string? symbol, string? from, string? to, int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        Paging.TryCreate(page, perPage, out var request, out var errors);
        var fromUtc = Wire.Time(from, "from", errors);
        var toUtc = Wire.Time(to, "to", errors);
        if (fromUtc > toUtc) Wire.Add(errors, "to", "Must not be before 'from'.");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var query = new FillQuery(strategyId, symbol is null ? null : StrategyRules.NormalizeSymbol(symbol), fromUtc, toUtc);
        return TypedResults.Ok(await grains.JournalReader().Fills(query, request));
    }

    private static async Task<Results<Created<Fill>, Ok<Fill>, ValidationProblem, ProblemHttpResult>> Record(
        RecordFillRequest request, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!OrderRules.IsValidClientId(request.FillId)) Wire.Add(errors, "fillId", "Required: 1-64 characters, letters, digits, '.', '_', ':' or '-'.");
        if (!StrategyRules.IsValidId(request.StrategyId)) Wire.Add(errors, "strategyId", "Required: an existing strategy's id.");
        if (string.IsNullOrWhiteSpace(request.Symbol)) Wire.Add(errors, "symbol", "Required.");
        var side = Wire.ParseSide(request.Side, "side", errors);
        if (request.Quantity is null) Wire.Add(errors, "quantity", "Required.");
        if (request.Price is null) Wire.Add(errors, "price", "Required.");
        if (request.Timestamp is null) Wire.Add(errors, "timestamp", "Required: ISO 8601 UTC.");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The fill is not valid");

        var spec = new ExternalFillSpec(request.FillId!, request.OrderId, request.StrategyId!, StrategyRules.NormalizeSymbol(request.Symbol!), side!.Value,
            request.Quantity!.Value, request.Price!.Value, request.Fee ?? 0m, request.Timestamp!.Value.ToUniversalTime());
        var outcome = await grains.GetGrain<IStrategyGrain>(spec.StrategyId).RecordFill(spec);
        return outcome.Kind switch
        {
            FillOutcomeKind.Recorded => TypedResults.Created($"/v1/fills?strategyId={Uri.EscapeDataString(spec.StrategyId)}", outcome.Fill!),
            FillOutcomeKind.Duplicate => TypedResults.Ok(outcome.Fill!),
            FillOutcomeKind.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Strategy not found", detail: outcome.Detail),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The fill is not valid", detail: outcome.Detail),
        };
    }
}
