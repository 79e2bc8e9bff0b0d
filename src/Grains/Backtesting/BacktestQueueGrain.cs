using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingPlatform.Storage;

namespace TradingPlatform.Backtesting;

[GenerateSerializer, Immutable, Alias("backtest-queued.v1")]
public sealed record QueuedRun([property: Id(0)] string RunId, [property: Id(1)] string User, [property: Id(2)] int Attempt);

[GenerateSerializer, Immutable, Alias("backtest-leased.v1")]
public sealed record LeasedRun([property: Id(0)] string RunId, [property: Id(1)] Guid LeaseId, [property: Id(2)] string Worker, [property: Id(3)] int Attempt);

[GenerateSerializer, Immutable, Alias("backtest-queue-state.v1")]
public sealed record BacktestQueueState(
    [property: Id(0)] ImmutableList<QueuedRun> Queued,
    [property: Id(1)] ImmutableList<LeasedRun> Leased,
    [property: Id(2)] string? LastUser)
{
    public static readonly BacktestQueueState Empty = new([], [], null);
}

/// <summary>
/// The one queue of backtest runs for the cluster. Fair between users: leases go round robin over the users with
/// queued runs (in name order after the last one served), FIFO within a user, so one user's hundred runs do not
/// starve another's one. Requeued runs (their silo died) go to the front of their user's line.
/// Workers renew their lease while they run; a timer takes back leases that stopped beating and tells the run
/// (which requeues itself or fails). Queue and leases are persisted on every change; heartbeats are memory only,
/// so after this grain moves, every lease gets a fresh grace period. A keep-alive reminder brings the grain (and so
/// its lease timer) back after its silo died even when no worker is asking for work.
/// </summary>
[GrainType("backtest-queue")]
public sealed partial class BacktestQueueGrain(
    [PersistentState("backtest-queue", StorageNames.Trading)] IPersistentState<BacktestQueueState> state,
    TimeProvider clock,
    IOptions<BacktestOptions> options,
    ILogger<BacktestQueueGrain> logger) : Grain, IBacktestQueueGrain, IRemindable
{
    public const string Key = "all";
    private const string KeepAlive = "keep-alive";

    private readonly Dictionary<Guid, DateTimeOffset> _beats = [];

    private BacktestQueueState Current => state.RecordExists && state.State is { Queued: not null, Leased: not null } ? state.State : BacktestQueueState.Empty;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var lease in Current.Leased) _beats[lease.LeaseId] = now;
        var period = TimeSpan.FromSeconds(Math.Max(1, options.Value.LeaseTimeoutSeconds / 5.0));
        this.RegisterGrainTimer(ExpireLeases, new GrainTimerCreationOptions(period, period) { Interleave = false });
        await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), cancellationToken);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // activation is the point

    public async Task Enqueue(string runId, string user, int attempt, bool front)
    {
        var current = Current;
        if (current.Queued.Any(q => q.RunId == runId) || current.Leased.Any(l => l.RunId == runId)) return;
        var item = new QueuedRun(runId, user, attempt);
        var queued = front
            ? current.Queued.Insert(Math.Max(0, current.Queued.FindIndex(q => q.User == user)), item)
            : current.Queued.Add(item);
        await state.Replace(current with { Queued = queued }, this);
    }

    public async Task<bool> Remove(string runId)
    {
        var current = Current;
        var index = current.Queued.FindIndex(q => q.RunId == runId);
        if (index < 0) return false;
        await state.Replace(current with { Queued = current.Queued.RemoveAt(index) }, this);
        return true;
    }

    public async Task<BacktestLease?> Lease(string worker)
    {
        var current = Current;
        if (current.Queued.IsEmpty) return null;
        var next = NextFor(current);
        var lease = new LeasedRun(next.RunId, Guid.NewGuid(), worker, next.Attempt);
        await state.Replace(new BacktestQueueState(current.Queued.Remove(next), current.Leased.Add(lease), next.User), this);
        _beats[lease.LeaseId] = clock.GetUtcNow();
        return new BacktestLease(lease.RunId, lease.LeaseId, lease.Attempt);
    }

    public Task<bool> Renew(Guid leaseId)
    {
        if (!Current.Leased.Any(l => l.LeaseId == leaseId)) return Task.FromResult(false);
        _beats[leaseId] = clock.GetUtcNow();
        return Task.FromResult(true);
    }

    public async Task Release(Guid leaseId)
    {
        var current = Current;
        var lease = current.Leased.Find(l => l.LeaseId == leaseId);
        _beats.Remove(leaseId);
        if (lease is null) return;
        await state.Replace(current with { Leased = current.Leased.Remove(lease) }, this);
    }

    public Task<bool> Holds(string runId) =>
        Task.FromResult(Current.Queued.Any(q => q.RunId == runId) || Current.Leased.Any(l => l.RunId == runId));

    public Task<BacktestQueueView> Describe() => Task.FromResult(new BacktestQueueView(
        [.. Current.Queued.Select(q => q.RunId)], [.. Current.Leased.Select(l => new BacktestLeaseView(l.RunId, l.Worker, l.Attempt))]));

    /// <summary>Round robin over users: the first user after the last one served (ordinal order) with a queued run; their oldest.</summary>
    public static QueuedRun NextFor(BacktestQueueState current)
    {
        var users = current.Queued.Select(q => q.User).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var user = current.LastUser is null ? users[0] : users.FirstOrDefault(u => string.CompareOrdinal(u, current.LastUser) > 0) ?? users[0];
        return current.Queued.First(q => q.User == user);
    }

    private async Task ExpireLeases(CancellationToken cancellationToken)
    {
        var current = Current;
        var deadline = clock.GetUtcNow() - TimeSpan.FromSeconds(options.Value.LeaseTimeoutSeconds);
        var expired = current.Leased.Where(l => !_beats.TryGetValue(l.LeaseId, out var beat) || beat < deadline).ToArray();
        if (expired.Length == 0) return;
        await state.Replace(current with { Leased = current.Leased.RemoveRange(expired) }, this);
        foreach (var lease in expired)
        {
            _beats.Remove(lease.LeaseId);
            LogExpired(logger, lease.RunId, lease.Worker);
            // One-way: the run grain may be calling this queue right now (cancel), so never wait on it here.
            await GrainFactory.GetGrain<IBacktestRunGrain>(lease.RunId)
                .Interrupted(lease.LeaseId, $"worker {lease.Worker} stopped reporting for {options.Value.LeaseTimeoutSeconds} s (its silo is gone or stuck)");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest {RunId}: lease of worker {Worker} expired")]
    private static partial void LogExpired(ILogger logger, string runId, string worker);
}
