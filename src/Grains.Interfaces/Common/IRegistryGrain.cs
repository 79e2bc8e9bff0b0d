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
}
