using Orleans.Concurrency;

namespace TradingPlatform.Common;

/// <summary>
/// The ids of one kind of entity in creation order, so listing never scans grain storage.
/// One activation per kind; keys are in <see cref="Registries"/>.
/// </summary>
[Alias("registry")]
public interface IRegistryGrain : IGrainWithStringKey
{
    /// <summary>Adds the id once; repeating it is a no-op.</summary>
    [Alias("register")]
    Task Register(string id);

    [Alias("list"), ReadOnly]
    Task<Page<string>> List(PageRequest page);
}

public static class Registries
{
    public const string Strategies = "strategies";
    public const string Users = "users";
    public const string Positions = "positions";

    public static IRegistryGrain Registry(this IGrainFactory grains, string kind) => grains.GetGrain<IRegistryGrain>(kind);

    /// <summary>Every id of the registry, in creation order (pages of <see cref="PageRequest.MaxPerPage"/>).</summary>
    public static async Task<IReadOnlyList<string>> ListAll(this IRegistryGrain registry)
    {
        var ids = new List<string>();
        for (var page = 1; ; page++)
        {
            var batch = await registry.List(new PageRequest(page, PageRequest.MaxPerPage));
            ids.AddRange(batch.Items);
            if (batch.Items.Count < PageRequest.MaxPerPage) return ids;
        }
    }
}
