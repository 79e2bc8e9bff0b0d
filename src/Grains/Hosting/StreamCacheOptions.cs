using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace TradingPlatform.Hosting;

/// <summary>
/// The memory streams (configuration section <c>Streams</c>): how long the silo's cache keeps delivered events, how
/// often the pulling agents poll, and how many queues the streams hash onto.
/// <para>
/// Every event of every stream (fills, positions, PnL, backtest progress: the WebSocket topics ride on them) is copied
/// into the pulling agent's cache, in pooled 1 MiB blocks, so that a subscriber that fell behind can be served from it.
/// Orleans purges an event only once it has been cached for <see cref="CacheMinTimeSeconds"/> <b>and</b> is more than
/// <see cref="CacheMaxAgeSeconds"/> older than the newest event; its defaults (5 and 30 min) made a busy silo hold half
/// an hour of events (at the soak's rates, by estimate, most of the ~1.4 MiB/min per silo its earlier runs saw). Nothing here
/// needs old events from that cache: WebSocket resumes with <c>since</c> are served by the topic grains' own retained
/// window (<c>Topics:RetainedEvents</c>), and stream subscribers are grains that keep up within milliseconds.
/// </para>
/// </summary>
public sealed class StreamCacheOptions
{
    public const string SectionName = "Streams";

    /// <summary>Events more than this older than the newest cached event are purged (Orleans' <c>DataMaxAgeInCache</c>).</summary>
    [Range(1, 86_400)] public int CacheMaxAgeSeconds { get; set; } = 120;

    /// <summary>No event is purged before it has been cached this long (Orleans' <c>DataMinTimeInCache</c>): a slow subscriber's grace.</summary>
    [Range(0, 86_400)] public int CacheMinTimeSeconds { get; set; } = 60;

    /// <summary>How often a pulling agent looks at an empty memory queue (Orleans' <c>GetQueueMsgsTimerPeriod</c>, default 100 ms).</summary>
    [Range(1, 10_000)] public int PollMilliseconds { get; set; } = 10;

    /// <summary>Memory queues the streams hash onto (Orleans' default 8). Every silo and client of a cluster must agree.</summary>
    [Range(1, 64)] public int Queues { get; set; } = 8;

    /// <summary>
    /// The section as configured, checked against the ranges above (for the stream provider's set-up, which needs the
    /// values before options validation runs; a cluster client has no other check).
    /// </summary>
    public static StreamCacheOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection(SectionName).Get<StreamCacheOptions>() ?? new StreamCacheOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }
}
