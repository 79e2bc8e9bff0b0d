using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Api.Orders;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Risk;
using TradingPlatform.Risk.Delivery;

namespace TradingPlatform.Api.Risk;

/// <summary><c>/v1/alerts</c> (risk alerts, newest first) and <c>/v1/audit</c> (admin actions and trips).</summary>
public static class AlertEndpoints
{
    public static RouteGroupBuilder MapAlertEndpoints(this RouteGroupBuilder v1)
    {
        var alerts = v1.MapGroup("/alerts").WithTags("Alerts");
        alerts.MapGet("/", List).WithName("ListAlerts").WithSummary("Risk alerts newest first; filters severity (info, warning, critical), acknowledged (true/false)");
        alerts.MapPost("/{id}/ack", Acknowledge).WithName("AcknowledgeAlert").RequireAuthorization(Policies.Trader)
            .WithSummary("Acknowledge an alert (repeating keeps the first acknowledgement)").ProducesProblem(StatusCodes.Status404NotFound);
        alerts.MapGet("/deliveries", Deliveries).WithName("ListAlertDeliveries").RequireAuthorization(Policies.Admin)
            .WithSummary("Alert deliveries to the configured notifiers (the webhook), newest first: status (pending, delivered, failed, dropped), attempts, last status code and error, next attempt; filters status, alertId");
        alerts.MapPost("/deliveries/{id}/retry", RetryDelivery).WithName("RetryAlertDelivery").RequireAuthorization(Policies.Admin)
            .WithSummary("Send a failed delivery again: it becomes pending with its attempts reset, due at once (audited)")
            .WithDescription("200 with the delivery as it is now (status pending, attempts 0, nextAttemptAt now); a silo's worker sends it at its next poll, with the same delivery id and body. 404 for an unknown (or pruned) id; 409 when it is not failed (pending, delivered or dropped), nothing changed.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        v1.MapGet("/audit", Audit).WithTags("Audit").WithName("ListAudit").RequireAuthorization(Policies.Admin)
            .WithSummary("Admin actions and automatic trips newest first: who, what, when, before and after; filters actor, action");
        return v1;
    }

    private static async Task<Results<Ok<Page<Alert>>, ValidationProblem>> List(
        string? severity, bool? acknowledged, int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        Paging.TryCreate(page, perPage, out var request, out var errors);
        var parsed = severity is null ? null : Wire.ParseSeverity(severity, "severity", errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await grains.GetGrain<IAlertGrain>(IAlertGrain.Key).List(new AlertQuery(parsed, acknowledged), request));
    }

    private static async Task<Results<Ok<Alert>, ProblemHttpResult>> Acknowledge(string id, IGrainFactory grains, ClaimsPrincipal user)
    {
        var alert = await grains.GetGrain<IAlertGrain>(IAlertGrain.Key).Acknowledge(id, Wire.Actor(user));
        return alert is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Alert not found", detail: $"No alert has id '{Wire.Shorten(id)}'.")
            : TypedResults.Ok(alert);
    }

    private static async Task<Results<Ok<Page<AlertDelivery>>, ValidationProblem>> Deliveries(
        string? status, string? alertId, int? page, [FromQuery(Name = "per_page")] int? perPage, IAlertDeliveryStore store, HttpContext context)
    {
        Paging.TryCreate(page, perPage, out var request, out var errors);
        AlertDeliveryStatus? parsed = null;
        if (status is not null)
        {
            if (AlertDeliveryStatuses.TryParse(status, out var value)) parsed = value;
            else Wire.Add(errors, "status", $"'{Wire.Shorten(status)}' is not one of {string.Join(", ", AlertDeliveryStatuses.Names)}.");
        }
        if (alertId is { Length: 0 or > 200 }) Wire.Add(errors, "alertId", "Must be 1 to 200 characters.");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await store.List(new AlertDeliveryQuery(parsed, alertId), request, context.RequestAborted));
    }

    private static async Task<Results<Ok<AlertDelivery>, ProblemHttpResult>> RetryDelivery(
        string id, IAlertDeliveryStore store, TimeProvider clock, AuditTrail audit, ClaimsPrincipal user, HttpContext context)
    {
        var outcome = id.Length > MaxDeliveryIdLength
            ? new AlertDeliveryRetryOutcome(AlertDeliveryRetryOutcomeKind.NotFound, null, null) // longer than any delivery id
            : await store.Retry(id, clock.GetUtcNow(), context.RequestAborted);
        switch (outcome.Kind)
        {
            case AlertDeliveryRetryOutcomeKind.Retried:
                AlertDeliveryMetrics.Resent();
                await audit.Record(user, "alert_delivery.retry", $"alert_delivery:{id}", outcome.Before, outcome.After);
                return TypedResults.Ok(outcome.After!);
            case AlertDeliveryRetryOutcomeKind.NotFailed:
                var status = AlertDeliveryStatuses.Of(outcome.Before!.Status);
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Delivery is not failed",
                    detail: $"Delivery '{Wire.Shorten(id)}' is {status}; only a failed delivery can be sent again.");
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Delivery not found",
                    detail: $"No alert delivery has id '{Wire.Shorten(id)}'.");
        }
    }

    /// <summary>Delivery ids are <c>dlv_</c> and 32 hex digits; anything much longer is not looked up.</summary>
    private const int MaxDeliveryIdLength = 200;

    private static async Task<Results<Ok<Page<AuditEntry>>, ValidationProblem>> Audit(
        string? actor, string? action, int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        if (!Paging.TryCreate(page, perPage, out var request, out var errors)) return TypedResults.ValidationProblem(errors);
        var records = await grains.GetGrain<IAuditGrain>(0).Query(new AuditQuery(actor, action), request);
        return TypedResults.Ok(new Page<AuditEntry>(records.Items.Select(AuditEntry.From).ToArray(), records.PageNumber, records.PerPage, records.Total));
    }
}

/// <summary>An audit record with its before/after state as JSON objects.</summary>
public sealed record AuditEntry(long Id, string Actor, string Action, string Target, System.Text.Json.Nodes.JsonNode? Before, System.Text.Json.Nodes.JsonNode? After, DateTimeOffset At)
{
    public static AuditEntry From(AuditRecord record) => new(record.Id, record.Actor, record.Action, record.Target,
        record.BeforeJson is null ? null : System.Text.Json.Nodes.JsonNode.Parse(record.BeforeJson),
        record.AfterJson is null ? null : System.Text.Json.Nodes.JsonNode.Parse(record.AfterJson), record.AtUtc);
}
