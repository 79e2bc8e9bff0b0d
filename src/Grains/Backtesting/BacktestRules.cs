using System.Collections.Immutable;
using TradingPlatform.Candles;
using TradingPlatform.Strategies;

namespace TradingPlatform.Backtesting;

/// <summary>
/// What makes a backtest request valid. Pure, shared by the API (400 before any grain call) and the run grain
/// (which never stores an invalid run, whoever calls it). Keys are the camelCase JSON paths of the request.
/// </summary>
public static class BacktestRules
{
    public const decimal MaxCapital = 1_000_000_000_000m;
    public const decimal MaxBps = 1_000m;

    /// <summary>The most bars a run may cover: about 38 years of one-minute bars around the clock.</summary>
    public const long MaxBars = 20_000_000;

    public static ImmutableDictionary<string, string[]> Validate(BacktestRequest request)
    {
        var errors = ImmutableDictionary.CreateBuilder<string, string[]>(StringComparer.Ordinal);
        if (request.Kind == StrategyKind.Manual)
            errors["strategy.kind"] = ["A manual strategy places no orders of its own; backtest sma_cross, mean_reversion, breakout or buy_and_hold."];
        else
            foreach (var (key, messages) in StrategyRules.ValidateParameters(request.Kind, request.Parameters, "strategy"))
                errors[key] = messages;
        if (!StrategyRules.IsValidSymbol(request.Symbol)) errors["symbol"] = ["Must be 1-20 characters: A-Z, 0-9, '.', '_' or '-'."];
        if (request.BenchmarkSymbol is not null && !StrategyRules.IsValidSymbol(request.BenchmarkSymbol))
            errors["benchmarkSymbol"] = ["Must be 1-20 characters: A-Z, 0-9, '.', '_' or '-' (or absent for no benchmark)."];
        if (!Enum.IsDefined(request.Timeframe)) errors["timeframe"] = ["Must be one of 1m, 5m, 15m, 1h, 4h, 1d."];
        if (request.FromUtc >= request.ToUtc) errors["to"] = ["Must be after 'from'."];
        else if (Enum.IsDefined(request.Timeframe) && (request.ToUtc - request.FromUtc).Ticks / request.Timeframe.Length().Ticks > MaxBars)
            errors["to"] = [$"A run covers at most {MaxBars:N0} bars of its timeframe; shorten the range or use a coarser timeframe."];
        if (request.InitialCapital <= 0 || request.InitialCapital > MaxCapital)
            errors["initialCapital"] = [$"Must be greater than 0 and at most {MaxCapital:0}."];
        if (request.FeeBps < 0 || request.FeeBps > MaxBps) errors["feeBps"] = [$"Must be from 0 to {MaxBps:0}."];
        if (request.SlippageBps < 0 || request.SlippageBps > MaxBps) errors["slippageBps"] = [$"Must be from 0 to {MaxBps:0}."];
        if (request.PeriodsPerYear is < 1 or > 366) errors["periodsPerYear"] = ["Must be from 1 to 366 (252 for exchange days, 365 for 24/7 markets)."];
        if (!double.IsFinite(request.RiskFreeRate) || request.RiskFreeRate is < -1 or > 1)
            errors["riskFreeRate"] = ["Must be an annual rate from -1 to 1 (0.05 is 5 %)."];
        return errors.ToImmutable();
    }
}
