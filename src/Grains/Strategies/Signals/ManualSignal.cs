namespace TradingPlatform.Strategies.Signals;

/// <summary><c>manual</c>: orders come from people, not prices; the signal never emits.</summary>
public sealed class ManualSignal : ISignal
{
    /// <summary>The one instance (the signal has no state).</summary>
    public static readonly ManualSignal Instance = new();

    private ManualSignal()
    {
    }

    public decimal? OnPrice(decimal price) => null;

    /// <inheritdoc/>
    public SignalInspection Inspect() => Described;

    private static readonly SignalInspection Described = new(true, 0, 0, 0m, System.Collections.Immutable.ImmutableSortedDictionary<string, decimal?>.Empty,
        "A manual strategy has no signal: its orders come from POST /v1/orders.");
}
