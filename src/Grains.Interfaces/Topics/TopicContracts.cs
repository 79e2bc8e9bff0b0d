using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace TradingPlatform.Topics;

/// <summary>
/// The WebSocket topics of the contract (<c>/v1/ws</c>). Each has one sequencer grain (<see cref="ITopicGrain"/>,
/// key = the topic name) that numbers its events 1, 2, 3… cluster-wide.
/// </summary>
public static class TopicNames
{
    public const string Fills = "fills";
    public const string Pnl = "pnl";
    public const string Positions = "positions";
    public const string Strategies = "strategies";
    public const string KillSwitch = "killswitch";
    public const string Alerts = "alerts";
    public const string System = "system";

    /// <summary><c>backtest:{runId}</c>, one topic per backtest run.</summary>
    public const string BacktestPrefix = "backtest:";

    public static readonly ImmutableArray<string> Fixed = [Fills, Pnl, Positions, Strategies, KillSwitch, Alerts, System];

    public static string Backtest(string runId) => BacktestPrefix + runId;

    /// <summary>A run id: 1-64 characters, letters, digits, '-' or '_'.</summary>
    public static bool IsValidRunId(string? runId) =>
        !string.IsNullOrEmpty(runId) && runId.Length <= 64 && runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static bool IsValid(string? topic) =>
        topic is not null && (Fixed.Contains(topic)
            || (topic.StartsWith(BacktestPrefix, StringComparison.Ordinal) && IsValidRunId(topic[BacktestPrefix.Length..])));

    /// <summary>The topic without its run id (<c>backtest</c> for every run), for metric labels and role rules.</summary>
    public static string Family(string topic) => topic.StartsWith(BacktestPrefix, StringComparison.Ordinal) ? "backtest" : topic;
}

/// <summary>
/// One sequenced event of a topic: <see cref="Seq"/> is per topic, starts at 1, the same on every API node, and
/// grows by exactly one, also across a graceful move of the topic grain. Only when the silo hosting the topic grain
/// dies does it jump (above the seq block reserved before); a reader that asks for the skipped numbers gets
/// <see cref="TopicReplay.Truncated"/>, which the gateway turns into <c>resync</c>: a subscription never sees a jump.
/// <see cref="Data"/> is an immutable contract record (a fill, a position…).
/// </summary>
[GenerateSerializer, Immutable, Alias("topic-event.v1")]
public sealed record TopicEvent(
    [property: Id(0)] string Topic,
    [property: Id(1)] long Seq,
    [property: Id(2)] DateTimeOffset TimeUtc,
    [property: Id(3)] object Data);

/// <summary>
/// Events after a given seq from the topic's retained window. <see cref="Truncated"/>: some of the
/// requested events are no longer retained (or were never numbered by this activation) — the reader must resync.
/// </summary>
[GenerateSerializer, Immutable, Alias("topic-replay.v1")]
public sealed record TopicReplay(
    [property: Id(0)] ImmutableArray<TopicEvent> Events,
    [property: Id(1)] long LastSeq,
    [property: Id(2)] bool Truncated);

/// <summary>The <c>pnl</c> topic's payload: one position's PnL after it changed.</summary>
[GenerateSerializer, Immutable, Alias("pnl-change.v1")]
public sealed record PnlChange(
    [property: Id(0)] string StrategyId,
    [property: Id(1)] string Symbol,
    [property: Id(2)] decimal RealizedPnl,
    [property: Id(3)] decimal UnrealizedPnl,
    [property: Id(4)] decimal TotalPnl,
    [property: Id(5)] decimal Quantity,
    [property: Id(6)] decimal? LastPrice,
    [property: Id(7), JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAtUtc);

[GenerateSerializer, Immutable, Alias("topic-silo.v1")]
public sealed record TopicSilo(
    [property: Id(0)] string Address,
    [property: Id(1)] string Name,
    [property: Id(2)] string Status);

/// <summary>
/// The <c>system</c> topic's payload. <see cref="Kind"/>: <c>silo_joined</c>, <c>silo_left</c> (with
/// <see cref="Silo"/>) or the periodic <c>status</c>; <see cref="Silos"/> is the membership after it.
/// </summary>
[GenerateSerializer, Immutable, Alias("system-event.v1")]
public sealed record SystemEvent(
    [property: Id(0)] string Kind,
    [property: Id(1)] TopicSilo? Silo,
    [property: Id(2)] ImmutableArray<TopicSilo> Silos,
    [property: Id(3)] string Version,
    [property: Id(4), JsonPropertyName("at")] DateTimeOffset AtUtc)
{
    public const string Status = "status";
    public const string SiloJoined = "silo_joined";
    public const string SiloLeft = "silo_left";
}
