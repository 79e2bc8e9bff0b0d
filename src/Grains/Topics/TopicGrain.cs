using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingPlatform.Hosting;
using TradingPlatform.Storage;

namespace TradingPlatform.Topics;

/// <summary>
/// The sequencer of one WebSocket topic (key: topic name). <see cref="Publish"/> numbers events 1, 2, 3…
/// (one activation cluster-wide, so every API node sees the same seq), keeps the newest
/// <see cref="TopicOptions.RetainedEvents"/> in memory for <c>since</c> resumes, and pushes each event once
/// to every attached API node with a one-way call: the publisher never waits on a node or a socket.
/// Seqs are reserved in persisted blocks, so a topic reactivated after its silo died continues above every
/// seq handed out before (the numbers in between were never sent: a node or client that asks for them is
/// told <c>Truncated</c> and resyncs, it is never handed a silent jump). A graceful deactivation (silo
/// shutdown, idle collection, migration) hands the unused rest of the block back, so the next activation
/// continues at exactly the next seq and up-to-date readers need no resync.
/// The <c>system</c> topic produces its own events from cluster membership.
/// </summary>
[GrainType("topic")]
public sealed partial class TopicGrain(
    [PersistentState("topic", StorageNames.Trading)] IPersistentState<TopicState> state,
    IOptions<TopicOptions> options,
    IClusterMembershipService membership,
    TimeProvider clock,
    ILogger<TopicGrain> logger) : Grain, ITopicGrain
{
    private readonly Dictionary<ITopicObserver, DateTimeOffset> _observers = [];
    private RetainedWindow _window = null!;
    private string _topic = "";
    private long _next;
    private Dictionary<SiloAddress, SiloStatus>? _silos;
    private DateTimeOffset _lastStatus;
    private bool _active;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _topic = this.GetPrimaryKeyString();
        _window = new RetainedWindow(options.Value.RetainedEvents);
        _next = state.State.ReservedThrough + 1;
        await Reserve(_next);
        _active = true;
        var lease = TimeSpan.FromSeconds(options.Value.ObserverLeaseSeconds);
        // Fixed topics stay active (their window is what a resume reads); a backtest topic may go idle.
        var keepAlive = !_topic.StartsWith(TopicNames.BacktestPrefix, StringComparison.Ordinal);
        this.RegisterGrainTimer(ExpireObservers, new GrainTimerCreationOptions(lease / 3, lease / 3) { KeepAlive = keepAlive });
        if (_topic == TopicNames.System)
            this.RegisterGrainTimer(WatchMembership, new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromSeconds(1)) { KeepAlive = true });
    }

    public async Task<long> Publish(object data)
    {
        var seq = _next;
        if (seq > state.State.ReservedThrough) await Reserve(seq);
        _next = seq + 1;
        var topicEvent = new TopicEvent(_topic, seq, clock.GetUtcNow(), data);
        _window.Add(topicEvent);
        foreach (var observer in _observers.Keys)
        {
            try
            {
                await observer.OnEvent(topicEvent); // one-way: completes without waiting for the node
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogDeliveryFailed(logger, e, _topic);
            }
        }
        return seq;
    }

    public Task<long> Attach(ITopicObserver observer)
    {
        _observers[observer] = clock.GetUtcNow();
        return Task.FromResult(_next - 1);
    }

    public Task Detach(ITopicObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    public Task<TopicReplay> Read(long after, int max) => Task.FromResult(_window.Read(after, Math.Clamp(max, 1, 10_000), _next - 1));

    /// <summary>
    /// Persists a new block before any seq of it is handed out. Memory only changes once the write succeeded
    /// (<see cref="PersistentStateExtensions.Replace"/>): were a failed write left in memory, this activation
    /// would number events from a block that is not stored, and the next activation (after a crash) would
    /// hand the same seqs out again, which nodes drop as already seen. On failure the grain deactivates and
    /// the next call starts from what is stored.
    /// </summary>
    private Task Reserve(long from) => state.Replace(new TopicState { ReservedThrough = from - 1 + options.Value.SequenceBlock }, this);

    /// <summary>
    /// Graceful end (not a crash): stores the last seq handed out as the reservation, so the next activation
    /// continues at exactly <c>_next</c>. Best effort: if the write fails (storage down, or the stored etag
    /// moved), the stored block stands and the next activation starts above it, as after a crash.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var handedOut = _next - 1;
        if (!_active || handedOut >= state.State.ReservedThrough) return;
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !options.Value.StateOutlivesSilo) return;
        try
        {
            state.State = new TopicState { ReservedThrough = handedOut };
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(logger, e, _topic);
        }
    }

    private Task ExpireObservers(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromSeconds(options.Value.ObserverLeaseSeconds);
        foreach (var (observer, renewed) in _observers.ToList())
            if (renewed < cutoff) _observers.Remove(observer);
        return Task.CompletedTask;
    }

    /// <summary>The <c>system</c> topic: a silo joined or left (membership changed), and a periodic status.</summary>
    private async Task WatchMembership(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var members = membership.CurrentSnapshot.Members;
        var current = members.ToDictionary(m => m.Key, m => m.Value.Status);
        var silos = members.Values
            .Where(m => m.Status != SiloStatus.Dead)
            .OrderBy(m => m.SiloAddress.ToParsableString(), StringComparer.Ordinal)
            .Select(m => new TopicSilo(m.SiloAddress.ToParsableString(), m.Name, Status(m.Status)))
            .ToImmutableArray();
        if (_silos is not null)
        {
            foreach (var (address, status) in current)
            {
                var wasActive = _silos.TryGetValue(address, out var before) && before == SiloStatus.Active;
                if (status == SiloStatus.Active && !wasActive)
                    await Publish(new SystemEvent(SystemEvent.SiloJoined, Silo(address, members[address].Name, status), silos, Platform.Version, now));
                else if (status != SiloStatus.Active && wasActive)
                    await Publish(new SystemEvent(SystemEvent.SiloLeft, Silo(address, members[address].Name, status), silos, Platform.Version, now));
            }
        }
        _silos = current;
        if (now - _lastStatus >= TimeSpan.FromSeconds(options.Value.SystemStatusSeconds))
        {
            _lastStatus = now;
            await Publish(new SystemEvent(SystemEvent.Status, null, silos, Platform.Version, now));
        }
    }

    private static TopicSilo Silo(SiloAddress address, string name, SiloStatus status) => new(address.ToParsableString(), name, Status(status));

    private static string Status(SiloStatus status) => status switch
    {
        SiloStatus.Created => "created",
        SiloStatus.Joining => "joining",
        SiloStatus.Active => "active",
        SiloStatus.ShuttingDown => "shutting_down",
        SiloStatus.Stopping => "stopping",
        SiloStatus.Dead => "dead",
        _ => "unknown",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} could not hand back its unused seq block on deactivation; the next activation starts above it")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hand an event of topic {Topic} to an API node")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string topic);
}
