using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using TradingPlatform.Common;
using TradingPlatform.Execution;
using TradingPlatform.Market;
using TradingPlatform.Risk;
using TradingPlatform.Storage;

namespace TradingPlatform.Strategies;

/// <summary>
/// A strategy: its definition and status (grain storage), and its trading desk (this file's partner,
/// <c>StrategyGrain.Trading.cs</c>), whose orders and fills live in the journal. Reads come from memory.
/// </summary>
[GrainType("strategy")]
public sealed partial class StrategyGrain(
    [PersistentState("strategy", StorageNames.Trading)] IPersistentState<StrategyState> state,
    ITradingJournal journal,
    IExecutionVenue venue,
    IOptionsMonitor<RiskOptions> riskOptions,
    IOptions<StrategyOptions> strategyOptions,
    TimeProvider clock,
    ILogger<StrategyGrain> logger) : Grain, IStrategyGrain
{
    private IAsyncStream<StrategySnapshot>? _statusStream;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _statusStream = this.GetStreamProvider(StorageNames.Streams).GetStream<StrategySnapshot>(TradingStreams.Id(TradingStreams.Strategies));
        if (!state.RecordExists) return;
        if (!state.State.Registered) await Register();
        await OpenDesk();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_deskOpen) GrainFactory.KillSwitchGrain().Detach(this.GetPrimaryKeyString(), _activationId).Ignore();
        return Task.CompletedTask;
    }

    public Task<StrategySnapshot?> Get() =>
        Task.FromResult(state.RecordExists ? Snapshot() : this.ForgetUnknown<StrategySnapshot?>(null));

    public async Task<StrategyOutcome> Create(StrategySpec spec)
    {
        var id = this.GetPrimaryKeyString();
        if (spec.Id != id) return StrategyOutcome.Conflict($"The spec is for '{spec.Id}' but this grain is '{id}'.");
        if (state.RecordExists) return StrategyOutcome.Conflict($"Strategy '{id}' already exists.");

        var errors = StrategyRules.Validate(spec);
        if (!errors.IsEmpty) return StrategyOutcome.Invalid(errors);

        var created = StrategyState.From(spec, clock.GetUtcNow());
        created.PnlDay = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await state.Replace(created, this);
        try
        {
            await Register();
            await OpenDesk();
        }
        catch
        {
            DeactivateOnIdle(); // stored but not listed or watched yet: the next activation finishes the job
            throw;
        }
        LogCreated(logger, id, spec.Kind);
        await PublishStatus();
        return new StrategyOutcome(StrategyOutcomeKind.Created, Snapshot());
    }

    public async Task<StrategyOutcome> Update(StrategyPatch patch)
    {
        var id = this.GetPrimaryKeyString();
        if (!state.RecordExists) return StrategyOutcome.NotFound(id);

        var errors = StrategyRules.Validate(state.State.Kind, patch);
        if (!errors.IsEmpty) return StrategyOutcome.Invalid(errors);

        var current = state.State;
        if (patch.Status is { } requested && requested != current.Status && current.Status == StrategyStatus.Halted)
            return StrategyOutcome.Conflict($"Strategy '{id}' is halted; release it through /v1/controls/kill-switch.");
        if (patch.IsEmpty) return new StrategyOutcome(StrategyOutcomeKind.Ok, Snapshot());

        var next = current.Copy();
        next.Name = patch.Name ?? next.Name;
        next.Parameters = patch.Parameters ?? next.Parameters;
        next.Risk = patch.Risk ?? next.Risk;
        next.Status = patch.Status ?? next.Status;
        next.UpdatedAtUtc = clock.GetUtcNow();
        var statusChanged = next.Status != current.Status;
        var parametersChanged = patch.Parameters is not null;
        await state.Replace(next, this);
        if (statusChanged || parametersChanged) ResetSignals();
        if (statusChanged) await PublishStatus();
        return new StrategyOutcome(StrategyOutcomeKind.Ok, Snapshot());
    }

    private async Task Register()
    {
        await GrainFactory.Registry(Registries.Strategies).Register(this.GetPrimaryKeyString());
        state.State.Registered = true;
        await state.WriteStateAsync();
    }

    /// <summary>Every symbol's market grain sends this strategy its ticks from now on.</summary>
    private async Task Watch()
    {
        var id = this.GetPrimaryKeyString();
        await Task.WhenAll(state.State.Symbols.Select(s => GrainFactory.GetGrain<IMarketGrain>(s).Watch(id)));
        state.State.Watching = true;
        await state.WriteStateAsync();
    }

    private async Task PublishStatus()
    {
        if (_statusStream is null) return;
        try
        {
            await _statusStream.OnNextAsync(Snapshot());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A notification only: the portfolio rebuilds from strategy grains when it activates.
            LogPublishFailed(logger, this.GetPrimaryKeyString(), e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Strategy {StrategyId} created ({Kind})")]
    private static partial void LogCreated(ILogger logger, string strategyId, StrategyKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Strategy {StrategyId} could not publish its status")]
    private static partial void LogPublishFailed(ILogger logger, string strategyId, Exception exception);
}
