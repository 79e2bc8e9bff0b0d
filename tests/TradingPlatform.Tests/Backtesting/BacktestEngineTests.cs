using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>The engine's fill model and accounting on small series checked by hand.</summary>
public sealed class BacktestEngineTests
{
    // Six daily bars (open, close); costs: 50 bps slippage, 10 bps fee; capital 10,000.
    private static readonly Candle[] Six = TestBars.Daily((100m, 101m), (102m, 103m), (104m, 102m), (101m, 99m), (98m, 100m), (100m, 105m));
    private static readonly BacktestSettings Costly = new(InitialCapital: 10_000m, FeeBps: 10m, SlippageBps: 50m);

    /// <summary>
    /// Targets +10 at close 0, −5 at close 2 (a flip: sell 15), 0 at close 4 (buy 5), +1 at close 5 (the last bar).
    /// <code>
    /// fill 1, bar 1 open 102: buy 10 at 102 × 1.005 = 102.51, fee 10 × 102.51 × 0.001 = 1.0251
    ///   cash 10,000 − 1,025.1 − 1.0251 = 8,973.8749
    /// fill 2, bar 3 open 101: sell 15 at 101 × 0.995 = 100.495, fee 15 × 100.495 × 0.001 = 1.507425
    ///   realized 10 × (100.495 − 102.51) = −20.15; cash 8,973.8749 + 1,507.425 − 1.507425 = 10,479.792475; short 5 at 100.495
    /// fill 3, bar 5 open 100: buy 5 at 100.5, fee 0.5025; realized −5 × (100.5 − 100.495) = −0.025
    ///   cash 10,479.792475 − 502.5 − 0.5025 = 9,976.789975; flat
    /// the +1 decided at the last close has no next open: dropped
    /// equity by day (cash + position × close): 10,000 | 8,973.8749 + 10 × 103 = 10,003.8749 | + 10 × 102 → 9,993.8749
    ///   | 10,479.792475 − 5 × 99 = 9,984.792475 | − 5 × 100 → 9,979.792475 | 9,976.789975
    /// round trip 1 (long): realized −20.15, fees 1.0251 + 1.507425 × 10/15 = 1.0251 + 1.00495 = 2.03005 → PnL −22.18005
    /// round trip 2 (short): realized −0.025, fees 1.507425 × 5/15 + 0.5025 = 0.502475 + 0.5025 = 1.004975 → PnL −1.029975
    ///   together −23.210025 = 9,976.789975 − 10,000
    /// </code>
    /// </summary>
    [Fact]
    public void Orders_fill_at_the_next_open_with_slippage_and_fees_and_equity_is_cash_plus_position_at_the_close()
    {
        var engine = new BacktestEngine(new ScriptedSignal((0, 10m), (2, -5m), (4, 0m), (5, 1m)), Costly);

        engine.Run(Six);
        var result = engine.Complete();

        Assert.Equal(
        [
            new BacktestTrade(Six[1].TimeUtc, Side.Buy, 10m, 102.51m, 1.0251m, 0m, 10m),
            new BacktestTrade(Six[3].TimeUtc, Side.Sell, 15m, 100.495m, 1.507425m, -20.15m, -5m),
            new BacktestTrade(Six[5].TimeUtc, Side.Buy, 5m, 100.5m, 0.5025m, -0.025m, 0m),
        ], result.Trades);
        Assert.Equal([10_000m, 10_003.8749m, 9_993.8749m, 9_984.792475m, 9_979.792475m, 9_976.789975m], result.EquityCurve.Select(p => p.Equity));
        Assert.Equal(Six.Select(b => b.TimeUtc), result.EquityCurve.Select(p => p.TimeUtc));

        Assert.Equal(
        [
            new RoundTrip(Six[1].TimeUtc, Six[3].TimeUtc, IsLong: true, RealizedPnl: -20.15m, Fees: 2.03005m),
            new RoundTrip(Six[3].TimeUtc, Six[5].TimeUtc, IsLong: false, RealizedPnl: -0.025m, Fees: 1.004975m),
        ], result.RoundTrips);
        Assert.Equal([-22.18005m, -1.029975m], result.RoundTrips.Select(t => t.Pnl));

        var m = result.Metrics;
        Assert.Equal(9_976.789975m, m.FinalEquity);
        Assert.Equal(10_000m, m.InitialCapital);
        Assert.Equal(-0.0023210025m, m.TotalReturn);
        Assert.Equal((3, 2), (m.Trades, m.ClosedTrades));
        Assert.Equal(0, m.WinRate);
        Assert.Equal(0, m.ProfitFactor); // losses and no profit
        Assert.Equal(4.0 / 6, m.Exposure); // in the market during bars 1, 2 (long) and 3, 4 (short); flat at bar 0 and after bar 5's open
        Assert.Equal(6, result.Bars);
    }

    [Fact]
    public void The_signal_sees_each_close_once_in_order_and_never_an_open()
    {
        var signal = new ScriptedSignal();
        var engine = new BacktestEngine(signal, Costly);

        engine.Run(Six);

        Assert.Equal(Six.Select(b => b.Close), signal.Prices);
    }

    [Fact]
    public void An_order_decided_at_the_last_bar_is_dropped_not_filled()
    {
        var engine = new BacktestEngine(new ScriptedSignal((5, 3m)), Costly);

        engine.Run(Six);
        var result = engine.Complete();

        Assert.Empty(result.Trades);
        Assert.Equal(Costly.InitialCapital, result.Metrics.FinalEquity);
        Assert.Equal(0, result.Metrics.Exposure);
    }

    [Fact]
    public void A_short_from_flat_sells_below_the_open_and_gains_when_the_price_falls()
    {
        // No fee, 100 bps slippage. Short 4 at bar 1 open 50 → 49.5; cover at bar 3 open 40 → 40.4.
        // Cash 1,000 + 198 = 1,198 then − 161.6 = 1,036.4; realized 4 × (49.5 − 40.4) = 36.4.
        var bars = TestBars.Daily((50m, 50m), (50m, 45m), (45m, 40m), (40m, 41m));
        var engine = new BacktestEngine(new ScriptedSignal((0, -4m), (2, 0m)), new BacktestSettings(1_000m, FeeBps: 0m, SlippageBps: 100m));

        engine.Run(bars);
        var result = engine.Complete();

        Assert.Equal(
        [
            new BacktestTrade(bars[1].TimeUtc, Side.Sell, 4m, 49.5m, 0m, 0m, -4m),
            new BacktestTrade(bars[3].TimeUtc, Side.Buy, 4m, 40.4m, 0m, 36.4m, 0m),
        ], result.Trades);
        // Day equity: 1,000 | 1,198 − 4 × 45 = 1,018 | 1,198 − 4 × 40 = 1,038 | 1,036.4
        Assert.Equal([1_000m, 1_018m, 1_038m, 1_036.4m], result.EquityCurve.Select(p => p.Equity));
        Assert.Equal(1, result.Metrics.WinRate);
        Assert.Null(result.Metrics.ProfitFactor); // no losing round trip
        Assert.False(result.RoundTrips.Single().IsLong);
    }

    [Fact]
    public void Adding_and_partly_reducing_stay_in_one_round_trip_with_average_cost_realized_pnl()
    {
        // Zero costs. Buy 2 at 10, buy 2 at 20 (average 15), sell 1 at 30 (realizes 15), sell 3 at 5 (realizes −30).
        var bars = TestBars.Daily((10m, 10m), (10m, 10m), (20m, 20m), (30m, 30m), (5m, 5m));
        var engine = new BacktestEngine(new ScriptedSignal((0, 2m), (1, 4m), (2, 3m), (3, 0m)), new BacktestSettings(1_000m, 0m, 0m));

        engine.Run(bars);
        var result = engine.Complete();

        Assert.Equal([0m, 0m, 15m, -30m], result.Trades.Select(t => t.RealizedPnl));
        Assert.Equal([2m, 4m, 3m, 0m], result.Trades.Select(t => t.PositionAfter));
        var trip = Assert.Single(result.RoundTrips);
        Assert.Equal(-15m, trip.Pnl);
        Assert.Equal(985m, result.Metrics.FinalEquity); // 1,000 − 20 − 40 + 30 + 15
    }

    [Fact]
    public void Equity_is_sampled_once_per_utc_day_at_the_days_last_bar_and_stamped_with_the_day()
    {
        // Six-hourly bars over three days; buy 1 at the second bar's open (zero costs).
        var bars = Enumerable.Range(0, 12)
            .Select(i => new Candle(TestBars.Start.AddHours(6 * i), 10m + i, 10m + i, 10m + i, 10m + i + 0.5m, 1m)).ToArray();
        var engine = new BacktestEngine(new ScriptedSignal((0, 1m)), new BacktestSettings(100m, 0m, 0m));

        engine.Run(bars);
        var result = engine.Complete();

        // Bought at 11. Day closes: bar 3 (13.5), bar 7 (17.5), bar 11 (21.5); equity 89 + close.
        Assert.Equal(
        [
            new EquityPoint(TestBars.Start, 102.5m),
            new EquityPoint(TestBars.Start.AddDays(1), 106.5m),
            new EquityPoint(TestBars.Start.AddDays(2), 110.5m),
        ], result.EquityCurve);
        Assert.All(result.EquityCurve, p => Assert.Equal(DateTimeKind.Utc, p.TimeUtc.Kind));
        Assert.Equal(11.0 / 12, result.Metrics.Exposure);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(1_000)]
    public void Running_in_chunks_gives_the_same_result_as_one_run(int chunk)
    {
        var bars = TestBars.RandomWalk(1_000, seed: 11, TimeSpan.FromHours(5));
        var whole = Backtest(bars, [bars.Length]);
        var sizes = Enumerable.Range(0, (bars.Length + chunk - 1) / chunk).Select(_ => chunk);

        var chunked = Backtest(bars, sizes);

        Assert.NotEmpty(whole.Trades);
        Assert.Equal(whole.Trades, chunked.Trades);
        Assert.Equal(whole.EquityCurve, chunked.EquityCurve);
        Assert.Equal(whole.Metrics, chunked.Metrics);
        Assert.Equal(1_000, chunked.Bars);
    }

    [Fact]
    public void Bars_must_be_strictly_ascending_across_chunks_and_a_refused_bar_changes_nothing()
    {
        var engine = new BacktestEngine(new ScriptedSignal(), Costly);
        engine.Run(Six.AsSpan(0, 3));

        Assert.Throws<ArgumentException>(() => engine.Run(Six.AsSpan(2, 2))); // bar 2 again
        Assert.Equal(3, engine.BarsProcessed);
        Assert.Throws<ArgumentException>(() => engine.Run(new[] { Six[4], Six[3] }));
        Assert.Equal(4, engine.BarsProcessed); // bar 4 was taken, bar 3 after it refused

        var result = engine.Complete();
        Assert.Equal(4, result.Bars);
    }

    [Fact]
    public void Complete_ends_the_run_and_returns_the_same_result_when_called_again()
    {
        var engine = new BacktestEngine(new ScriptedSignal((0, 1m)), Costly);
        engine.Run(Six);

        var first = engine.Complete();

        Assert.Same(first, engine.Complete());
        Assert.Throws<InvalidOperationException>(() => engine.Run(Six));
    }

    [Fact]
    public void Without_bars_the_result_is_the_initial_capital_and_empty_statistics()
    {
        var result = new BacktestEngine(new ScriptedSignal(), Costly).Complete();

        Assert.Empty(result.EquityCurve);
        Assert.Empty(result.Trades);
        Assert.Equal(new BacktestMetrics(0m, null, null, null, 0, null, null, null, 0, 0, 0, 10_000m, 10_000m), result.Metrics);
    }

    [Fact]
    public void Without_trades_equity_stays_flat_and_the_ratios_are_undefined()
    {
        var result = Run(new ScriptedSignal(), Six, Costly);

        Assert.All(result.EquityCurve, p => Assert.Equal(10_000m, p.Equity));
        var m = result.Metrics;
        Assert.Equal((0m, 0, 0), (m.TotalReturn, m.Trades, m.ClosedTrades));
        Assert.Null(m.Sharpe);
        Assert.Null(m.Sortino);
        Assert.Null(m.WinRate);
        Assert.Null(m.ProfitFactor);
        Assert.Equal(0, m.Volatility);
        Assert.Equal(0, m.MaxDrawdown);
        Assert.Equal(0, m.Cagr);
        Assert.Equal(0, m.Exposure);
    }

    [Fact]
    public void The_metrics_are_those_of_the_daily_equity_curve()
    {
        var bars = TestBars.RandomWalk(600, seed: 5, TimeSpan.FromHours(8));
        var settings = new BacktestSettings(50_000m, 2m, 3m, PeriodsPerYear: 365, RiskFreeRate: 0.03);
        var result = Run(SmaCross(5, 20, 100m), bars, settings);

        var equity = result.EquityCurve.Select(p => (double)p.Equity).ToArray();
        var returns = PerformanceMetrics.DailyReturns(50_000, equity);
        var m = result.Metrics;
        Assert.Equal(200, result.EquityCurve.Count); // 600 bars, 3 a day
        Assert.Equal(PerformanceMetrics.Sharpe(returns, 365, 0.03), m.Sharpe);
        Assert.Equal(PerformanceMetrics.Sortino(returns, 365, 0.03), m.Sortino);
        Assert.Equal(PerformanceMetrics.Volatility(returns, 365), m.Volatility);
        Assert.Equal(PerformanceMetrics.MaxDrawdown([50_000, .. equity]), m.MaxDrawdown);
        Assert.Equal(PerformanceMetrics.Cagr(50_000, equity[^1], 200, 365), m.Cagr);
        Assert.Equal(result.EquityCurve[^1].Equity, m.FinalEquity);
        Assert.NotNull(m.Sharpe);
    }

    [Fact]
    public void Buy_and_hold_buys_at_the_second_bars_open_and_holds_to_the_end()
    {
        var bars = TestBars.RandomWalk(250, seed: 3, TimeSpan.FromDays(1));
        var signal = SignalFactory.Create(StrategyKind.BuyAndHold, new Dictionary<string, decimal> { ["quantity"] = 7m });
        var result = Run(signal, bars, Costly);

        var trade = Assert.Single(result.Trades);
        var price = Math.Round(bars[1].Open * 1.005m, 8); // 50 bps against the buyer
        var fee = Math.Round(7m * price * 0.001m, 8);
        Assert.Equal(new BacktestTrade(bars[1].TimeUtc, Side.Buy, 7m, price, fee, 0m, 7m), trade);
        Assert.Equal(10_000m - 7m * price - fee + 7m * bars[^1].Close, result.Metrics.FinalEquity);
        Assert.Equal(249.0 / 250, result.Metrics.Exposure);
        Assert.Equal(0, result.Metrics.ClosedTrades);
    }

    [Fact]
    public void The_same_bars_and_settings_give_the_same_result_every_time()
    {
        var bars = TestBars.RandomWalk(2_000, seed: 99, TimeSpan.FromHours(1));
        var settings = new BacktestSettings(25_000m, 1.5m, 2.5m);

        var runs = Enumerable.Range(0, 3).Select(_ => Run(SmaCross(4, 16, 3m), bars, settings)).ToArray();

        Assert.NotEmpty(runs[0].Trades);
        foreach (var run in runs.Skip(1))
        {
            Assert.Equal(runs[0].Trades, run.Trades);
            Assert.Equal(runs[0].EquityCurve, run.EquityCurve);
            Assert.Equal(runs[0].RoundTrips, run.RoundTrips);
            Assert.Equal(runs[0].Metrics, run.Metrics);
        }
    }

    [Fact]
    public void The_per_bar_path_does_not_allocate()
    {
        // One day of one-second bars with a rising price: sma_cross never crosses, so no fill and no new day; what is
        // left is exactly the per-bar work (signal, day check, exposure).
        var bars = Enumerable.Range(0, 50_000)
            .Select(i => new Candle(TestBars.Start.AddSeconds(i), 100m + i * 0.01m, 100m + i * 0.01m, 100m + i * 0.01m, 100m + i * 0.01m, 1m)).ToArray();
        var engine = new BacktestEngine(SmaCross(10, 50, 1m), Costly);
        engine.Run(bars.AsSpan(0, 1_000)); // warm up (JIT, first day)

        var before = GC.GetAllocatedBytesForCurrentThread();
        engine.Run(bars.AsSpan(1_000));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(50_000, engine.BarsProcessed);
    }

    [Fact]
    public void Settings_out_of_range_are_refused()
    {
        var signal = new ScriptedSignal();
        Assert.Throws<ArgumentOutOfRangeException>(() => new BacktestEngine(signal, new BacktestSettings(0m, 0m, 0m)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BacktestEngine(signal, new BacktestSettings(1m, -1m, 0m)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BacktestEngine(signal, new BacktestSettings(1m, 0m, 10_000m)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BacktestEngine(signal, new BacktestSettings(1m, 0m, 0m, PeriodsPerYear: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BacktestEngine(signal, new BacktestSettings(1m, 0m, 0m, RiskFreeRate: double.NaN)));
    }

    internal static ISignal SmaCross(int fast, int slow, decimal quantity) =>
        SignalFactory.Create(StrategyKind.SmaCross, new Dictionary<string, decimal> { ["fast"] = fast, ["slow"] = slow, ["quantity"] = quantity });

    internal static BacktestResult Run(ISignal signal, Candle[] bars, BacktestSettings settings)
    {
        var engine = new BacktestEngine(signal, settings);
        engine.Run(bars);
        return engine.Complete();
    }

    private static BacktestResult Backtest(Candle[] bars, IEnumerable<int> chunks)
    {
        var engine = new BacktestEngine(SmaCross(3, 9, 2m), new BacktestSettings(10_000m, 5m, 5m));
        var offset = 0;
        foreach (var size in chunks)
        {
            var length = Math.Min(size, bars.Length - offset);
            engine.Run(bars.AsSpan(offset, length));
            offset += length;
        }
        return engine.Complete();
    }
}
