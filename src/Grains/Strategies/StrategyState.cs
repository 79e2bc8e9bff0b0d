using System.Collections.Immutable;

namespace TradingPlatform.Strategies;

/// <summary>The persisted state of one strategy. Stored as JSON; property names are its schema.</summary>
[GenerateSerializer, Alias("strategy-state.v1")]
public sealed class StrategyState
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Name { get; set; } = "";
    [Id(2)] public StrategyKind Kind { get; set; }
    [Id(3)] public ImmutableArray<string> Symbols { get; set; } = [];
    [Id(4)] public ImmutableSortedDictionary<string, decimal> Parameters { get; set; } = ImmutableSortedDictionary<string, decimal>.Empty;
    [Id(5)] public StrategyRisk Risk { get; set; } = new(0m, 0m, 0m, 0m);
    [Id(6)] public StrategyStatus Status { get; set; }
    // Ids 7-9 held PnL, open orders and fills before the trading desk computed them live; never reuse them.
    [Id(10)] public DateTimeOffset CreatedAtUtc { get; set; }
    [Id(11)] public DateTimeOffset UpdatedAtUtc { get; set; }

    /// <summary>True once the registry has this id; a crash between the two writes is repaired on activation.</summary>
    [Id(12)] public bool Registered { get; set; }

    /// <summary>True once every symbol's market grain sends this strategy its ticks.</summary>
    [Id(13)] public bool Watching { get; set; }

    /// <summary>The UTC day <see cref="DayStartTotalPnl"/> belongs to: daily PnL is total PnL minus it.</summary>
    [Id(14)] public DateOnly PnlDay { get; set; }

    [Id(15)] public decimal DayStartTotalPnl { get; set; }

    /// <summary>Why the strategy is halted, when it is.</summary>
    [Id(16)] public string? HaltReason { get; set; }

    public static StrategyState From(StrategySpec spec, DateTimeOffset nowUtc) => new()
    {
        Id = spec.Id,
        Name = spec.Name,
        Kind = spec.Kind,
        Symbols = spec.Symbols,
        Parameters = spec.Parameters,
        Risk = spec.Risk,
        Status = StrategyStatus.Stopped,
        CreatedAtUtc = nowUtc,
        UpdatedAtUtc = nowUtc,
    };

    public StrategyState Copy() => (StrategyState)MemberwiseClone();

    public StrategySnapshot ToSnapshot(StrategyPnl pnl, int openOrders, long fills) =>
        new(Id, Name, Kind, Symbols, Parameters, Risk, Status, pnl, openOrders, fills, CreatedAtUtc, UpdatedAtUtc);
}
