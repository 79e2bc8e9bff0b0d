using Orleans.Concurrency;

namespace TradingPlatform.Market;

/// <summary>
/// One symbol's market (key: the symbol): the last price, and the strategies that trade it. Ticks
/// go on to those strategies (signals, resting limit orders, position marks).
/// </summary>
[Alias("market")]
public interface IMarketGrain : IGrainWithStringKey
{
    /// <summary>Interleaves with tick processing: it only reads memory, so strategies may ask while a tick waits on them.</summary>
    [Alias("get"), ReadOnly, AlwaysInterleave]
    Task<MarketSnapshot> Get();

    /// <summary>Ticks of this symbol in time order; a tick older than the last one is counted stale and ignored.</summary>
    [Alias("ticks")]
    Task<TickResult> OnTicks(IReadOnlyList<Tick> ticks);

    /// <summary>A strategy that trades this symbol; it receives every tick from now on.</summary>
    [Alias("watch")]
    Task Watch(string strategyId);
}
