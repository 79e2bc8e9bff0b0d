using System.Collections.Immutable;

namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// What a signal's state says right now, for people asking why a strategy did not trade
/// (<c>GET /v1/strategies/{id}/diagnostics</c>). Built only on request by <see cref="ISignal.Inspect"/>: nothing on the
/// per-price path allocates or formats for it.
/// </summary>
/// <param name="Ready">Whether the signal has seen enough prices to emit a target on the next one.</param>
/// <param name="PricesSeen">Prices counted towards the warm-up (capped at <paramref name="PricesNeeded"/>).</param>
/// <param name="PricesNeeded">Prices the signal needs before it can decide (its window).</param>
/// <param name="Target">The target position it last emitted (0 before any).</param>
/// <param name="Indicators">Its indicator values by name (null while an indicator is warming up).</param>
/// <param name="Note">One sentence on its current condition: what would have to happen for the target to change.</param>
public sealed record SignalInspection(
    bool Ready,
    int PricesSeen,
    int PricesNeeded,
    decimal Target,
    ImmutableSortedDictionary<string, decimal?> Indicators,
    string Note)
{
    /// <summary>For signals that do not describe themselves.</summary>
    public static readonly SignalInspection Opaque = new(true, 0, 0, 0m, ImmutableSortedDictionary<string, decimal?>.Empty,
        "This signal does not describe its state.");
}
