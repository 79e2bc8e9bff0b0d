using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Topics;

/// <summary>Silo-side settings of the WebSocket topic sequencers (configuration section <c>Topics</c>).</summary>
public sealed class TopicOptions
{
    public const string SectionName = "Topics";

    /// <summary>Events each topic keeps in memory for <c>since</c> resumes; older ones get <c>resync</c>.</summary>
    [Range(16, 1_000_000)] public int RetainedEvents { get; set; } = 10_000;

    /// <summary>
    /// Seqs reserved per storage write. A topic grain that is reactivated (its silo died) continues after
    /// the reserved block, so seq never goes backwards; the skipped numbers make readers resync.
    /// </summary>
    [Range(1, 100_000_000)] public int SequenceBlock { get; set; } = 100_000;

    /// <summary>An API node that has not renewed its attachment for this long is forgotten.</summary>
    [Range(5, 3600)] public int ObserverLeaseSeconds { get; set; } = 60;

    /// <summary>How often the <c>system</c> topic publishes a status event.</summary>
    [Range(1, 3600)] public int SystemStatusSeconds { get; set; } = 10;

    /// <summary>
    /// Whether grain state outlives this silo (Postgres). In embedded mode it lives in memory storage grains that
    /// stop with the silo, so a topic deactivated by the shutdown does not try to hand its unused seq block back
    /// (the write could only fail). Set by the hosting code from the storage mode; not a configuration key.
    /// </summary>
    public bool StateOutlivesSilo { get; internal set; } = true;
}
