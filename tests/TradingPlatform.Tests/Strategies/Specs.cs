using System.Collections.Immutable;
using TradingPlatform.Strategies;

namespace TradingPlatform.Tests.Strategies;

/// <summary>Valid strategy definitions to start tests from.</summary>
public static class Specs
{
    public static readonly StrategyRisk Risk = new(MaxOrderQuantity: 100m, MaxPositionQuantity: 1_000m, MaxNotional: 100_000m, MaxDailyLoss: 5_000m);

    public static StrategySpec SmaCross(string id, decimal fast = 5, decimal slow = 20, decimal quantity = 10) =>
        new(id, $"SMA {id}", StrategyKind.SmaCross, ["SPY"], Parameters(("fast", fast), ("slow", slow), ("quantity", quantity)), Risk);

    public static StrategySpec Manual(string id) =>
        new(id, $"Manual {id}", StrategyKind.Manual, ["SPY", "QQQ"], ImmutableSortedDictionary<string, decimal>.Empty, Risk);

    public static ImmutableSortedDictionary<string, decimal> Parameters(params (string Name, decimal Value)[] values) =>
        values.ToImmutableSortedDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    public static string NewId(string prefix = "s") => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
