using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Orleans.Streams;
using TradingPlatform.Common;
using TradingPlatform.Portfolio;
using TradingPlatform.Storage;

namespace TradingPlatform.Positions;

/// <summary>
/// A strategy's position in one symbol. Applies journaled fills strictly in sequence, exactly once:
/// repeats are ignored, a gap is filled from the journal, and activation replays whatever the stored
/// snapshot has not seen. Each change goes out on the PnL stream.
/// </summary>
[GrainType("position")]
public sealed partial class PositionGrain(
    [PersistentState("position", StorageNames.Trading)] IPersistentState<PositionState> state,
    ITradingJournal journal,
    ILogger<PositionGrain> logger) : Grain, IPositionGrain
{
    /// <summary>The snapshot is written after this many unwritten fills (and on a timer, and on deactivation).</summary>
    private const int WriteEvery = 256;
    private const int CatchUpPage = 1_000;

    private string _strategyId = "";
    private string _symbol = "";
    private long _unwritten;
    private IAsyncStream<PositionChanged>? _pnl;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_strategyId, _symbol) = PositionKey.Parse(this.GetPrimaryKeyString());
        _pnl = this.GetStreamProvider(StorageNames.Streams).GetStream<PositionChanged>(TradingStreams.Id(TradingStreams.Pnl));
        // Replays what the stored snapshot has not seen (often the very fill whose Apply activated us).
        if (await CatchUpFromJournal(long.MaxValue) > 0) await AfterChange();
        this.RegisterGrainTimer(FlushIfDirty, new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)) { Interleave = false });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unwritten > 0) await Flush();
    }

    public Task<PositionSnapshot> Get() => Task.FromResult(Snapshot());

    public async Task<PositionUpdate> Apply(IReadOnlyList<Fill> fills)
    {
        var applied = 0;
        foreach (var fill in fills.OrderBy(f => f.Sequence))
        {
            if (fill.Sequence <= state.State.Sequence) continue; // already applied: exactly once
            if (fill.Sequence > state.State.Sequence + 1)
            {
                LogGap(logger, _strategyId, _symbol, state.State.Sequence, fill.Sequence);
                applied += await CatchUpFromJournal(fill.Sequence);
                continue;
            }
            ApplyOne(fill);
            applied++;
        }
        if (applied > 0) await AfterChange();
        return new PositionUpdate(Snapshot(), applied);
    }

    public async Task<PositionSnapshot> Mark(decimal price, DateTimeOffset timeUtc, long journalHead)
    {
        if (journalHead > state.State.Sequence) await CatchUpFromJournal(journalHead);
        if (state.State.LastMarkUtc is { } last && timeUtc < last) return Snapshot();
        state.State.LastPrice = price;
        state.State.LastMarkUtc = timeUtc;
        var snapshot = Snapshot();
        if (state.State.Quantity != 0m)
        {
            // A mark supersedes an unsent mark: only the newest snapshot matters, so marks never pile up.
            if (_outbox.Count > 0 && _outbox[^1].Fill is null) _outbox[^1] = new PositionChanged(snapshot, null);
            else _outbox.Add(new PositionChanged(snapshot, null));
            await Publish();
        }
        return snapshot;
    }

    public async Task<PositionSnapshot> CatchUp(long journalHead)
    {
        if (journalHead > state.State.Sequence && await CatchUpFromJournal(journalHead) > 0) await AfterChange();
        return Snapshot();
    }

    private void ApplyOne(Fill fill)
    {
        state.State.Apply(fill);
        _unwritten++;
        _outbox.Add(new PositionChanged(Snapshot(), fill));
    }

    /// <summary>Changes not yet on the PnL stream, oldest first (kept when the stream refuses them, e.g. a full queue).</summary>
    private readonly List<PositionChanged> _outbox = [];
    private const int OutboxLimit = 50_000;
    private bool _publishFailing;

    /// <summary>Replays journaled fills after the current sequence, up to <paramref name="upTo"/>.</summary>
    private async Task<int> CatchUpFromJournal(long upTo)
    {
        var applied = 0;
        while (state.State.Sequence < upTo)
        {
            var page = await journal.FillsAfter(_strategyId, _symbol, state.State.Sequence, CatchUpPage);
            foreach (var fill in page)
            {
                if (fill.Sequence != state.State.Sequence + 1) throw new InvalidOperationException(
                    $"The journal of {this.GetPrimaryKeyString()} jumps from {state.State.Sequence} to {fill.Sequence}.");
                if (fill.Sequence > upTo) break;
                ApplyOne(fill);
                applied++;
            }
            if (page.Count < CatchUpPage) break;
        }
        if (applied > 0) LogCaughtUp(logger, _strategyId, _symbol, applied, state.State.Sequence);
        return applied;
    }

    private async Task AfterChange()
    {
        if (!state.State.Registered)
        {
            await GrainFactory.Registry(Registries.Positions).Register(this.GetPrimaryKeyString());
            state.State.Registered = true;
            await Flush();
        }
        else if (_unwritten >= WriteEvery)
        {
            await Flush();
        }
        await Publish();
    }

    /// <summary>
    /// Sends the outbox in order. The stream is a notification (the journal and this grain are the truth),
    /// so a refusal never fails the caller: the changes stay queued and go out with the next change or
    /// on the timer. Beyond <see cref="OutboxLimit"/> the oldest are dropped (consumers see the newest snapshot).
    /// </summary>
    private async Task Publish()
    {
        if (_pnl is null) return;
        var sent = 0;
        try
        {
            for (; sent < _outbox.Count; sent++) await _pnl.OnNextAsync(_outbox[sent]);
            if (_publishFailing) LogPublishRecovered(logger, _strategyId, _symbol);
            _publishFailing = false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!_publishFailing) LogPublishFailed(logger, _strategyId, _symbol, e);
            _publishFailing = true;
        }
        finally
        {
            _outbox.RemoveRange(0, sent);
            if (_outbox.Count > OutboxLimit) _outbox.RemoveRange(0, _outbox.Count - OutboxLimit);
        }
    }

    private async Task FlushIfDirty(CancellationToken cancellationToken)
    {
        if (_unwritten > 0) await Flush();
        if (_outbox.Count > 0) await Publish();
    }

    private async Task Flush()
    {
        try
        {
            await state.WriteStateAsync();
            _unwritten = 0;
        }
        catch (InconsistentStateException)
        {
            // Someone else wrote the snapshot (or a write we thought failed landed): the journal is the
            // truth, so start over from the stored snapshot and replay.
            DeactivateOnIdle();
            throw;
        }
    }

    private PositionSnapshot Snapshot() => state.State.ToSnapshot(_strategyId, _symbol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Position {StrategyId}/{Symbol} cannot publish on the PnL stream; changes are kept and retried")]
    private static partial void LogPublishFailed(ILogger logger, string strategyId, string symbol, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Position {StrategyId}/{Symbol} publishes on the PnL stream again")]
    private static partial void LogPublishRecovered(ILogger logger, string strategyId, string symbol);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Position {StrategyId}/{Symbol} at sequence {Sequence} received fill {Next}: catching up from the journal")]
    private static partial void LogGap(ILogger logger, string strategyId, string symbol, long sequence, long next);

    [LoggerMessage(Level = LogLevel.Information, Message = "Position {StrategyId}/{Symbol} replayed {Count} fills from the journal (now at {Sequence})")]
    private static partial void LogCaughtUp(ILogger logger, string strategyId, string symbol, int count, long sequence);
}
