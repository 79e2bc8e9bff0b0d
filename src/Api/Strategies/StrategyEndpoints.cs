using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Common;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Strategies;

/// <summary><c>/v1/strategies</c>: create, list, read and change strategies. Reads come from grain memory.</summary>
public static class StrategyEndpoints
{
    public static RouteGroupBuilder MapStrategyEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/strategies").WithTags("Strategies");
        group.MapGet("/", List).WithName("ListStrategies")
            .WithSummary("Strategies in creation order, with live state");
        group.MapGet("/{id}", Get).WithName("GetStrategy")
            .WithSummary("One strategy's live state").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/diagnostics", Diagnostics).WithName("GetStrategyDiagnostics")
            .WithSummary("Why a strategy is (not) trading: per symbol the last price its signal saw, indicators, the last decision and why; the last risk rejections")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).WithName("CreateStrategy").RequireAuthorization(Policies.Admin)
            .WithSummary("Create a strategy (starts stopped)").ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPatch("/{id}", Update).WithName("UpdateStrategy").RequireAuthorization(Policies.Admin)
            .WithSummary("Change name, parameters, risk or status (running/stopped)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Ok<Page<StrategySnapshot>>, ValidationProblem>> List(
        int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        if (!Paging.TryCreate(page, perPage, out var request, out var errors)) return TypedResults.ValidationProblem(errors);
        var ids = await grains.Registry(Registries.Strategies).List(request);
        var snapshots = await Task.WhenAll(ids.Items.Select(id => grains.GetGrain<IStrategyGrain>(id).Get()));
        var items = snapshots.OfType<StrategySnapshot>().ToArray();
        return TypedResults.Ok(new Page<StrategySnapshot>(items, ids.PageNumber, ids.PerPage, ids.Total));
    }

    private static async Task<Results<Ok<StrategySnapshot>, ProblemHttpResult>> Get(string id, IGrainFactory grains)
    {
        var snapshot = StrategyRules.IsValidId(id) ? await grains.GetGrain<IStrategyGrain>(id).Get() : null;
        return snapshot is null ? NotFound(id) : TypedResults.Ok(snapshot);
    }

    /// <summary>From the strategy grain's memory: no database query. A stopped or halted strategy answers too.</summary>
    private static async Task<Results<Ok<StrategyDiagnostics>, ProblemHttpResult>> Diagnostics(string id, IGrainFactory grains)
    {
        var diagnostics = StrategyRules.IsValidId(id) ? await grains.GetGrain<IStrategyGrain>(id).Diagnostics() : null;
        return diagnostics is null ? NotFound(id) : TypedResults.Ok(diagnostics);
    }

    private static async Task<Results<Created<StrategySnapshot>, ValidationProblem, ProblemHttpResult>> Create(
        CreateStrategyRequest request, IGrainFactory grains, ClaimsPrincipal caller, AuditTrail audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var spec = request.ToSpec(errors);
        if (spec is null) return TypedResults.ValidationProblem(errors, title: "The strategy is not valid");

        var outcome = await grains.GetGrain<IStrategyGrain>(spec.Id).Create(spec);
        if (outcome.Kind != StrategyOutcomeKind.Created) return Failure(outcome);
        await audit.Record<StrategySnapshot>(caller, "strategy.create", $"strategy:{spec.Id}", null, outcome.Strategy);
        return TypedResults.Created($"/v1/strategies/{Uri.EscapeDataString(spec.Id)}", outcome.Strategy!);
    }

    private static async Task<Results<Ok<StrategySnapshot>, ValidationProblem, ProblemHttpResult>> Update(
        string id, UpdateStrategyRequest request, IGrainFactory grains, ClaimsPrincipal caller, AuditTrail audit)
    {
        if (!StrategyRules.IsValidId(id)) return NotFound(id);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var patch = request.ToPatch(errors);
        if (patch is null) return TypedResults.ValidationProblem(errors, title: "The change is not valid");

        var before = await grains.GetGrain<IStrategyGrain>(id).Get();
        var outcome = await grains.GetGrain<IStrategyGrain>(id).Update(patch);
        if (outcome.Kind != StrategyOutcomeKind.Ok) return Failure(outcome);
        await audit.Record(caller, "strategy.update", $"strategy:{id}", before, outcome.Strategy);
        return TypedResults.Ok(outcome.Strategy!);
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Strategy not found", detail: $"No strategy has id '{Wire.Shorten(id)}'.");

    /// <summary>Grain outcomes other than success, as problem details.</summary>
    private static ProblemHttpResult Failure(StrategyOutcome outcome) => outcome.Kind switch
    {
        StrategyOutcomeKind.Invalid => TypedResults.Problem(new HttpValidationProblemDetails(outcome.Errors!)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The strategy is not valid",
        }),
        StrategyOutcomeKind.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Strategy not found", detail: outcome.Detail),
        _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: outcome.Detail),
    };

}
