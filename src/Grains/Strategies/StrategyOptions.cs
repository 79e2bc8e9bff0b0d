using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Strategies;

/// <summary>Silo-side settings of the strategies' trading desks (configuration section <c>Strategies</c>).</summary>
public sealed class StrategyOptions
{
    public const string SectionName = "Strategies";

    /// <summary>
    /// Orders each strategy keeps in memory by clientOrderId, so that a repeated clientOrderId is answered without a
    /// query. Older ones are answered from the journal, and once a strategy has placed more orders than this, each new
    /// clientOrderId is also checked in the journal before the order is placed: the answers are the same either way,
    /// only the number of queries differs. Memory per strategy grows with this (about 0.5 KiB an order) until the
    /// strategy has placed that many orders; the soak sets it low so that the memory is full within its warm-up.
    /// </summary>
    [Range(1, 1_000_000)] public int RecentOrdersInMemory { get; set; } = 10_000;
}
