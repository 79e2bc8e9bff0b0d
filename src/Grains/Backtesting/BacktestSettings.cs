namespace TradingPlatform.Backtesting;

/// <summary>
/// How a backtest trades and how its performance is annualised.
/// </summary>
/// <param name="InitialCapital">Cash at the start, before the first bar (positive).</param>
/// <param name="FeeBps">Fee on every fill, in basis points of its notional (0 to 10,000), as <c>Execution:FeeBps</c> live.</param>
/// <param name="SlippageBps">How far a market order's fill moves from the reference price against the order, in basis
/// points (0 to below 10,000, so that a sell never fills at zero), as <c>Execution:SlippageBps</c> live.</param>
/// <param name="PeriodsPerYear">Daily returns in a year, the annualisation factor P: 252 for exchange trading days, 365
/// for markets that trade every day.</param>
/// <param name="RiskFreeRate">Annual risk-free rate as a fraction (0.02 = 2 %); RiskFreeRate / P is subtracted from each daily
/// return for the Sharpe and Sortino ratios.</param>
public sealed record BacktestSettings(decimal InitialCapital, decimal FeeBps, decimal SlippageBps, int PeriodsPerYear = 252, double RiskFreeRate = 0)
{
    /// <summary>The largest fee or slippage in basis points (100 %).</summary>
    public const decimal MaxBps = 10_000m;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(InitialCapital);
        ArgumentOutOfRangeException.ThrowIfNegative(FeeBps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FeeBps, MaxBps);
        ArgumentOutOfRangeException.ThrowIfNegative(SlippageBps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(SlippageBps, MaxBps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PeriodsPerYear);
        if (!double.IsFinite(RiskFreeRate))
            throw new ArgumentOutOfRangeException(nameof(RiskFreeRate), RiskFreeRate, "The risk-free rate must be a finite number.");
    }
}
