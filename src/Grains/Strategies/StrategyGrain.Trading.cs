using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using TradingPlatform.Common;
using TradingPlatform.Execution;
using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Risk;
using TradingPlatform.Storage;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Strategies;

/// <summary>
/// The trading desk of a strategy. All of the strategy's orders are decided here one at a time, so
/// pre-trade risk sees exact positions and working orders; all fills of its positions are journaled
/// from here with the next per-position sequence, then applied to the position grains.
/// </summary>
public sealed partial class StrategyGrain
{
    private sealed class SymbolDesk
    {
        public PositionBook Book = PositionBook.Flat;
        public long Head;
        public decimal? LastPrice;
        public DateTimeOffset? LastTimeUtc;
        public ISignal? Signal;

        // Diagnostics: plain fields written per tick (no allocation), turned into text only when read.
        public Decision? LastDecision;
        public decimal? SignalPrice;
        public DateTimeOffset SignalTimeUtc;
        public DateTimeOffset SignalProcessedAtUtc;
        public long StaleTicks;
    }

    private bool _deskOpen;
    private readonly Guid _activationId = Guid.NewGuid();
    private RiskControls _controls = RiskControls.AllActive;
    private readonly Dictionary<string, SymbolDesk> _symbols = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrderSnapshot> _working = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OrderSnapshot> _recentByClientId = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();

    /// <summary>clientOrderIds remembered in memory (<see cref="StrategyOptions.RecentOrdersInMemory"/>); older ones are looked up in the journal.</summary>
    private readonly int _recentOrderMemory = strategyOptions.Value.RecentOrdersInMemory;
    private bool _clientIdsComplete;
    private readonly Queue<long> _submissions = new();
    private long _fills;

    /// <summary>Loads what the desk needs from the journal, the positions, the markets and the kill switch.</summary>
    private async Task OpenDesk()
    {
        var id = this.GetPrimaryKeyString();
        _controls = await GrainFactory.KillSwitchGrain().Attach(id, _activationId);
        if (!state.State.Watching) await Watch();

        var heads = await journal.PositionHeads(id);
        var symbols = state.State.Symbols;
        var loads = symbols.Select(async symbol =>
        {
            var desk = new SymbolDesk();
            if (await QuoteWithin(symbol, QuoteWaitOnActivation) is { } quote)
            {
                desk.LastPrice = quote.Price;
                desk.LastTimeUtc = quote.TimeUtc;
            }
            if (heads.TryGetValue(symbol, out var head) && head > 0)
            {
                var position = await GrainFactory.GetGrain<IPositionGrain>(PositionKey.Of(id, symbol)).CatchUp(head);
                desk.Book = new PositionBook(position.Quantity, position.AveragePrice, position.RealizedPnl, position.Fees);
                desk.Head = position.Sequence;
                Interlocked.Add(ref _fills, position.Fills);
            }
            return (symbol, desk);
        }).ToArray();
        foreach (var (symbol, desk) in await Task.WhenAll(loads)) _symbols[symbol] = desk;

        foreach (var order in await journal.WorkingOrders(id)) _working[order.OrderId] = order;
        var recent = await journal.RecentOrders(id, _recentOrderMemory);
        for (var i = recent.Count - 1; i >= 0; i--) Remember(recent[i]);
        _clientIdsComplete = await journal.CountOrders(id) <= recent.Count;
        _deskOpen = true;
        ResetSignals();
        RollDay();
    }

    public async Task<OrderOutcome> PlaceOrder(OrderSpec spec)
    {
        if (!state.RecordExists) return this.ForgetUnknown(new OrderOutcome(OrderOutcomeKind.NotFound, Detail: $"Strategy '{this.GetPrimaryKeyString()}' does not exist."));
        var errors = OrderRules.Validate(spec, state.State.Symbols);
        if (!errors.IsEmpty) return new OrderOutcome(OrderOutcomeKind.Invalid, Errors: errors);

        if (_recentByClientId.TryGetValue(spec.ClientOrderId, out var seen)) return new OrderOutcome(OrderOutcomeKind.Duplicate, seen);
        if (!_clientIdsComplete && await journal.FindOrder(spec.StrategyId, spec.ClientOrderId) is { } stored)
            return new OrderOutcome(OrderOutcomeKind.Duplicate, stored);

        var order = await Decide(spec, bypassKillSwitch: false, OrderSource.Api);
        return order.Duplicate
            ? new OrderOutcome(OrderOutcomeKind.Duplicate, order.Order)
            : new OrderOutcome(OrderOutcomeKind.Placed, order.Order);
    }

    /// <summary>
    /// How long activation waits for a market's last price. The market may be unable to answer at all: while it
    /// deactivates (its silo shuts down) it runs no interleaved <see cref="IMarketGrain.Get"/>, and it may be waiting
    /// in <c>OnTicks</c> for this very strategy's <c>OnTick</c>, which cannot run before this activation ends — a cycle
    /// that only the response timeout broke, stalling the silo's shutdown and every call queued behind it. Without
    /// the price the desk opens all the same; the pending tick brings it, or the first order asks the market again.
    /// </summary>
    private static readonly TimeSpan QuoteWaitOnActivation = TimeSpan.FromSeconds(1);

    /// <summary>The market's snapshot, or null when it does not answer within <paramref name="wait"/>.</summary>
    private async Task<MarketSnapshot?> QuoteWithin(string symbol, TimeSpan wait)
    {
        var quote = GrainFactory.GetGrain<IMarketGrain>(symbol).Get();
        if (await Task.WhenAny(quote, Task.Delay(wait)) == quote) return await quote;
        quote.Ignore(); // it may still fail after its timeout: observed, not awaited
        var (id, waitMs) = (this.GetPrimaryKeyString(), wait.TotalMilliseconds);
        LogQuoteLate(logger, id, symbol, waitMs);
        return null;
    }

    /// <summary>Risk, then the venue, then one journal unit (the order with its immediate fills), then the position.</summary>
    private async Task<(OrderSnapshot Order, bool Duplicate)> Decide(OrderSpec spec, bool bypassKillSwitch, OrderSource source)
    {
        var desk = _symbols[spec.Symbol];
        if (desk.LastPrice is null)
        {
            // The desk opened without a price (the market was busy) and no tick came since: ask now, outside activation.
            var quote = await GrainFactory.GetGrain<IMarketGrain>(spec.Symbol).Get();
            if (desk.LastPrice is null && quote.Price is not null)
            {
                desk.LastPrice = quote.Price;
                desk.LastTimeUtc = quote.TimeUtc;
            }
        }
        var now = clock.GetUtcNow();
        var verdict = PreTradeRisk.Check(spec, RiskContextFor(spec.Symbol, desk, now, bypassKillSwitch));
        var orderId = $"{spec.StrategyId}.{Guid.CreateVersion7():N}";
        var order = new OrderSnapshot(orderId, spec.StrategyId, spec.Symbol, spec.Side, spec.Quantity, spec.Type, spec.LimitPrice,
            spec.ClientOrderId, verdict.Accepted ? OrderStatus.Open : OrderStatus.Rejected, verdict.Reason, verdict.Detail, 0m, 0m, now, now);

        IReadOnlyList<VenueFill> venueFills = verdict.Accepted ? await venue.Submit(order, desk.LastPrice!.Value, now) : [];
        var fills = ToFills(venueFills, [order], now, FillSource.Paper, out var updated);
        order = updated.Count > 0 ? updated[0] : order;

        var result = await CommitWithRetry(new JournalUnit(order, [], fills));
        if (result.Kind == JournalResultKind.DuplicateOrder)
        {
            Remember(result.ExistingOrder!);
            return (result.ExistingOrder!, true);
        }
        Remember(order);
        if (order.Status.IsWorking()) _working[order.OrderId] = order;
        if (order.Status == OrderStatus.Rejected) KeepRejection(order, source);
        TradingMetrics.OrderPlaced(order);
        if (result.Fills.Count > 0) await Applied(result.Fills, FillSource.Paper);
        return (order, false);
    }

    private RiskContext RiskContextFor(string symbol, SymbolDesk desk, DateTimeOffset now, bool bypassKillSwitch)
    {
        var window = now.UtcTicks - TimeSpan.TicksPerSecond;
        while (_submissions.TryPeek(out var t) && t <= window) _submissions.Dequeue();
        var limits = riskOptions.CurrentValue;
        decimal workingBuy = 0m, workingSell = 0m;
        foreach (var order in _working.Values)
        {
            if (order.Symbol != symbol) continue;
            if (order.Side == Side.Buy) workingBuy += order.RemainingQuantity;
            else workingSell += order.RemainingQuantity;
        }
        var context = new RiskContext(bypassKillSwitch ? RiskControls.AllActive : _controls,
            bypassKillSwitch ? StrategyStatus.Stopped : state.State.Status, state.State.Risk,
            desk.Book.Quantity, workingBuy, workingSell, desk.LastPrice, _submissions.Count, limits.MaxOrdersPerSecondPerStrategy, limits.PriceCollarPercent);
        _submissions.Enqueue(now.UtcTicks);
        return context;
    }

    /// <summary>Venue fills as journal fills with the next sequences; <paramref name="orders"/> come back updated.</summary>
    private List<Fill> ToFills(IReadOnlyList<VenueFill> venueFills, OrderSnapshot[] orders, DateTimeOffset now, FillSource source, out List<OrderSnapshot> updated)
    {
        updated = [];
        var fills = new List<Fill>(venueFills.Count);
        var heads = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var vf in venueFills)
        {
            var index = FindOrder(orders, vf.OrderId);
            var order = index >= 0 ? orders[index] : null;
            if (order is null) continue;
            var existing = updated.FindIndex(o => o.OrderId == order.OrderId);
            if (existing >= 0) order = updated[existing];
            var head = heads.TryGetValue(order.Symbol, out var h) ? h : _symbols[order.Symbol].Head;
            heads[order.Symbol] = head + 1;
            fills.Add(new Fill($"{order.OrderId}.f{(head + 1).ToString(CultureInfo.InvariantCulture)}", order.OrderId, order.StrategyId, order.Symbol,
                order.Side, vf.Quantity, vf.Price, vf.Fee, head + 1, now, source));
            var next = WithFill(order, vf.Quantity, vf.Price, now);
            if (existing >= 0) updated[existing] = next;
            else updated.Add(next);
        }
        return fills;
    }

    private static int FindOrder(OrderSnapshot[] orders, string orderId)
    {
        for (var i = 0; i < orders.Length; i++) if (orders[i].OrderId == orderId) return i;
        return -1;
    }

    private static OrderSnapshot WithFill(OrderSnapshot order, decimal quantity, decimal price, DateTimeOffset now)
    {
        var filled = order.FilledQuantity + quantity;
        var average = (order.FilledQuantity * order.AverageFillPrice + quantity * price) / filled;
        var status = filled >= order.Quantity ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
        return order with { FilledQuantity = filled, AverageFillPrice = average, Status = status, UpdatedAtUtc = now };
    }

    /// <summary>Commits; when another writer took a sequence (a stale view), reloads the heads and re-sequences once.</summary>
    private async Task<JournalResult> CommitWithRetry(JournalUnit unit)
    {
        var result = await journal.Commit(unit);
        if (result.Kind != JournalResultKind.SequenceTaken) return result;

        LogSequenceTaken(logger, this.GetPrimaryKeyString());
        await ResyncPositions();
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        var fills = unit.Fills.Select(f =>
        {
            var n = offsets[f.Symbol] = (offsets.TryGetValue(f.Symbol, out var o) ? o : 0) + 1;
            return f with { Sequence = _symbols[f.Symbol].Head + n };
        }).ToArray();
        result = await journal.Commit(unit with { Fills = fills });
        if (result.Kind == JournalResultKind.SequenceTaken)
            throw new InvalidOperationException($"Strategy {this.GetPrimaryKeyString()}: the journal keeps refusing position sequences; another writer is active.");
        return result;
    }

    private async Task ResyncPositions()
    {
        var id = this.GetPrimaryKeyString();
        var heads = await journal.PositionHeads(id);
        foreach (var (symbol, head) in heads)
        {
            if (!_symbols.TryGetValue(symbol, out var desk) || desk.Head >= head) continue;
            var position = await GrainFactory.GetGrain<IPositionGrain>(PositionKey.Of(id, symbol)).CatchUp(head);
            desk.Book = new PositionBook(position.Quantity, position.AveragePrice, position.RealizedPnl, position.Fees);
            _fills += position.Sequence - desk.Head; // sequences have no gaps: these are the fills another writer journaled
            desk.Head = position.Sequence;
        }
    }

    /// <summary>Journaled fills count: the desk's books, then the position grains, then the daily-loss check.</summary>
    private async Task Applied(IReadOnlyList<Fill> fills, FillSource source)
    {
        foreach (var fill in fills)
        {
            var desk = _symbols[fill.Symbol];
            desk.Book = desk.Book.Apply(fill.Side, fill.Quantity, fill.Price, fill.Fee);
            desk.Head = fill.Sequence;
            desk.LastPrice ??= fill.Price;
            _fills++;
        }
        TradingMetrics.FillJournaled(source, fills.Count);
        foreach (var group in fills.GroupBy(f => f.Symbol))
        {
            try
            {
                await GrainFactory.GetGrain<IPositionGrain>(PositionKey.Of(this.GetPrimaryKeyString(), group.Key)).Apply(group.ToArray());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The fills are journaled: the position replays them when it activates or is next marked.
                LogPositionUnreachable(logger, this.GetPrimaryKeyString(), group.Key, e);
            }
        }
        await CheckDailyLoss();
    }

    public async Task<OrderOutcome> CancelOrder(string orderId)
    {
        if (!state.RecordExists) return new OrderOutcome(OrderOutcomeKind.NotFound, Detail: $"Order '{orderId}' does not exist.");
        if (!_working.TryGetValue(orderId, out var order))
        {
            var known = await journal.GetOrder(orderId);
            return known is null || known.StrategyId != this.GetPrimaryKeyString()
                ? new OrderOutcome(OrderOutcomeKind.NotFound, Detail: $"Order '{orderId}' does not exist.")
                : new OrderOutcome(OrderOutcomeKind.Conflict, known, $"Order '{orderId}' is {WireNames.Of(known.Status)}; only open orders can be cancelled.");
        }
        var cancelled = await CancelWorking([order]);
        return new OrderOutcome(OrderOutcomeKind.Cancelled, cancelled[0]);
    }

    private async Task<IReadOnlyList<OrderSnapshot>> CancelWorking(OrderSnapshot[] orders)
    {
        if (orders.Length == 0) return [];
        var now = clock.GetUtcNow();
        var cancelled = orders.Select(o => o with { Status = OrderStatus.Cancelled, UpdatedAtUtc = now }).ToArray();
        await journal.Commit(JournalUnit.ForUpdates(cancelled, []));
        foreach (var order in cancelled)
        {
            _working.Remove(order.OrderId);
            Remember(order);
            await venue.Cancel(order);
        }
        return cancelled;
    }

    public async Task<FillOutcome> RecordFill(ExternalFillSpec spec)
    {
        if (!state.RecordExists) return this.ForgetUnknown(new FillOutcome(FillOutcomeKind.NotFound, Detail: $"Strategy '{this.GetPrimaryKeyString()}' does not exist."));
        var errors = OrderRules.Validate(spec, state.State.Symbols);
        if (!errors.IsEmpty) return new FillOutcome(FillOutcomeKind.Invalid, Detail: string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));

        var desk = _symbols[spec.Symbol];
        var fill = new Fill(spec.FillId, spec.OrderId, spec.StrategyId, spec.Symbol, spec.Side, spec.Quantity, spec.Price, spec.Fee,
            desk.Head + 1, spec.ExecutedAtUtc, FillSource.External);
        var orderUpdates = new List<OrderSnapshot>();
        if (spec.OrderId is { } orderId && _working.TryGetValue(orderId, out var order) && order.Symbol == spec.Symbol && order.Side == spec.Side)
            orderUpdates.Add(WithFill(order, Math.Min(spec.Quantity, order.RemainingQuantity), spec.Price, clock.GetUtcNow()));

        var result = await CommitWithRetry(JournalUnit.ForUpdates(orderUpdates, [fill]));
        if (result.Kind == JournalResultKind.DuplicateFill)
        {
            TradingMetrics.DuplicateFill();
            return new FillOutcome(FillOutcomeKind.Duplicate, result.ExistingFill);
        }
        foreach (var updated in orderUpdates) Track(updated);
        await Applied(result.Fills, FillSource.External);
        return new FillOutcome(FillOutcomeKind.Recorded, result.Fills[0]);
    }

    public async Task OnTick(Tick tick)
    {
        if (!state.RecordExists || !_symbols.TryGetValue(tick.Symbol, out var desk)) return;
        if (desk.LastTimeUtc is { } last && tick.TimeUtc < last)
        {
            desk.StaleTicks++;
            return;
        }
        desk.LastPrice = tick.Price;
        desk.LastTimeUtc = tick.TimeUtc;
        RollDay();

        // Resting limit orders the tick reaches.
        var working = _working.Values.Where(o => o.Symbol == tick.Symbol).ToArray();
        if (working.Length > 0)
        {
            var venueFills = venue.OnTick(working, tick.Price, tick.TimeUtc);
            if (venueFills.Count > 0)
            {
                var fills = ToFills(venueFills, working, clock.GetUtcNow(), FillSource.Paper, out var updated);
                var result = await CommitWithRetry(JournalUnit.ForUpdates(updated, fills));
                foreach (var order in updated) Track(order);
                await Applied(result.Fills, FillSource.Paper);
            }
        }

        if (desk.Book.Quantity != 0m)
        {
            try
            {
                await GrainFactory.GetGrain<IPositionGrain>(PositionKey.Of(this.GetPrimaryKeyString(), tick.Symbol)).Mark(tick.Price, tick.TimeUtc, desk.Head);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPositionUnreachable(logger, this.GetPrimaryKeyString(), tick.Symbol, e);
            }
            await CheckDailyLoss();
        }

        // The strategy's own signal, through the same risk checks as any order. Each outcome is kept as a decision code
        // (diagnostics format it when read).
        var now = clock.GetUtcNow();
        if (state.State.Status != StrategyStatus.Running || desk.Signal is null)
        {
            var code = state.State.Status == StrategyStatus.Halted ? DecisionCode.StrategyHalted : DecisionCode.StrategyStopped;
            desk.LastDecision = new Decision(code, now, tick.Price, desk.Book.Quantity, 0m);
            return;
        }
        desk.SignalPrice = tick.Price;
        desk.SignalTimeUtc = tick.TimeUtc;
        desk.SignalProcessedAtUtc = now;
        if (desk.Signal.OnPrice(tick.Price) is not { } target)
        {
            desk.LastDecision = new Decision(DecisionCode.NoSignal, now, tick.Price, desk.Book.Quantity, 0m);
            return;
        }
        var working2 = _working.Values.Where(o => o.Symbol == tick.Symbol).Sum(o => o.Side.Sign() * o.RemainingQuantity);
        var delta = target - desk.Book.Quantity - working2;
        if (delta == 0m)
        {
            var code = working2 == 0m ? DecisionCode.AlreadyPositioned : DecisionCode.CoveredByWorkingOrders;
            desk.LastDecision = new Decision(code, now, tick.Price, desk.Book.Quantity, working2) { Target = target };
            return;
        }
        var spec = new OrderSpec(this.GetPrimaryKeyString(), tick.Symbol, delta > 0 ? Side.Buy : Side.Sell, Math.Abs(delta), OrderType.Market, null,
            $"signal:{Guid.CreateVersion7():N}");
        var positionBefore = desk.Book.Quantity;
        var (placed, _) = await Decide(spec, bypassKillSwitch: false, OrderSource.Signal);
        desk.LastDecision = new Decision(placed.Status == OrderStatus.Rejected ? DecisionCode.OrderRejected : DecisionCode.OrderPlaced,
            now, tick.Price, positionBefore, working2) { Target = target, Order = placed };
        LogSignalOrder(logger, spec.StrategyId, tick.Symbol, target, placed.Status);
    }

    public async Task<ControlsApplied> ApplyControls(RiskControls controls, bool cancelOpenOrders, bool flatten)
    {
        if (!state.RecordExists || controls.Version < _controls.Version) return ControlsApplied.None;
        _controls = controls;

        if (controls.Strategy == KillSwitchState.Halted && state.State.Status != StrategyStatus.Halted)
            await ChangeStatus(StrategyStatus.Halted, "halted through the kill switch");
        else if (controls.Strategy != KillSwitchState.Halted && state.State.Status == StrategyStatus.Halted)
            await ChangeStatus(StrategyStatus.Stopped, null); // released: stopped, with a fresh daily-loss baseline

        var cancelled = cancelOpenOrders ? (await CancelWorking(_working.Values.ToArray())).Count : 0;
        var flattening = 0;
        if (flatten)
        {
            foreach (var (symbol, desk) in _symbols)
            {
                if (desk.Book.Quantity == 0m || desk.LastPrice is null) continue;
                var spec = new OrderSpec(this.GetPrimaryKeyString(), symbol, desk.Book.Quantity > 0 ? Side.Sell : Side.Buy,
                    Math.Abs(desk.Book.Quantity), OrderType.Market, null, $"flatten:{controls.Version.ToString(CultureInfo.InvariantCulture)}:{symbol}");
                if (_recentByClientId.ContainsKey(spec.ClientOrderId)) continue;
                await Decide(spec, bypassKillSwitch: true, OrderSource.Flatten);
                flattening++;
            }
        }
        return new ControlsApplied(cancelled, flattening);
    }

    private async Task ChangeStatus(StrategyStatus status, string? reason)
    {
        var next = state.State.Copy();
        next.Status = status;
        next.HaltReason = status == StrategyStatus.Halted ? reason : null;
        next.UpdatedAtUtc = clock.GetUtcNow();
        if (status != StrategyStatus.Halted)
        {
            next.PnlDay = DateOnly.FromDateTime(next.UpdatedAtUtc.UtcDateTime);
            next.DayStartTotalPnl = Pnl().Total;
        }
        await state.Replace(next, this);
        ResetSignals();
        await PublishStatus();
    }

    /// <summary>A strategy whose loss for the day exceeds its maxDailyLoss halts itself and cancels its working orders.</summary>
    private async Task CheckDailyLoss()
    {
        if (state.State.Status == StrategyStatus.Halted) return;
        var pnl = Pnl();
        if (pnl.Daily >= -state.State.Risk.MaxDailyLoss) return;

        var reason = string.Create(CultureInfo.InvariantCulture, $"daily loss {-pnl.Daily} exceeded maxDailyLoss {state.State.Risk.MaxDailyLoss}");
        LogAutoTrip(logger, this.GetPrimaryKeyString(), reason);
        await ChangeStatus(StrategyStatus.Halted, reason);
        await CancelWorking(_working.Values.ToArray());
        GrainFactory.KillSwitchGrain().StrategyTripped(this.GetPrimaryKeyString(), reason).Ignore();
    }

    private void RollDay()
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (state.State.PnlDay == today) return;
        // A new UTC day: the baseline moves to the current total. Written with the next state change.
        state.State.PnlDay = today;
        state.State.DayStartTotalPnl = Pnl().Total;
    }

    private StrategyPnl Pnl()
    {
        decimal realized = 0m, unrealized = 0m;
        foreach (var desk in _symbols.Values)
        {
            realized += desk.Book.RealizedPnl;
            unrealized += desk.Book.Unrealized(desk.LastPrice);
        }
        return new StrategyPnl(realized, unrealized, realized + unrealized - state.State.DayStartTotalPnl);
    }

    private StrategySnapshot Snapshot() => state.State.ToSnapshot(_deskOpen ? Pnl() : StrategyPnl.Zero, _working.Count, _fills);

    private void ResetSignals()
    {
        foreach (var desk in _symbols.Values)
            desk.Signal = state.State.Status == StrategyStatus.Running ? SignalFactory.Create(state.State.Kind, state.State.Parameters) : null;
    }

    private void Track(OrderSnapshot order)
    {
        if (order.Status.IsWorking()) _working[order.OrderId] = order;
        else _working.Remove(order.OrderId);
        Remember(order);
    }

    private void Remember(OrderSnapshot order)
    {
        if (!_recentByClientId.ContainsKey(order.ClientOrderId)) _recentOrder.Enqueue(order.ClientOrderId);
        _recentByClientId[order.ClientOrderId] = order;
        while (_recentOrder.Count > _recentOrderMemory)
        {
            _recentByClientId.Remove(_recentOrder.Dequeue());
            _clientIdsComplete = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Strategy {StrategyId}: market {Symbol} gave no price within {WaitMs:0} ms of activation; the desk opens without it")]
    private static partial void LogQuoteLate(ILogger logger, string strategyId, string symbol, double waitMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Strategy {StrategyId}: position {Symbol} did not answer; it will replay the journal")]
    private static partial void LogPositionUnreachable(ILogger logger, string strategyId, string symbol, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Strategy {StrategyId}: a position sequence was taken by another writer; resynchronizing from the journal")]
    private static partial void LogSequenceTaken(ILogger logger, string strategyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Strategy {StrategyId} halted itself: {Reason}")]
    private static partial void LogAutoTrip(ILogger logger, string strategyId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Strategy {StrategyId} signal on {Symbol}: target {Target}, order {Status}")]
    private static partial void LogSignalOrder(ILogger logger, string strategyId, string symbol, decimal target, OrderStatus status);
}
