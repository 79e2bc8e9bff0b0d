using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Api.WebSockets;

/// <summary>Limits and timings of the <c>/v1/ws</c> gateway (configuration section <c>WebSockets</c>), validated at start.</summary>
public sealed class WebSocketGatewayOptions
{
    public const string SectionName = "WebSockets";

    /// <summary>Protocol-level ping (RFC 6455) interval; with <see cref="KeepAliveTimeoutSeconds"/> it detects dead peers.</summary>
    [Range(1, 3600)] public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>A peer that does not answer a ping within this time is aborted.</summary>
    [Range(1, 3600)] public int KeepAliveTimeoutSeconds { get; set; } = 30;

    /// <summary>A connection that was sent nothing for this long gets <c>{"type":"heartbeat"}</c>.</summary>
    [Range(1, 3600)] public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>How often each connection's token is checked again with its user grain (revocation, role change, disable).</summary>
    [Range(1, 3600)] public int ReadmitSeconds { get; set; } = 5;

    [Range(1, 100_000)] public int MaxConnectionsPerUser { get; set; } = 20;

    [Range(1, 10_000)] public int MaxTopicsPerConnection { get; set; } = 32;

    /// <summary>Largest client message; a larger one is discarded with an error (the connection stays).</summary>
    [Range(128, 1024 * 1024)] public int MaxInboundMessageBytes { get; set; } = 4096;

    /// <summary>Client messages per second per connection; the excess is refused with an error.</summary>
    [Range(1, 100_000)] public int MaxInboundMessagesPerSecond { get; set; } = 20;

    /// <summary>Frames queued for one connection; when full, the topic's subscription gets <c>resync</c>.</summary>
    [Range(8, 1_000_000)] public int OutboundQueueCapacity { get; set; } = 1024;

    /// <summary>A connection whose queue overflowed and that has not drained it within this time is closed with 4408.</summary>
    [Range(1, 3600)] public int SlowConsumerTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// After the server decided to close (4401, 4408, 1001), how long the close handshake may take before the socket is
    /// aborted: a peer that does not read at all must not hold the connection (and its queue) for ever. Tests raise it so
    /// that a client that resumes reading late still sees the close code.
    /// </summary>
    [Range(1, 3600)] public int CloseTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// Frames already queued for a connection are sent with one write of up to this many bytes instead of one write
    /// (and one flush, often one system call) per frame; 0 sends frame by frame.
    /// </summary>
    [Range(0, 1024 * 1024)] public int SendBatchBytes { get; set; } = 16 * 1024;

    /// <summary>How often this node renews its attachment to each topic grain (must be well under <c>Topics:ObserverLeaseSeconds</c>).</summary>
    [Range(1, 3600)] public int TopicLeaseRenewSeconds { get; set; } = 15;

    /// <summary>Events fetched per call when replaying from a topic grain.</summary>
    [Range(1, 10_000)] public int ReplayBatchSize { get; set; } = 1000;

    /// <summary>Overrides of the topic role table (<see cref="TopicAccess"/>): topic family (e.g. <c>alerts</c>, <c>backtest</c>) → viewer/trader/admin.</summary>
    public Dictionary<string, string> TopicRoles { get; set; } = new(StringComparer.Ordinal);
}
