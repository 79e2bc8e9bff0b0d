using Orleans.Concurrency;

namespace TradingPlatform.Positions;

/// <summary>
/// A strategy's position in one symbol (key: <see cref="PositionKey"/>). Applies journaled fills in
/// sequence order exactly once; a gap (a fill it never saw) is filled from the journal.
/// </summary>
[Alias("position")]
public interface IPositionGrain : IGrainWithStringKey
{
    [Alias("get"), ReadOnly]
    Task<PositionSnapshot> Get();

    /// <summary>Applies journaled fills of this position. Repeats (sequence already applied) are ignored.</summary>
    [Alias("apply")]
    Task<PositionUpdate> Apply(IReadOnlyList<Fill> fills);

    /// <summary>
    /// Marks the position at <paramref name="price"/>. <paramref name="journalHead"/> is the newest
    /// sequence the caller knows is journaled: a position behind it catches up from the journal.
    /// </summary>
    [Alias("mark")]
    Task<PositionSnapshot> Mark(decimal price, DateTimeOffset timeUtc, long journalHead);

    /// <summary>Brings the position up to <paramref name="journalHead"/> from the journal if it is behind.</summary>
    [Alias("catch-up")]
    Task<PositionSnapshot> CatchUp(long journalHead);
}
