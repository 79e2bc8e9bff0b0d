using TradingPlatform.Storage;

namespace TradingPlatform.Common;

[GenerateSerializer, Alias("registry-state.v1")]
public sealed class RegistryState
{
    [Id(0)] public List<string> Ids { get; set; } = [];
}

/// <summary>Ids of one kind of entity in creation order (key: <see cref="Registries"/>), so lists never scan storage.</summary>
[GrainType("registry")]
public sealed class RegistryGrain(
    [PersistentState("registry", StorageNames.Trading)] IPersistentState<RegistryState> state)
    : Grain, IRegistryGrain
{
    private HashSet<string> _known = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _known = new HashSet<string>(state.State.Ids, StringComparer.Ordinal);
        return Task.CompletedTask;
    }

    public async Task Register(string id)
    {
        if (!_known.Add(id)) return;
        state.State.Ids.Add(id);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Ids.RemoveAt(state.State.Ids.Count - 1);
            _known.Remove(id);
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
