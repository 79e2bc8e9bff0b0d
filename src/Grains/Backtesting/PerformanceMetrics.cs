namespace TradingPlatform.Backtesting;

/// <summary>
/// Performance statistics over a daily equity series, as pure functions. The conventions are those of
/// empyrical (Quantopian's library behind pyfolio), so numbers can be checked against it:
/// <list type="bullet">
/// <item>Returns are simple daily returns between consecutive daily equity samples, the initial capital being
/// the sample before the first day: <c>r₁ = E₁ / C − 1</c>, <c>rᵢ = Eᵢ / Eᵢ₋₁ − 1</c> (empyrical's
/// <c>starting_value</c>). Days without bars (weekends, holidays) are not days of the series.</item>
/// <item>P is the number of periods per year (252 for exchange trading days); ratios are annualised with √P.</item>
/// <item>Sharpe and Sortino use excess returns <c>rᵢ − rf / P</c> (rf the annual risk-free rate).</item>
/// <item>Standard deviations are sample ones (ddof 1); the downside deviation divides by all days.</item>
/// </list>
/// Money (total return) stays decimal; the statistics are double: they are estimates, not money.
/// </summary>
public static class PerformanceMetrics
{
    /// <summary>
    /// Simple returns of the daily equity series: the first against <paramref name="initialCapital"/>, each
    /// next one against the previous day. One return per day.
    /// </summary>
    public static double[] DailyReturns(double initialCapital, ReadOnlySpan<double> dailyEquity)
    {
        if (!(initialCapital > 0)) throw new ArgumentOutOfRangeException(nameof(initialCapital), initialCapital, "The initial capital must be positive.");
        var returns = new double[dailyEquity.Length];
        var previous = initialCapital;
        for (var i = 0; i < dailyEquity.Length; i++)
        {
            returns[i] = dailyEquity[i] / previous - 1;
            previous = dailyEquity[i];
        }
        return returns;
    }

    /// <summary>The arithmetic mean (0 for no values).</summary>
    public static double Mean(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return 0;
        var sum = 0.0;
        foreach (var value in values) sum += value;
        return sum / values.Length;
    }

    /// <summary>
    /// The sample standard deviation (ddof 1, two passes); null for fewer than 2 values. Exactly 0 when all
    /// values are equal (a one-pass mean of equal values can be off in its last bit and leave a spurious 1e-18).
    /// </summary>
    public static double? SampleStandardDeviation(ReadOnlySpan<double> values)
    {
        if (values.Length < 2) return null;
        if (AllEqual(values)) return 0;
        var mean = Mean(values);
        var squares = 0.0;
        foreach (var value in values) squares += (value - mean) * (value - mean);
        return Math.Sqrt(squares / (values.Length - 1));
    }

    /// <summary>
    /// Annualised volatility: <c>std(r, ddof 1) · √P</c>. Null for fewer than 2 returns.
    /// </summary>
    public static double? Volatility(ReadOnlySpan<double> returns, int periodsPerYear)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        return SampleStandardDeviation(returns) is { } std ? std * Math.Sqrt(periodsPerYear) : null;
    }

    /// <summary>
    /// Annualised Sharpe ratio: <c>mean(x) / std(x, ddof 1) · √P</c> with <c>xᵢ = rᵢ − rf / P</c>.
    /// Null for fewer than 2 returns or when they do not vary (std 0), where the ratio is undefined.
    /// </summary>
    public static double? Sharpe(ReadOnlySpan<double> returns, int periodsPerYear, double riskFreeRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        if (returns.Length < 2) return null;
        var excess = Excess(returns, periodsPerYear, riskFreeRate);
        var std = SampleStandardDeviation(excess)!.Value;
        return std == 0 ? null : Mean(excess) / std * Math.Sqrt(periodsPerYear);
    }

    /// <summary>
    /// Annualised downside deviation: <c>√(mean over all days of min(xᵢ, 0)²) · √P</c> with <c>xᵢ = rᵢ − rf / P</c>
    /// (days above the target count as 0, and the mean is over every day, not only the losing ones).
    /// 0 for no returns.
    /// </summary>
    public static double DownsideDeviation(ReadOnlySpan<double> returns, int periodsPerYear, double riskFreeRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        if (returns.IsEmpty) return 0;
        var target = riskFreeRate / periodsPerYear;
        var squares = 0.0;
        foreach (var r in returns)
        {
            var downside = Math.Min(r - target, 0);
            squares += downside * downside;
        }
        return Math.Sqrt(squares / returns.Length) * Math.Sqrt(periodsPerYear);
    }

    /// <summary>
    /// Annualised Sortino ratio: <c>mean(x) · P / downside deviation</c> (see <see cref="DownsideDeviation"/>), with
    /// <c>xᵢ = rᵢ − rf / P</c>. Null for fewer than 2 returns, or when no day falls below the target (downside
    /// deviation 0: empyrical says +∞, which no JSON number can carry).
    /// </summary>
    public static double? Sortino(ReadOnlySpan<double> returns, int periodsPerYear, double riskFreeRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        if (returns.Length < 2) return null;
        var downside = DownsideDeviation(returns, periodsPerYear, riskFreeRate);
        if (downside == 0) return null;
        return Mean(Excess(returns, periodsPerYear, riskFreeRate)) * periodsPerYear / downside;
    }

    /// <summary>
    /// Maximum drawdown of an equity series (give it the initial capital first): the most negative
    /// <c>Eᵢ / max(E₀..Eᵢ) − 1</c>, a fraction ≤ 0; 0 when equity never falls below a previous peak or the series is empty.
    /// </summary>
    public static double MaxDrawdown(ReadOnlySpan<double> equity)
    {
        var worst = 0.0;
        var peak = double.NegativeInfinity;
        foreach (var value in equity)
        {
            if (value > peak) peak = value;
            else if (peak > 0) worst = Math.Min(worst, value / peak - 1);
        }
        return worst;
    }

    /// <summary>
    /// Compound annual growth rate: <c>(final / initial)^(P / n) − 1</c>, n the number of daily returns (so the
    /// series spans n / P years). Null without a return, when the final equity is negative (no real root), or when
    /// the result overflows (a short, explosive run).
    /// </summary>
    public static double? Cagr(double initialCapital, double finalEquity, int returns, int periodsPerYear)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        if (!(initialCapital > 0)) throw new ArgumentOutOfRangeException(nameof(initialCapital), initialCapital, "The initial capital must be positive.");
        if (returns <= 0) return null;
        var growth = finalEquity / initialCapital;
        if (growth < 0) return null;
        var cagr = Math.Pow(growth, (double)periodsPerYear / returns) - 1;
        return double.IsFinite(cagr) ? cagr : null;
    }

    /// <summary><c>final / initial − 1</c>, in decimal like the money it compares.</summary>
    public static decimal TotalReturn(decimal initialCapital, decimal finalEquity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapital);
        return finalEquity / initialCapital - 1m;
    }

    /// <summary>Share of round trips whose PnL is positive (a PnL of exactly 0 is not a win); null without any.</summary>
    public static double? WinRate(IReadOnlyCollection<decimal> roundTripPnls)
    {
        ArgumentNullException.ThrowIfNull(roundTripPnls);
        if (roundTripPnls.Count == 0) return null;
        var wins = roundTripPnls.Count(pnl => pnl > 0m);
        return (double)wins / roundTripPnls.Count;
    }

    /// <summary>
    /// Gross profit / |gross loss| over round trips (sums of the positive and of the negative PnLs). Null when no
    /// round trip lost (the ratio is +∞ or 0/0); 0 when there are losses and no profit.
    /// </summary>
    public static double? ProfitFactor(IEnumerable<decimal> roundTripPnls)
    {
        ArgumentNullException.ThrowIfNull(roundTripPnls);
        decimal profit = 0m, loss = 0m;
        foreach (var pnl in roundTripPnls)
        {
            if (pnl > 0m) profit += pnl;
            else loss -= pnl;
        }
        return loss == 0m ? null : (double)(profit / loss);
    }

    /// <summary>
    /// empyrical's <c>beta_aligned</c>: <c>mean((b − mean(b)) · r) / mean((b − mean(b))²)</c> over returns already aligned
    /// day by day — the covariance with the benchmark over the benchmark's variance, both with ddof 0 (the ratio is the
    /// same with ddof 1). The risk-free rate does not change it (a constant shifts neither covariance nor variance).
    /// Null for fewer than 2 days or when the benchmark's variance is below 1e-30 (empyrical: NaN).
    /// </summary>
    /// <exception cref="ArgumentException">The two series differ in length (they must be aligned first).</exception>
    public static double? Beta(ReadOnlySpan<double> returns, ReadOnlySpan<double> benchmarkReturns)
    {
        if (returns.Length != benchmarkReturns.Length) throw new ArgumentException("Align the returns with the benchmark's first: the lengths differ.", nameof(benchmarkReturns));
        if (returns.Length < 2) return null;
        var benchmarkMean = Mean(benchmarkReturns);
        double covariance = 0, variance = 0;
        for (var i = 0; i < returns.Length; i++)
        {
            var residual = benchmarkReturns[i] - benchmarkMean;
            covariance += residual * returns[i];
            variance += residual * residual;
        }
        covariance /= returns.Length;
        variance /= returns.Length;
        return variance < 1e-30 ? null : covariance / variance;
    }

    /// <summary>
    /// empyrical's <c>alpha_aligned</c>, annualised by compounding: <c>(mean(xᵢ − β · yᵢ) + 1)^P − 1</c> with excess returns
    /// <c>xᵢ = rᵢ − rf / P</c>, <c>yᵢ = bᵢ − rf / P</c> and β from <see cref="Beta"/>. Null when beta is (fewer than 2 days, a
    /// flat benchmark) or the result overflows.
    /// </summary>
    public static double? Alpha(ReadOnlySpan<double> returns, ReadOnlySpan<double> benchmarkReturns, int periodsPerYear, double riskFreeRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        if (Beta(returns, benchmarkReturns) is not { } beta) return null;
        var target = riskFreeRate / periodsPerYear;
        var residual = 0.0;
        for (var i = 0; i < returns.Length; i++) residual += returns[i] - target - beta * (benchmarkReturns[i] - target);
        var alpha = Math.Pow(residual / returns.Length + 1, periodsPerYear) - 1;
        return double.IsFinite(alpha) ? alpha : null;
    }

    private static double[] Excess(ReadOnlySpan<double> returns, int periodsPerYear, double riskFreeRate)
    {
        var target = riskFreeRate / periodsPerYear;
        var excess = new double[returns.Length];
        for (var i = 0; i < returns.Length; i++) excess[i] = returns[i] - target;
        return excess;
    }

    private static bool AllEqual(ReadOnlySpan<double> values)
    {
        foreach (var value in values)
            if (value != values[0]) return false;
        return true;
    }
}
