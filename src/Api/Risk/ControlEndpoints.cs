using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Identity;
using TradingPlatform.Risk;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Risk;

/// <summary>Body of <c>POST /v1/controls/kill-switch</c>.</summary>
public sealed record KillSwitchRequest(string? Scope, string? State, string? Reason, bool? CancelOpenOrders, bool? Flatten);

public sealed record KillSwitchResponse(KillSwitchSnapshot KillSwitch, ControlsApplied Applied);

/// <summary><c>/v1/controls/kill-switch</c>: read (viewer) and change (admin) the kill switch.</summary>
public static class ControlEndpoints
{
    public const int MaxReasonLength = 500;

    public static RouteGroupBuilder MapControlEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/controls").WithTags("Controls");
        group.MapGet("/kill-switch", Get).WithName("GetKillSwitch").WithSummary("Global and per-strategy kill-switch states");
        group.MapPost("/kill-switch", Change).WithName("ChangeKillSwitch").RequireAuthorization(Policies.Admin)
            .WithRateLimitTier(RateTier.Admin).WithMetadata(new RateLimitEnforcedByEndpointMetadata())
            .WithSummary("Set a scope to active, reducing or halted")
            .WithDescription("{scope: 'global' | 'strategy:{id}', state: 'active' | 'reducing' | 'halted', reason, cancelOpenOrders (default true), flatten (default false)}. The change is persisted and every live strategy holds it before 200 is returned: from then on no order that breaks it is accepted anywhere in the cluster. Requests to 'halted' or 'reducing' are never refused by the admin rate limit (they still count); 'active' is.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    private static Task<KillSwitchSnapshot> Get(IGrainFactory grains) => grains.KillSwitchGrain().Get();

    private static async Task<Results<Ok<KillSwitchResponse>, ValidationProblem, ProblemHttpResult>> Change(
        KillSwitchRequest request, IGrainFactory grains, ClaimsPrincipal user, HttpContext http)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? strategyId = null;
        if (request.Scope is null || (request.Scope != "global" && !request.Scope.StartsWith("strategy:", StringComparison.Ordinal)))
            Wire.Add(errors, "scope", "Required: 'global' or 'strategy:{id}'.");
        else if (request.Scope != "global" && !StrategyRules.IsValidId(strategyId = request.Scope["strategy:".Length..]))
            Wire.Add(errors, "scope", "'strategy:' must be followed by a strategy id.");
        var state = Wire.ParseKillSwitchState(request.State, "state", errors);
        if (string.IsNullOrWhiteSpace(request.Reason)) Wire.Add(errors, "reason", "Required: why (it goes to the audit log and the alert).");
        else if (request.Reason.Length > MaxReasonLength) Wire.Add(errors, "reason", $"At most {MaxReasonLength} characters.");

        // Safety first: halting or reducing is never refused by the rate limit; releasing is.
        var rate = http.Features.Get<AdmissionFeature>()?.Decision.Rate;
        if (rate is { Exceeded: true } && state is not (KillSwitchState.Halted or KillSwitchState.Reducing))
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Rate limit exceeded",
                detail: $"This user's admin budget of {rate.Limit} requests per window is used up; it resets in {rate.ResetSeconds} s. Halting and reducing are always accepted.",
                extensions: new Dictionary<string, object?> { ["retryAfter"] = rate.ResetSeconds });
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The kill-switch change is not valid");

        var command = new KillSwitchCommand(strategyId, state!.Value, request.Reason!.Trim(), request.CancelOpenOrders ?? true, request.Flatten ?? false, Wire.Actor(user));
        var outcome = await grains.KillSwitchGrain().Engage(command);
        return outcome.Kind == KillSwitchOutcomeKind.Ok
            ? TypedResults.Ok(new KillSwitchResponse(outcome.KillSwitch!, outcome.Applied!))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Strategy not found", detail: outcome.Detail);
    }
}
