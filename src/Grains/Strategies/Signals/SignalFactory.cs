using System.Globalization;

namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// Builds the <see cref="ISignal"/> for a strategy kind from its parameters (the wire names that
/// <see cref="StrategyRules"/> validates). Each call returns a fresh, independent signal; use one per symbol.
/// </summary>
public static class SignalFactory
{
    /// <summary>
    /// The signal for <paramref name="kind"/>: <c>sma_cross</c> {fast, slow, quantity},
    /// <c>mean_reversion</c> {window, k, quantity}, <c>breakout</c> {lookback, quantity}, <c>buy_and_hold</c> {quantity}, <c>manual</c> {}.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter the kind needs is missing or out of range
    /// (parameters it does not use are ignored; rejecting them is <see cref="StrategyRules"/>' job).</exception>
    public static ISignal Create(StrategyKind kind, IReadOnlyDictionary<string, decimal> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return kind switch
        {
            StrategyKind.SmaCross => CreateSmaCross(parameters),
            StrategyKind.MeanReversion => new MeanReversionSignal(
                Window(parameters, "window", 2), Positive(parameters, "k"), Positive(parameters, "quantity")),
            StrategyKind.Breakout => new BreakoutSignal(Window(parameters, "lookback", 1), Positive(parameters, "quantity")),
            StrategyKind.Manual => ManualSignal.Instance,
            StrategyKind.BuyAndHold => new BuyAndHoldSignal(Positive(parameters, "quantity")),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown strategy kind."),
        };
    }

    private static SmaCrossSignal CreateSmaCross(IReadOnlyDictionary<string, decimal> parameters)
    {
        var fast = Window(parameters, "fast", 1);
        var slow = Window(parameters, "slow", 2);
        if (fast >= slow) throw new ArgumentException("Parameter 'fast' must be smaller than 'slow'.", nameof(parameters));
        return new SmaCrossSignal(fast, slow, Positive(parameters, "quantity"));
    }

    private static decimal Require(IReadOnlyDictionary<string, decimal> parameters, string name) =>
        parameters.TryGetValue(name, out var value)
            ? value
            : throw new ArgumentException($"Parameter '{name}' is required.", nameof(parameters));

    private static int Window(IReadOnlyDictionary<string, decimal> parameters, string name, int min)
    {
        var value = Require(parameters, name);
        if (value != decimal.Truncate(value) || value < min || value > StrategyRules.MaxWindow)
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Parameter '{name}' must be a whole number from {min} to {StrategyRules.MaxWindow}."),
                nameof(parameters));
        return (int)value;
    }

    private static decimal Positive(IReadOnlyDictionary<string, decimal> parameters, string name)
    {
        var value = Require(parameters, name);
        return value > 0m
            ? value
            : throw new ArgumentException($"Parameter '{name}' must be greater than 0.", nameof(parameters));
    }
}
