using System.Text.Json.Serialization;
using TradingPlatform.Common;

namespace TradingPlatform.Risk;

[GenerateSerializer, Alias("alert-severity")]
public enum AlertSeverity
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}

[GenerateSerializer, Immutable, Alias("alert.v1")]
public sealed record Alert(
    [property: Id(0)] string Id,
    [property: Id(1)] AlertSeverity Severity,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Message,
    [property: Id(4)] string? StrategyId,
    [property: Id(5), JsonPropertyName("raisedAt")] DateTimeOffset RaisedAtUtc,
    [property: Id(6)] bool Acknowledged,
    [property: Id(7)] string? AcknowledgedBy,
    [property: Id(8), JsonPropertyName("acknowledgedAt")] DateTimeOffset? AcknowledgedAtUtc);

[GenerateSerializer, Immutable, Alias("alert-spec.v1")]
public sealed record AlertSpec(
    [property: Id(0)] AlertSeverity Severity,
    [property: Id(1)] string Kind,
    [property: Id(2)] string Message,
    [property: Id(3)] string? StrategyId);

[GenerateSerializer, Immutable, Alias("alert-query.v1")]
public sealed record AlertQuery(
    [property: Id(0)] AlertSeverity? Severity = null,
    [property: Id(1)] bool? Acknowledged = null);

/// <summary>Risk alerts, newest first (one activation, key <see cref="Key"/>).</summary>
[Alias("alerts")]
public interface IAlertGrain : IGrainWithStringKey
{
    public const string Key = "all";

    [Alias("raise")]
    Task<Alert> Raise(AlertSpec spec);

    [Alias("list"), Orleans.Concurrency.ReadOnly]
    Task<Page<Alert>> List(AlertQuery query, PageRequest page);

    /// <summary>Null when no alert has this id; acknowledging twice keeps the first acknowledgement.</summary>
    [Alias("ack")]
    Task<Alert?> Acknowledge(string alertId, string actor);
}

/// <summary>An admin action or an automatic trip: who, what, when, and the state before and after (JSON).</summary>
[GenerateSerializer, Immutable, Alias("audit-record.v1")]
public sealed record AuditRecord(
    [property: Id(0)] long Id,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string Target,
    [property: Id(4)] string? BeforeJson,
    [property: Id(5)] string? AfterJson,
    [property: Id(6)] DateTimeOffset AtUtc);

[GenerateSerializer, Immutable, Alias("audit-query.v1")]
public sealed record AuditQuery(
    [property: Id(0)] string? Actor = null,
    [property: Id(1)] string? Action = null);
