using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Risk;

namespace TradingPlatform.Strategies;

/// <summary>
/// "Why no trade?": what the desk keeps for <c>GET /v1/strategies/{id}/diagnostics</c>. The tick path records a
/// decision code and the numbers it was made on in plain fields of the symbol's desk; risk rejections go into a small
/// bounded queue. Everything is turned into text only when someone reads it, from memory (no database query).
/// </summary>
public sealed partial class StrategyGrain
{
    /// <summary>A decision on one tick: its code, the price, the position and working quantity it saw, and the order it led to.</summary>
    private readonly record struct Decision(DecisionCode Code, DateTimeOffset AtUtc, decimal Price, decimal Position, decimal Working)
    {
        public decimal? Target { get; init; }

        public OrderSnapshot? Order { get; init; }
    }

    private readonly Queue<RiskRejection> _rejections = new();

    private void KeepRejection(OrderSnapshot order, OrderSource source)
    {
        _rejections.Enqueue(new RiskRejection(order.CreatedAtUtc, order.OrderId, order.ClientOrderId, order.Symbol, order.Side, order.Quantity,
            order.Type, order.LimitPrice, order.RejectReason ?? RejectReason.KillSwitchGlobal, order.RejectDetail ?? "", source));
        var keep = riskOptions.CurrentValue.RecentRejectionsPerStrategy;
        while (_rejections.Count > keep) _rejections.Dequeue();
    }

    public Task<StrategyDiagnostics?> Diagnostics()
    {
        if (!state.RecordExists) return Task.FromResult(this.ForgetUnknown<StrategyDiagnostics?>(null));
        var id = this.GetPrimaryKeyString();
        var current = state.State;
        var symbols = current.Symbols
            .Where(_symbols.ContainsKey)
            .Select(symbol => DescribeSymbol(id, symbol, _symbols[symbol]))
            .ToImmutableArray();
        var keep = riskOptions.CurrentValue.RecentRejectionsPerStrategy;
        var rejections = _rejections.Reverse().Take(keep).ToImmutableArray();
        return Task.FromResult<StrategyDiagnostics?>(new StrategyDiagnostics(id, current.Kind, current.Status, current.HaltReason,
            new KillSwitchStates(_controls.Global, _controls.Strategy), symbols, rejections, keep, clock.GetUtcNow()));
    }

    private SymbolDiagnostics DescribeSymbol(string id, string symbol, SymbolDesk desk)
    {
        var working = _working.Values.Where(o => o.Symbol == symbol).Sum(o => o.Side.Sign() * o.RemainingQuantity);
        var inspection = desk.Signal?.Inspect();
        var signal = inspection is null ? null
            : new SignalDiagnostics(inspection.Ready, inspection.PricesSeen, inspection.PricesNeeded, inspection.Target, inspection.Indicators, inspection.Note);
        var input = desk.SignalPrice is { } price ? new SignalInput(price, desk.SignalTimeUtc, desk.SignalProcessedAtUtc) : null;
        var decision = desk.LastDecision is { } d ? Describe(d, inspection) : null;
        return new SymbolDiagnostics(symbol, desk.LastPrice, desk.LastTimeUtc, desk.Book.Quantity, working, input, signal, decision,
            desk.StaleTicks, Why(id, symbol, desk, decision));
    }

    /// <summary>The decision as people read it. "No target" becomes warming up or no signal by what the signal says now
    /// (its state is the one the last price left, unless the strategy was restarted since).</summary>
    private static DecisionDiagnostics Describe(Decision d, Signals.SignalInspection? inspection)
    {
        var code = d.Code == DecisionCode.NoSignal && inspection is { Ready: false } ? DecisionCode.WarmingUp : d.Code;
        var order = d.Order;
        var message = code switch
        {
            DecisionCode.StrategyStopped => Text($"The tick at {d.Price} did not reach the signal: the strategy is stopped."),
            DecisionCode.StrategyHalted => Text($"The tick at {d.Price} did not reach the signal: the strategy is halted."),
            DecisionCode.WarmingUp => inspection!.Note,
            DecisionCode.NoSignal => inspection?.Note ?? "The target did not change on the last price (the signal has been reset since).",
            DecisionCode.AlreadyPositioned => Text($"The signal asks for {d.Target}, and the position already is {d.Position}: no order."),
            DecisionCode.CoveredByWorkingOrders =>
                Text($"The signal asks for {d.Target}; the position {d.Position} plus working orders {d.Working} already make it: an order would be for 0."),
            DecisionCode.OrderPlaced => Text($"The signal's target changed to {d.Target}: {WireNames.Of(order!.Side)} {order.Quantity} at market, order {order.OrderId} is {WireNames.Of(order.Status)}."),
            DecisionCode.OrderRejected =>
                Text($"The signal's target changed to {d.Target}: {WireNames.Of(order!.Side)} {order.Quantity} was refused by pre-trade risk ({(order.RejectReason is { } reason ? WireNames.Of(reason) : "")}): {order.RejectDetail}"),
            _ => code.ToString(),
        };
        return new DecisionDiagnostics(code, d.AtUtc, d.Price, d.Target, order?.Side, order?.Quantity, order?.OrderId, order?.RejectReason, message);
    }

    private string Why(string id, string symbol, SymbolDesk desk, DecisionDiagnostics? decision)
    {
        var why = new StringBuilder();
        if (desk.LastPrice is null) why.Append(Text($"No market price for {symbol} yet: no tick has arrived, so the signal has nothing to decide on and market orders are refused (no_market_price). "));
        var current = state.State;
        switch (current.Status)
        {
            case StrategyStatus.Stopped:
                why.Append(Text($"The strategy is stopped: ticks do not reach its signal. Start it with PATCH /v1/strategies/{id} {{\"status\":\"running\"}}. "));
                break;
            case StrategyStatus.Halted:
                why.Append(_controls.Strategy == KillSwitchState.Halted
                    ? Text($"The strategy is halted by its kill switch (scope strategy:{id}): no signal, no new orders. Release it with POST /v1/controls/kill-switch (state active). ")
                    : Text($"The strategy is halted ({current.HaltReason ?? "no reason given"}): no signal, no new orders. Release it with POST /v1/controls/kill-switch (scope strategy:{id}, state active). "));
                break;
        }
        if (current.Status != StrategyStatus.Halted)
        {
            if (_controls.Global != KillSwitchState.Active)
                why.Append(Text($"The global kill switch is {WireNames.Of(_controls.Global)}: {(_controls.Global == KillSwitchState.Halted ? "every new order is refused" : "only orders that shrink a position are accepted")}. "));
            if (_controls.Strategy == KillSwitchState.Reducing)
                why.Append(Text($"This strategy's kill switch is reducing (scope strategy:{id}): only orders that shrink the position are accepted. "));
        }
        if (current.Status == StrategyStatus.Running)
        {
            if (decision is null) why.Append("Running, but no tick of this symbol has reached the signal since it started. ");
            else if (decision.Code is not (DecisionCode.StrategyStopped or DecisionCode.StrategyHalted)) why.Append(decision.Message);
        }
        return why.ToString().TrimEnd();
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
