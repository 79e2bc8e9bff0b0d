using System.Diagnostics;
using TradingPlatform.Candles;
using TradingPlatform.Execution;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Backtesting;

/// <summary>
/// Replays bars through a live strategy signal and simulates its trading: the same <see cref="ISignal"/> a running
/// strategy uses, the same order sizing (target − position), the same fill pricing as paper trading
/// (<see cref="FillPricing"/>) and the same average-cost accounting (<see cref="PositionBook"/>).
/// Pure and deterministic: no clock, no I/O, no randomness; the same bars and settings give the same result.
/// </summary>
/// <remarks>
/// <para>Per bar, in this order:</para>
/// <list type="number">
/// <item>When the bar opens a new UTC day, the previous day's equity is sampled (cash + position × its last close).</item>
/// <item>The market order queued at the previous bar's close, if any, fills whole at this bar's open moved against the
/// order by <see cref="BacktestSettings.SlippageBps"/> and pays <see cref="BacktestSettings.FeeBps"/> of its notional.</item>
/// <item>If the position is then not flat, the bar counts as a bar in the market (exposure).</item>
/// <item>The bar's close goes to <see cref="ISignal.OnPrice"/>; a new target queues one market order for
/// target − position (as <c>StrategyGrain.OnTick</c> does live, where nothing is working at that point).</item>
/// </list>
/// <para>No look-ahead: a decision at bar t sees closes up to t only, and the earliest price it can trade at is bar
/// t+1's open, the first price after that close. An order queued at the last bar has no next open and is dropped.</para>
/// <para>The per-bar path does not allocate; only fills (rare) and day changes append to lists. Equity is marked once per
/// UTC day, not per bar.</para>
/// Not thread-safe: one engine per run.
/// </remarks>
public sealed class BacktestEngine
{
    private readonly ISignal _signal;
    private readonly BacktestSettings _settings;
    private readonly List<BacktestTrade> _trades = [];
    private readonly List<EquityPoint> _equity = [];
    private readonly List<RoundTrip> _roundTrips = [];

    private PositionBook _book = PositionBook.Flat;
    private decimal _cash;
    private decimal _pending; // signed quantity of the market order queued at the last close; 0: none
    private bool _inMarket;
    private long _barsInMarket;
    private long _lastTicks = long.MinValue;
    private long _day = long.MinValue;
    private decimal _lastClose;
    private BacktestResult? _result;

    // The open round trip (valid while the position is not flat).
    private DateTime _tripOpenedUtc;
    private bool _tripLong;
    private decimal _tripRealized;
    private decimal _tripFees;

    /// <param name="signal">A fresh signal (<see cref="SignalFactory.Create"/>); the engine feeds it and nothing else may.</param>
    /// <param name="settings">Capital, costs and annualisation; validated here.</param>
    public BacktestEngine(ISignal signal, BacktestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _signal = signal;
        _settings = settings;
        _cash = settings.InitialCapital;
    }

    /// <summary>Bars processed so far (for progress reports).</summary>
    public long BarsProcessed { get; private set; }

    /// <summary>
    /// Processes the next bars. May be called any number of times with consecutive chunks; bar times must be strictly
    /// ascending across all of them (a bar at or before the previous one is refused before it changes anything).
    /// </summary>
    /// <exception cref="ArgumentException">A bar is not later than the one before it.</exception>
    /// <exception cref="InvalidOperationException">The run was already completed.</exception>
    public void Run(ReadOnlySpan<Candle> bars)
    {
        if (_result is not null) throw new InvalidOperationException("The backtest was already completed.");
        foreach (ref readonly var bar in bars)
        {
            var ticks = bar.TimeUtc.Ticks;
            if (ticks <= _lastTicks)
                throw new ArgumentException($"Bars must be in strictly ascending time: {bar.TimeUtc:O} follows {new DateTime(_lastTicks, DateTimeKind.Utc):O}.", nameof(bars));

            var day = ticks / TimeSpan.TicksPerDay;
            if (day != _day)
            {
                if (BarsProcessed > 0) SampleDay();
                _day = day;
            }

            if (_pending != 0m) Execute(bar.TimeUtc, bar.Open);
            if (_inMarket) _barsInMarket++;

            if (_signal.OnPrice(bar.Close) is { } target)
            {
                // Live sizing is target − position − working orders; the order queued at the previous close has just
                // filled at this bar's open, so nothing is working here.
                Debug.Assert(_pending == 0m);
                _pending = target - _book.Quantity;
            }

            _lastClose = bar.Close;
            _lastTicks = ticks;
            BarsProcessed++;
        }
    }

    /// <summary>
    /// Ends the run after the last chunk: samples the last day's equity, drops an order still queued (there is no next
    /// open to fill it at) and computes the metrics. Calling it again returns the same result.
    /// </summary>
    public BacktestResult Complete()
    {
        if (_result is not null) return _result;
        if (BarsProcessed > 0) SampleDay();
        _pending = 0m;

        var initial = _settings.InitialCapital;
        var final = _equity.Count > 0 ? _equity[^1].Equity : initial;
        var daily = new double[_equity.Count];
        for (var i = 0; i < daily.Length; i++) daily[i] = (double)_equity[i].Equity;
        var returns = PerformanceMetrics.DailyReturns((double)initial, daily);

        var curve = new double[daily.Length + 1];
        curve[0] = (double)initial;
        daily.CopyTo(curve, 1);

        var pnls = _roundTrips.Select(t => t.Pnl).ToArray();
        var periods = _settings.PeriodsPerYear;
        var metrics = new BacktestMetrics(
            TotalReturn: PerformanceMetrics.TotalReturn(initial, final),
            Cagr: PerformanceMetrics.Cagr((double)initial, (double)final, returns.Length, periods),
            Sharpe: PerformanceMetrics.Sharpe(returns, periods, _settings.RiskFreeRate),
            Sortino: PerformanceMetrics.Sortino(returns, periods, _settings.RiskFreeRate),
            MaxDrawdown: PerformanceMetrics.MaxDrawdown(curve),
            Volatility: PerformanceMetrics.Volatility(returns, periods),
            WinRate: PerformanceMetrics.WinRate(pnls),
            ProfitFactor: PerformanceMetrics.ProfitFactor(pnls),
            Trades: _trades.Count,
            ClosedTrades: _roundTrips.Count,
            Exposure: BarsProcessed == 0 ? 0 : (double)_barsInMarket / BarsProcessed,
            FinalEquity: final,
            InitialCapital: initial);

        _result = new BacktestResult(metrics, _equity.ToArray(), _trades.ToArray(), BarsProcessed) { RoundTrips = _roundTrips.ToArray() };
        return _result;
    }

    /// <summary>Equity at the close of the current day's last bar so far, stamped with the day.</summary>
    private void SampleDay() =>
        _equity.Add(new EquityPoint(new DateTime(_day * TimeSpan.TicksPerDay, DateTimeKind.Utc), _cash + _book.Quantity * _lastClose));

    /// <summary>Fills the queued market order at <paramref name="open"/>.</summary>
    private void Execute(DateTime timeUtc, decimal open)
    {
        var side = _pending > 0m ? Side.Buy : Side.Sell;
        var quantity = Math.Abs(_pending);
        _pending = 0m;

        var (price, fee) = FillPricing.Market(side, quantity, open, _settings.SlippageBps, _settings.FeeBps);
        var before = _book;
        _book = before.Apply(side, quantity, price, fee);
        var realized = _book.RealizedPnl - before.RealizedPnl + fee; // PositionBook charges the fee to realized PnL; report it apart

        var notional = quantity * price;
        _cash += side == Side.Buy ? -(notional + fee) : notional - fee;
        _trades.Add(new BacktestTrade(timeUtc, side, quantity, price, fee, realized, _book.Quantity));
        TrackRoundTrip(timeUtc, before.Quantity, side, quantity, realized, fee);
        _inMarket = _book.Quantity != 0m;
    }

    /// <summary>
    /// Round trips: flat → not flat opens one; adding or reducing belongs to it; back to flat closes it; a flip closes it
    /// and opens the next. Opening and adding fees belong to the round trip; a flip's fee is split by quantity.
    /// </summary>
    private void TrackRoundTrip(DateTime timeUtc, decimal before, Side side, decimal quantity, decimal realized, decimal fee)
    {
        var after = _book.Quantity;
        if (before == 0m)
        {
            OpenTrip(timeUtc, after > 0m, fee);
            return;
        }

        var adding = before > 0m == (side == Side.Buy);
        if (adding || Math.Sign(after) == Math.Sign(before))
        {
            // Adding, or reducing without closing.
            _tripFees += fee;
            _tripRealized += realized;
            return;
        }

        var closing = Math.Abs(before);
        var closingFee = after == 0m ? fee : fee * closing / quantity;
        _tripRealized += realized;
        _tripFees += closingFee;
        _roundTrips.Add(new RoundTrip(_tripOpenedUtc, timeUtc, _tripLong, _tripRealized, _tripFees));
        if (after != 0m) OpenTrip(timeUtc, after > 0m, fee - closingFee); // flipped: the rest of the fee opens the next one
    }

    private void OpenTrip(DateTime timeUtc, bool isLong, decimal fee)
    {
        _tripOpenedUtc = timeUtc;
        _tripLong = isLong;
        _tripRealized = 0m;
        _tripFees = fee;
    }
}
