using TradingPlatform.Api.Infrastructure;
using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using TradingPlatform.Identity;
using TradingPlatform.Topics;

namespace TradingPlatform.Api.WebSockets;

/// <summary>Who is connected: the token's identity, role and expiry, rechecked while the socket lives.</summary>
public sealed record ConnectionIdentity(string UserId, Role Role, string TokenId, string FamilyId, int TokenVersion, DateTimeOffset ExpiresAtUtc);

/// <summary>
/// One WebSocket. The receive loop parses client messages; ONE writer loop owns every send, fed by a
/// bounded queue: live frames (shared bytes), control frames, and catch-up requests that replay from the
/// topic grain. Per topic the writer tracks the last seq sent: it drops anything at or below it and fills
/// any jump from the grain, so a resume is gap-free and duplicate-free. When the queue is full the topic
/// is suspended and the client gets <c>resync</c> once the writer gets to it; a client that does not
/// drain within <see cref="WebSocketGatewayOptions.SlowConsumerTimeoutSeconds"/> is closed (4408).
/// </summary>
public sealed partial class WebSocketConnection
{
    private static readonly JsonSerializerOptions InboundJson = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict };

    private readonly WebSocket _socket;
    private readonly TopicGateway _gateway;
    private readonly TopicAccess _access;
    private readonly IGrainFactory _grains;
    private readonly ILogger _logger;
    private readonly WebSocketGatewayOptions _options;
    private readonly OutboundMailbox<Outbound> _outbound;
    private readonly FrameBatchStream? _batch;
    // Copy-on-write: the pump reads it for every frame without a lock; subscribe/unsubscribe/resync replace it under
    // _subscriptionsLock. A connection has a handful of topics, so a linear scan beats a hash table and holds far less.
    private Subscription[] _subscriptions = [];
    private readonly Lock _subscriptionsLock = new();
    private ConcurrentQueue<string>? _resyncs; // created on the first overflow: most connections never have one
    // Set when the connection is to close (close requested, or the receive loop ended); the writer stops after the
    // frame in hand. The writer's wait is woken through the mailbox (Interrupt), not a CancellationTokenSource.
    private volatile bool _closing;
    private long _lastSendTicks = Environment.TickCount64;
    private long _overflowSinceTicks;
    private long _closeRequestedTicks;
    private int _closeCode;
    private string? _closeReason;
    private long _nextAdmitTicks;
    private int _admitting;
    private long _rateWindowStart = Environment.TickCount64;
    private int _rateWindowCount;

    /// <param name="batch">The stream under <paramref name="socket"/> when it can batch frames (see <see cref="FrameBatchStream"/>); null: frame by frame.</param>
    public WebSocketConnection(WebSocket socket, ConnectionIdentity identity, TopicGateway gateway, TopicAccess access, IGrainFactory grains, ILogger logger, FrameBatchStream? batch = null)
    {
        _socket = socket;
        _batch = batch;
        Identity = identity;
        _gateway = gateway;
        _access = access;
        _grains = grains;
        _logger = logger;
        _options = gateway.Options;
        _outbound = new OutboundMailbox<Outbound>(_options.OutboundQueueCapacity);
        _nextAdmitTicks = Environment.TickCount64 + Random.Shared.Next(_options.ReadmitSeconds * 1000);
    }

    public ConnectionIdentity Identity { get; }

    public string UserId => Identity.UserId;

    public IEnumerable<string> Topics => Volatile.Read(ref _subscriptions).Select(s => s.Topic);

    /// <summary>Events refused because the queue was full (diagnostics).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <remarks>
    /// Not async itself: the receive loop also does the ending, so an idle connection keeps one state machine
    /// alive for both (≈ 130 bytes less per idle connection than a <c>Run</c> awaiting a <c>ReceiveLoop</c>).
    /// </remarks>
    public Task Run(CancellationToken aborted)
    {
        var writer = WriteLoop(aborted); // runs to its first await (an empty queue), then continues on the pool
        return ReceiveLoop(writer, aborted);
    }

    /// <summary>Reads client messages until the socket closes, then stops the writer and waits for it.</summary>
    private async Task ReceiveLoop(Task writer, CancellationToken aborted)
    {
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                // Wait for the next message with no buffer (a zero-byte receive): an idle connection, the usual case,
                // holds none; one is rented from the pool only while a message is read and handled. Without the
                // request's token: a pending receive registers on it (two callbacks, ≈ 160 bytes for as long as the
                // connection idles), and it is not needed to end this wait: whatever aborts the request (the client
                // gone, Kestrel's abort at shutdown) also ends the transport, which ends the receive.
                var first = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (first.MessageType == WebSocketMessageType.Close)
                {
                    RequestClose(WebSocketCloseStatus.NormalClosure, "");
                    return;
                }
                var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxInboundMessageBytes);
                try
                {
                    var length = 0;
                    var tooLarge = false;
                    var result = first;
                    while (!result.EndOfMessage)
                    {
                        var space = buffer.AsMemory(tooLarge ? 0 : length, tooLarge ? buffer.Length : _options.MaxInboundMessageBytes - length);
                        if (space.Length == 0)
                        {
                            tooLarge = true;
                            space = buffer;
                        }
                        result = await _socket.ReceiveAsync(space, aborted);
                        if (result.MessageType == WebSocketMessageType.Close) break;
                        if (!tooLarge) length += result.Count;
                    }

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        RequestClose(WebSocketCloseStatus.NormalClosure, "");
                        return;
                    }
                    if (!TakeRatePermit()) continue;
                    if (tooLarge) Error(ErrorCodes.MessageTooLarge, $"Messages are limited to {_options.MaxInboundMessageBytes} bytes.");
                    else if (result.MessageType == WebSocketMessageType.Binary) Error(ErrorCodes.BinaryNotSupported, "Send JSON text frames.");
                    else await Handle(buffer.AsMemory(0, length), aborted);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ConnectionAbortedException)
        {
            LogReceiveEnded(_logger, Identity.UserId, e.Message);
        }
        finally
        {
            _outbound.Complete();
            _closing = true;
            _gateway.Remove(this);
            try
            {
                await writer;
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                LogReceiveEnded(_logger, Identity.UserId, e.Message);
            }
        }
    }

    /// <summary>Called by the gateway's pump: queue the shared frame, or suspend the topic when the queue is full.</summary>
    public void Offer(string topic, long seq, byte[] frame)
    {
        if (Find(topic) is not { Suspended: false } subscription) return;
        if (_outbound.TryWrite(new Outbound(OutboundKind.Event, topic, seq, frame))) return;
        Overflow(topic, subscription);
    }

    /// <summary>The node lost events of this topic that the grain no longer has: every subscriber resyncs.</summary>
    public void OfferResync(string topic)
    {
        if (Find(topic) is not { Suspended: false } subscription) return;
        if (!_outbound.TryWrite(new Outbound(OutboundKind.Resync, topic, 0, null))) Overflow(topic, subscription);
    }

    private void Overflow(string topic, Subscription subscription)
    {
        subscription.Suspended = true;
        Interlocked.Increment(ref _dropped);
        WebSocketMetrics.Drop(topic);
        if (_resyncs is null) Interlocked.CompareExchange(ref _resyncs, new ConcurrentQueue<string>(), null);
        _resyncs.Enqueue(topic);
        Interlocked.CompareExchange(ref _overflowSinceTicks, Environment.TickCount64, 0);
    }

    /// <summary>Once a second: token expiry and re-admission, slow consumers, heartbeats, stuck closes.</summary>
    public void Supervise(DateTimeOffset now)
    {
        var ticks = Environment.TickCount64;
        var closeRequested = Interlocked.Read(ref _closeRequestedTicks);
        if (closeRequested != 0)
        {
            if (ticks - closeRequested > _options.CloseTimeoutSeconds * 1000L) _socket.Abort(); // the close handshake did not complete (peer not reading)
            return;
        }
        if (now >= Identity.ExpiresAtUtc)
        {
            RequestClose((WebSocketCloseStatus)CloseCodes.Unauthorized, "token expired");
            return;
        }
        var overflow = Interlocked.Read(ref _overflowSinceTicks);
        if (overflow != 0 && ticks - overflow > _options.SlowConsumerTimeoutSeconds * 1000L)
        {
            WebSocketMetrics.SlowConsumerDisconnect();
            RequestClose((WebSocketCloseStatus)CloseCodes.SlowConsumer, "slow consumer: outbound queue overflowed");
            return;
        }
        if (ticks >= _nextAdmitTicks && Interlocked.Exchange(ref _admitting, 1) == 0)
        {
            _nextAdmitTicks = ticks + _options.ReadmitSeconds * 1000L;
            _ = Readmit();
        }
        if (ticks - Interlocked.Read(ref _lastSendTicks) >= _options.HeartbeatSeconds * 1000L)
            Control(Frames.Heartbeat);
    }

    /// <summary>Asks the writer to send a close frame; the first reason wins.</summary>
    public void RequestClose(WebSocketCloseStatus code, string reason)
    {
        if (Interlocked.CompareExchange(ref _closeCode, (int)code, 0) != 0) return;
        _closeReason = reason;
        Interlocked.Exchange(ref _closeRequestedTicks, Environment.TickCount64);
        if ((int)code >= 4000) WebSocketMetrics.ServerClose((int)code);
        _closing = true;
        _outbound.Interrupt();
    }

    private async Task Readmit()
    {
        try
        {
            var request = new AccessRequest(Identity.TokenId, Identity.FamilyId, Identity.TokenVersion, null, 0, 0);
            var decision = await _grains.GetGrain<IUserGrain>(Identity.UserId).Admit(request);
            if (!decision.Accepted)
            {
                LogRevoked(_logger, Identity.UserId, decision.Reason ?? "refused");
                RequestClose((WebSocketCloseStatus)CloseCodes.Unauthorized, "token no longer valid");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A cluster blip is not a revocation: keep the connection and ask again next period.
            LogReadmitFailed(_logger, e, Identity.UserId);
        }
        finally
        {
            Interlocked.Exchange(ref _admitting, 0);
        }
    }

    private bool TakeRatePermit()
    {
        var now = Environment.TickCount64;
        if (now - _rateWindowStart >= 1000)
        {
            _rateWindowStart = now;
            _rateWindowCount = 0;
        }
        _rateWindowCount++;
        if (_rateWindowCount <= _options.MaxInboundMessagesPerSecond) return true;
        if (_rateWindowCount == _options.MaxInboundMessagesPerSecond + 1)
            Error(ErrorCodes.RateLimited, $"At most {_options.MaxInboundMessagesPerSecond} messages per second; the excess is ignored.");
        return false;
    }

    private async Task Handle(ReadOnlyMemory<byte> message, CancellationToken aborted)
    {
        ClientMessage? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<ClientMessage>(message.Span, InboundJson);
        }
        catch (JsonException e)
        {
            Error(ErrorCodes.BadJson, "Not a JSON object of the expected shape: " + e.Message);
            return;
        }
        switch (parsed?.Op)
        {
            case "ping":
                Control(Frames.Pong);
                break;
            case "subscribe":
                await Subscribe(parsed.Topics, parsed.Since, aborted);
                break;
            case "unsubscribe":
                Unsubscribe(parsed.Topics);
                break;
            case null:
                Error(ErrorCodes.BadRequest, "Each message needs an \"op\": subscribe, unsubscribe or ping.");
                break;
            default:
                Error(ErrorCodes.UnknownOp, $"Unknown op '{Wire.Shorten(parsed.Op)}'; use subscribe, unsubscribe or ping.");
                break;
        }
    }

    private async Task Subscribe(string[]? topics, Dictionary<string, long>? since, CancellationToken aborted)
    {
        if (topics is null || topics.Length == 0)
        {
            Error(ErrorCodes.BadRequest, "subscribe needs a non-empty \"topics\" array.");
            return;
        }
        var accepted = new List<string>();
        foreach (var topic in topics.Distinct(StringComparer.Ordinal))
        {
            if (!TopicNames.IsValid(topic)) Error(ErrorCodes.UnknownTopic, $"Unknown topic '{Wire.Shorten(topic)}'.");
            else if (!_access.Allows(Identity.Role, topic)) Error(ErrorCodes.Forbidden, $"Topic '{topic}' needs role {_access.Required(topic).ToString().ToLowerInvariant()}.");
            else if (since is not null && since.TryGetValue(topic, out var s) && s < 0) Error(ErrorCodes.BadRequest, $"since.{topic} must be 0 or more.");
            else accepted.Add(topic);
        }
        var fresh = accepted.Where(t => Find(t) is null).ToList();
        if (Volatile.Read(ref _subscriptions).Length + fresh.Count > _options.MaxTopicsPerConnection)
        {
            Error(ErrorCodes.TooManyTopics, $"At most {_options.MaxTopicsPerConnection} topics per connection.");
            return;
        }
        if (accepted.Count == 0) return;

        var subscriptions = new List<(Subscription Subscription, bool CatchUp)>();
        foreach (var topic in accepted)
        {
            long nodeLast;
            try
            {
                nodeLast = await _gateway.Ensure(topic, aborted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogEnsureFailed(_logger, e, topic);
                Error(ErrorCodes.Unavailable, $"Topic '{topic}' is not available right now; try again.");
                continue;
            }
            var hasSince = since is not null && since.TryGetValue(topic, out _);
            var subscription = new Subscription(topic) { Last = hasSince ? since![topic] : nodeLast };
            if (Replace(topic, subscription)) _gateway.Unregister(topic, this); // re-subscribe: start over from the new since
            subscriptions.Add((subscription, hasSince));
        }
        if (subscriptions.Count == 0) return;
        Control(Frames.Subscribed(subscriptions.Select(s => s.Subscription.Topic)));
        foreach (var (subscription, catchUp) in subscriptions)
        {
            _gateway.Register(subscription.Topic, this);
            if (catchUp && !_outbound.TryWrite(new Outbound(OutboundKind.CatchUp, subscription.Topic, 0, null)))
                Overflow(subscription.Topic, subscription);
        }
    }

    private void Unsubscribe(string[]? topics)
    {
        if (topics is null || topics.Length == 0)
        {
            Error(ErrorCodes.BadRequest, "unsubscribe needs a non-empty \"topics\" array.");
            return;
        }
        var removed = new List<string>();
        foreach (var topic in topics.Distinct(StringComparer.Ordinal))
        {
            if (!Remove(topic, null)) continue;
            _gateway.Unregister(topic, this);
            removed.Add(topic);
        }
        Control(Frames.Unsubscribed(removed));
    }

    private void Error(string code, string message)
    {
        WebSocketMetrics.ClientError(code);
        Control(Frames.Error(code, message));
    }

    private void Control(ReadOnlyMemory<byte> frame) => _outbound.TryWrite(new Outbound(OutboundKind.Frame, null, 0, frame));

    private async Task WriteLoop(CancellationToken aborted)
    {
        try
        {
            var reader = _outbound;
            // False once the queue is completed (the receive loop ended) or interrupted (a close was requested) and drained.
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                // Everything queued right now goes out as one batch (one socket write per FrameBatchStream buffer),
                // not one write per frame; nothing waits for more frames to arrive.
                _batch?.BeginBatch();
                try
                {
                    while (reader.TryRead(out var item))
                    {
                        await Write(item, aborted);
                        await SendResyncs(aborted);
                        if (_closing) break;
                    }
                }
                finally
                {
                    if (_batch is not null) await _batch.EndBatchAsync(aborted);
                }
            }
        }
        catch (OperationCanceledException) when (_closing && !aborted.IsCancellationRequested)
        {
            // The socket was aborted after a close that did not complete: fall through (the close is skipped).
        }
        if (_closeCode != 0 && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(_options.CloseTimeoutSeconds));
            // A topic suspended while the writer waited on the socket (e.g. at the end of a batch) still gets its
            // resync before the close frame: a slow consumer always learns which subscriptions ended.
            if (_socket.State == WebSocketState.Open) await SendResyncs(timeout.Token);
            await _socket.CloseOutputAsync((WebSocketCloseStatus)_closeCode, _closeReason, timeout.Token);
        }
    }

    private async Task Write(Outbound item, CancellationToken aborted)
    {
        switch (item.Kind)
        {
            case OutboundKind.Frame:
                await Send(item.Frame, aborted);
                WebSocketMetrics.ControlSent();
                return;
            case OutboundKind.Resync:
                if (Find(item.Topic!) is { } lost) await Resync(lost, "gap", aborted);
                return;
            case OutboundKind.CatchUp:
                if (Find(item.Topic!) is { Suspended: false } resuming) await Fill(resuming, long.MaxValue, aborted);
                return;
            case OutboundKind.Event:
                if (Find(item.Topic!) is not { } subscription) return;
                if (item.Seq <= subscription.Last) return;
                if (item.Seq > subscription.Last + 1 && !await Fill(subscription, item.Seq - 1, aborted)) return;
                await Send(item.Frame, aborted);
                subscription.Last = item.Seq;
                WebSocketMetrics.EventSent(item.Topic!);
                return;
        }
    }

    /// <summary>Sends the retained events after the subscription's last seq, up to <paramref name="upTo"/>; false after a resync.</summary>
    private async Task<bool> Fill(Subscription subscription, long upTo, CancellationToken aborted)
    {
        while (subscription.Last < upTo)
        {
            var replay = await _gateway.Read(subscription.Topic, subscription.Last).WaitAsync(aborted);
            if (replay.Truncated || (replay.Events.IsEmpty && upTo != long.MaxValue))
            {
                await Resync(subscription, "since_too_old", aborted);
                return false;
            }
            foreach (var topicEvent in replay.Events)
            {
                if (topicEvent.Seq > upTo) break;
                await Send(_gateway.Serialize(topicEvent), aborted);
                subscription.Last = topicEvent.Seq;
                WebSocketMetrics.EventSent(subscription.Topic);
            }
            if (replay.Events.IsEmpty || subscription.Last >= replay.LastSeq) break;
        }
        return true;
    }

    private async Task SendResyncs(CancellationToken aborted)
    {
        while (_resyncs is not null && _resyncs.TryDequeue(out var topic))
            if (Find(topic) is { Suspended: true } subscription) await Resync(subscription, "slow_consumer", aborted);
        Interlocked.Exchange(ref _overflowSinceTicks, 0);
    }

    /// <summary>Ends the subscription with <c>resync</c>: the client reloads state and subscribes again.</summary>
    private async Task Resync(Subscription subscription, string reason, CancellationToken aborted)
    {
        if (!Remove(subscription.Topic, subscription)) return;
        _gateway.Unregister(subscription.Topic, this);
        WebSocketMetrics.Resync(subscription.Topic, reason);
        await Send(Frames.Resync(subscription.Topic), aborted);
    }

    private Subscription? Find(string topic)
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
            if (string.Equals(subscription.Topic, topic, StringComparison.Ordinal)) return subscription;
        return null;
    }

    /// <summary>Adds <paramref name="subscription"/>, replacing one of the same topic; true when it replaced one.</summary>
    private bool Replace(string topic, Subscription subscription)
    {
        lock (_subscriptionsLock)
        {
            var current = _subscriptions;
            var index = Array.FindIndex(current, s => string.Equals(s.Topic, topic, StringComparison.Ordinal));
            var next = index >= 0 ? (Subscription[])current.Clone() : [.. current, subscription];
            if (index >= 0) next[index] = subscription;
            Volatile.Write(ref _subscriptions, next);
            return index >= 0;
        }
    }

    /// <summary>Removes the topic's subscription (only if it is still <paramref name="expected"/>, when given).</summary>
    private bool Remove(string topic, Subscription? expected)
    {
        lock (_subscriptionsLock)
        {
            var current = _subscriptions;
            var index = Array.FindIndex(current, s => string.Equals(s.Topic, topic, StringComparison.Ordinal));
            if (index < 0 || (expected is not null && !ReferenceEquals(current[index], expected))) return false;
            Volatile.Write(ref _subscriptions, [.. current.AsSpan(0, index), .. current.AsSpan(index + 1)]);
            return true;
        }
    }

    private async Task Send(ReadOnlyMemory<byte> frame, CancellationToken aborted)
    {
        await _socket.SendAsync(frame, WebSocketMessageType.Text, true, aborted);
        Interlocked.Exchange(ref _lastSendTicks, Environment.TickCount64);
    }



    private sealed record ClientMessage(string? Op, string[]? Topics, Dictionary<string, long>? Since);

    private sealed class Subscription(string topic)
    {
        public string Topic => topic;

        /// <summary>The last seq sent to the client (the writer's; set once before the subscription is visible).</summary>
        public long Last { get; set; }

        /// <summary>The queue overflowed: events of this topic are not queued until the client re-subscribes.</summary>
        public volatile bool Suspended;
    }

    private enum OutboundKind
    {
        Frame,
        Event,
        CatchUp,
        Resync,
    }

    private readonly record struct Outbound(OutboundKind Kind, string? Topic, long Seq, ReadOnlyMemory<byte> Frame);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket of {UserId} ended: {Reason}")]
    private static partial void LogReceiveEnded(ILogger logger, string userId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing the WebSocket of {UserId} with 4401: {Reason}")]
    private static partial void LogRevoked(ILogger logger, string userId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-admit the WebSocket token of {UserId}; will retry")]
    private static partial void LogReadmitFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not attach to topic {Topic}")]
    private static partial void LogEnsureFailed(ILogger logger, Exception exception, string topic);
}
