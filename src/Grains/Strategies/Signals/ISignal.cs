namespace TradingPlatform.Strategies.Signals;

/// <summary>
/// A trading signal for one symbol: fed prices one at a time (each tick's price live, each bar's
/// close in a backtest), it says which position to hold. Pure and deterministic: the same prices in
/// the same order give the same emissions. Not thread-safe; one instance per strategy and symbol.
/// </summary>
/// <remarks>
/// Every signal starts with a flat target (0) and only reports a target that differs from the last one
/// it reported, so a repeated condition never emits twice.
/// </remarks>
public interface ISignal
{
    /// <summary>
    /// Feeds the next price. Returns the new target position (signed quantity: +q long, -q short, 0 flat)
    /// when the signal's target changes on this price, otherwise null (also null while warming up).
    /// </summary>
    decimal? OnPrice(decimal price);

    /// <summary>
    /// The signal's state for diagnostics: warm-up progress, indicator values, the target it holds and a sentence on
    /// why it does (not) emit. Called only when someone asks (never per price), so it may allocate and format.
    /// </summary>
    SignalInspection Inspect() => SignalInspection.Opaque;
}
