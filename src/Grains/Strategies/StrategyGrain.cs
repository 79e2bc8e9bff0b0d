using TradingPlatform.Common;
using Microsoft.Extensions.Logging;
using TradingPlatform.Storage;

namespace TradingPlatform.Strategies;

[GrainType("strategy")]
public sealed partial class StrategyGrain(
    [PersistentState("strategy", StorageNames.Trading)] IPersistentState<StrategyState> state,
    TimeProvider clock,
    ILogger<StrategyGrain> logger) : Grain, IStrategyGrain
{
    private StrategySnapshot? _snapshot;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !state.State.Registered)
            await Register();
    }

    public Task<StrategySnapshot?> Get()
    {
        if (!state.RecordExists) return Task.FromResult<StrategySnapshot?>(null);
        return Task.FromResult<StrategySnapshot?>(_snapshot ??= state.State.ToSnapshot());
    }

    public async Task<StrategyOutcome> Create(StrategySpec spec)
    {
        var id = this.GetPrimaryKeyString();
        if (spec.Id != id) return StrategyOutcome.Conflict($"The spec is for '{spec.Id}' but this grain is '{id}'.");
        if (state.RecordExists) return StrategyOutcome.Conflict($"Strategy '{id}' already exists.");

        var errors = StrategyRules.Validate(spec);
        if (!errors.IsEmpty) return StrategyOutcome.Invalid(errors);

        await Persist(StrategyState.From(spec, clock.GetUtcNow()));
        try
        {
            await Register();
        }
        catch
        {
            DeactivateOnIdle(); // stored but not listed yet: the next activation registers it
            throw;
        }
        LogCreated(logger, id, spec.Kind);
        return new StrategyOutcome(StrategyOutcomeKind.Created, state.State.ToSnapshot());
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
        if (patch.IsEmpty) return new StrategyOutcome(StrategyOutcomeKind.Ok, await Get());

        var next = current.Copy();
        next.Name = patch.Name ?? next.Name;
        next.Parameters = patch.Parameters ?? next.Parameters;
        next.Risk = patch.Risk ?? next.Risk;
        next.Status = patch.Status ?? next.Status;
        next.UpdatedAtUtc = clock.GetUtcNow();
        await Persist(next);
        return new StrategyOutcome(StrategyOutcomeKind.Ok, state.State.ToSnapshot());
    }

    private Task Persist(StrategyState next)
    {
        _snapshot = null;
        return state.Replace(next, this);
    }

    private async Task Register()
    {
        await GrainFactory.Registry(Registries.Strategies).Register(this.GetPrimaryKeyString());
        state.State.Registered = true;
        await state.WriteStateAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Strategy {StrategyId} created ({Kind})")]
    private static partial void LogCreated(ILogger logger, string strategyId, StrategyKind kind);
}
