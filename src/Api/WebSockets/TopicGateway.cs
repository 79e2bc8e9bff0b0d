using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TradingPlatform.Topics;

namespace TradingPlatform.Api.WebSockets;

/// <summary>
/// This API node's side of the topics: attaches ONE observer per node to each topic grain in use, receives
/// every sequenced event once, serializes it once, and offers the same frame bytes to each subscribed
/// connection's bounded queue (never waiting on a socket). Keeps the node's last seq per topic; a jump
/// (a lost one-way message, a renewed lease after a topic grain moved) is filled from the grain's window,
/// or turned into <c>resync</c> for the topic's subscribers when the window no longer has it.
/// Also supervises connections once a second: token expiry and re-admission, heartbeats, slow consumers.
/// </summary>
public sealed partial class TopicGateway(
    IGrainFactory grains,
    IOptions<WebSocketGatewayOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    TimeProvider clock,
    ILogger<TopicGateway> logger) : BackgroundService, ITopicObserver
{
    private readonly ConcurrentDictionary<string, TopicChannel> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<WebSocketConnection, byte> _connections = new();
    private readonly ConcurrentDictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly Channel<Inbound> _inbox = Channel.CreateUnbounded<Inbound>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _referenceLock = new();
    private ITopicObserver? _reference;

    public WebSocketGatewayOptions Options => options.Value;

    public JsonSerializerOptions Json => json.Value.SerializerOptions;

    public int ConnectionCount => _connections.Count;

    /// <summary>Open connections (tests and diagnostics).</summary>
    public IReadOnlyCollection<WebSocketConnection> Connections => (IReadOnlyCollection<WebSocketConnection>)_connections.Keys;

    /// <summary>Called by topic grains (one-way); only queues, the pump does the work in order.</summary>
    public Task OnEvent(TopicEvent topicEvent)
    {
        _inbox.Writer.TryWrite(new Inbound(topicEvent.Topic, topicEvent, 0));
        return Task.CompletedTask;
    }

    public bool TryAdmitUser(string userId)
    {
        var limit = options.Value.MaxConnectionsPerUser;
        while (true)
        {
            var current = _perUser.GetOrAdd(userId, 0);
            if (current >= limit) return false;
            if (_perUser.TryUpdate(userId, current + 1, current)) return true;
        }
    }

    public void Add(WebSocketConnection connection)
    {
        _connections[connection] = 0;
        WebSocketMetrics.ConnectionOpened();
    }

    public void Remove(WebSocketConnection connection)
    {
        if (!_connections.TryRemove(connection, out _)) return;
        WebSocketMetrics.ConnectionClosed();
        foreach (var topic in connection.Topics) Unregister(topic, connection);
        ReleaseUser(connection.UserId);
    }

    public void ReleaseUser(string userId) => _perUser.AddOrUpdate(userId, 0, (_, n) => Math.Max(0, n - 1));

    /// <summary>Attaches this node to the topic grain (once) and returns the node's last seq of the topic.</summary>
    public async Task<long> Ensure(string topic, CancellationToken cancellationToken)
    {
        var channel = _topics.GetOrAdd(topic, t => new TopicChannel(t));
        Task attach;
        lock (channel)
        {
            if (channel.Attached is null || channel.Attached.IsFaulted || channel.Attached.IsCanceled) channel.Attached = Attach(channel);
            attach = channel.Attached;
        }
        await attach.WaitAsync(cancellationToken);
        return Interlocked.Read(ref channel.Last);
    }

    public void Register(string topic, WebSocketConnection connection)
    {
        var channel = _topics.GetOrAdd(topic, t => new TopicChannel(t));
        lock (channel) channel.Subscribers = channel.Subscribers.Add(connection);
        WebSocketMetrics.Subscribed(topic);
    }

    public void Unregister(string topic, WebSocketConnection connection)
    {
        if (!_topics.TryGetValue(topic, out var channel)) return;
        lock (channel)
        {
            var before = channel.Subscribers.Length;
            channel.Subscribers = channel.Subscribers.Remove(connection);
            if (channel.Subscribers.Length == before) return;
        }
        WebSocketMetrics.Unsubscribed(topic);
    }

    /// <summary>Retained events of <paramref name="topic"/> after <paramref name="after"/> (one page).</summary>
    public Task<TopicReplay> Read(string topic, long after) => grains.Topic(topic).Read(after, options.Value.ReplayBatchSize);

    public byte[] Serialize(TopicEvent topicEvent) => Frames.Event(topicEvent, Json);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        WebSocketMetrics.Initialize();
        await Task.WhenAll(Pump(stoppingToken), Renew(stoppingToken), Supervise(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var connection in _connections.Keys) connection.RequestClose(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "server shutting down");
        await base.StopAsync(cancellationToken);
    }

    private async Task Attach(TopicChannel channel)
    {
        var last = await grains.Topic(channel.Topic).Attach(Reference());
        Interlocked.CompareExchange(ref channel.Last, last, 0);
    }

    private ITopicObserver Reference()
    {
        lock (_referenceLock) return _reference ??= grains.CreateObjectReference<ITopicObserver>(this);
    }

    /// <summary>Delivers events in order, topic by topic, each serialized once.</summary>
    private async Task Pump(CancellationToken cancellationToken)
    {
        await foreach (var item in _inbox.Reader.ReadAllAsync(cancellationToken))
        {
            if (!_topics.TryGetValue(item.Topic, out var channel)) continue;
            try
            {
                var last = Interlocked.Read(ref channel.Last);
                if (item.Event is not { } topicEvent)
                {
                    // A lease renewal told us the grain's last seq: anything we missed is fetched now.
                    if (last == 0) Interlocked.CompareExchange(ref channel.Last, item.AttachedLast, 0);
                    else if (item.AttachedLast > last) await Repair(channel, item.AttachedLast, cancellationToken);
                    continue;
                }
                if (last != 0 && topicEvent.Seq <= last) continue;
                if (last != 0 && topicEvent.Seq > last + 1) await Repair(channel, topicEvent.Seq - 1, cancellationToken);
                Deliver(channel, topicEvent);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPumpFailed(logger, e, item.Topic);
            }
        }
    }

    private void Deliver(TopicChannel channel, TopicEvent topicEvent)
    {
        var subscribers = channel.Subscribers;
        if (subscribers.Length > 0)
        {
            var frame = Serialize(topicEvent);
            foreach (var connection in subscribers) connection.Offer(channel.Topic, topicEvent.Seq, frame);
        }
        Interlocked.Exchange(ref channel.Last, topicEvent.Seq);
    }

    /// <summary>Fetches (last, upTo] from the grain; when it no longer has them, the topic's subscribers resync.</summary>
    private async Task Repair(TopicChannel channel, long upTo, CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref channel.Last) < upTo)
        {
            var replay = await Read(channel.Topic, Interlocked.Read(ref channel.Last)).WaitAsync(cancellationToken);
            if (replay.Truncated || replay.Events.IsEmpty)
            {
                LogGap(logger, channel.Topic, Interlocked.Read(ref channel.Last), upTo);
                foreach (var connection in channel.Subscribers) connection.OfferResync(channel.Topic);
                Interlocked.Exchange(ref channel.Last, upTo);
                return;
            }
            foreach (var topicEvent in replay.Events)
                if (topicEvent.Seq <= upTo) Deliver(channel, topicEvent);
        }
    }

    /// <summary>Renews this node's lease on every topic in use; drops backtest topics nobody reads any more.</summary>
    private async Task Renew(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.TopicLeaseRenewSeconds), clock);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var channel in _topics.Values)
            {
                try
                {
                    if (channel.Subscribers.IsEmpty && channel.Topic.StartsWith(TopicNames.BacktestPrefix, StringComparison.Ordinal))
                    {
                        _topics.TryRemove(channel.Topic, out _);
                        await grains.Topic(channel.Topic).Detach(Reference());
                        continue;
                    }
                    var last = await grains.Topic(channel.Topic).Attach(Reference()).WaitAsync(cancellationToken);
                    _inbox.Writer.TryWrite(new Inbound(channel.Topic, null, last));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRenewFailed(logger, e, channel.Topic);
                }
            }
        }
    }

    private async Task Supervise(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = clock.GetUtcNow();
            foreach (var connection in _connections.Keys)
            {
                try
                {
                    connection.Supervise(now);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSuperviseFailed(logger, e);
                }
            }
        }
    }

    private sealed class TopicChannel(string topic)
    {
        public string Topic => topic;

        /// <summary>The newest seq this node has fanned out (0: none yet).</summary>
        public long Last;

        public ImmutableArray<WebSocketConnection> Subscribers = [];

        public Task? Attached;
    }

    private readonly record struct Inbound(string Topic, TopicEvent? Event, long AttachedLast);

    [LoggerMessage(Level = LogLevel.Error, Message = "WebSocket fan-out of topic {Topic} failed")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Topic {Topic}: events after {Last} up to {UpTo} are no longer retained; subscribers resync")]
    private static partial void LogGap(ILogger logger, string topic, long last, long upTo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew this node's attachment to topic {Topic}")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Supervising a WebSocket connection failed")]
    private static partial void LogSuperviseFailed(ILogger logger, Exception exception);
}
