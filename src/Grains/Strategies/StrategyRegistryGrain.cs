using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Strategies;

[GenerateSerializer, Alias("strategy-registry-state.v1")]
public sealed class StrategyRegistryState
{
    [Id(0)] public List<string> Ids { get; set; } = [];
}

[GrainType("strategy-registry")]
public sealed class StrategyRegistryGrain(
    [PersistentState("strategy-registry", StorageNames.Trading)] IPersistentState<StrategyRegistryState> state)
    : Grain, IStrategyRegistryGrain
{
    private HashSet<string> _known = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _known = new HashSet<string>(state.State.Ids, StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public async Task Register(string strategyId)
    {
        if (!_known.Add(strategyId)) return;
        state.State.Ids.Add(strategyId);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Ids.RemoveAt(state.State.Ids.Count - 1);
            _known.Remove(strategyId);
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<Page<string>> List(PageRequest page)
    {
        var ids = state.State.Ids;
        var items = page.Skip >= ids.Count ? [] : ids.Skip((int)page.Skip).Take(page.PerPage).ToArray();
        return Task.FromResult(new Page<string>(items, page.Page, page.PerPage, ids.Count));
    }
}
