using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;
using TradingPlatform.Tests.Strategies.Signals;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>
/// sma_cross(10, 30) × 100 shares over the 5,849 SPY daily bars (1998-01-02 … 2021-03-31, Data/spy-1d.csv), capital
/// 100,000, fee 1 bps, slippage 2 bps, checked against a naive recomputation written here from the rules (not from the
/// engine's code), and pinned so any change of behaviour shows.
/// </summary>
public sealed class SpyBacktestTests
{
    private const decimal Quantity = 100m;
    private static readonly BacktestSettings Settings = new(InitialCapital: 100_000m, FeeBps: 1m, SlippageBps: 2m);
    private static readonly Lazy<Candle[]> SpyBars = new(() =>
    [
        .. ReferenceData.Read("spy-1d.csv").Select(row => new Candle(
            DateTime.Parse(row["timestamp"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            ReferenceData.Number(row["open"]), ReferenceData.Number(row["high"]), ReferenceData.Number(row["low"]),
            ReferenceData.Number(row["close"]), ReferenceData.Number(row["volume"]))),
    ]);

    private static Candle[] Bars => SpyBars.Value;

    [Fact]
    public void Every_fill_is_the_signals_decision_filled_at_the_next_open_with_the_costs_applied()
    {
        var result = Backtest();

        // The signal's emissions over the closes, independently of the engine.
        var signal = Signal();
        var decisions = new List<(int Index, decimal Target)>();
        for (var i = 0; i < Bars.Length; i++)
            if (signal.OnPrice(Bars[i].Close) is { } target) decisions.Add((i, target));
        var filled = decisions.Where(d => d.Index < Bars.Length - 1).ToArray(); // the last bar's decision would be dropped

        Assert.Equal(filled.Length, result.Trades.Count);
        var position = 0m;
        for (var n = 0; n < filled.Length; n++)
        {
            var (index, target) = filled[n];
            var trade = result.Trades[n];
            var bar = Bars[index + 1];
            var side = target > position ? Side.Buy : Side.Sell;
            var price = Math.Round(side == Side.Buy ? bar.Open * 1.0002m : bar.Open * 0.9998m, 8, MidpointRounding.ToEven);
            var quantity = Math.Abs(target - position);

            Assert.Equal(bar.TimeUtc, trade.TimeUtc);
            Assert.Equal((side, quantity, price), (trade.Side, trade.Quantity, trade.Price));
            Assert.Equal(Math.Round(quantity * price * 0.0001m, 8, MidpointRounding.ToEven), trade.Fee);
            Assert.Equal(target, trade.PositionAfter);
            position = target;
        }
        Assert.Equal(Quantity, result.Trades[0].Quantity); // from flat: one quantity; every flip after: two
        Assert.All(result.Trades.Skip(1), t => Assert.Equal(2 * Quantity, t.Quantity));
    }

    [Fact]
    public void Final_equity_and_every_daily_point_agree_with_a_naive_replay_of_the_trade_list()
    {
        var result = Backtest();

        var trades = result.Trades.ToDictionary(t => t.TimeUtc);
        var cash = Settings.InitialCapital;
        var position = 0m;
        var averagePrice = 0m;
        var realized = new List<decimal>();
        var curve = new List<decimal>();
        foreach (var bar in Bars)
        {
            if (trades.TryGetValue(bar.TimeUtc, out var t))
            {
                var signed = t.Side == Side.Buy ? t.Quantity : -t.Quantity;
                cash -= signed * t.Price + t.Fee;
                // sma_cross only opens from flat or flips, so each fill after the first closes the whole position.
                realized.Add(position * (t.Price - averagePrice)); // long: q × (sell − avg); short: −q × (buy − avg)
                position += signed;
                averagePrice = t.Price;
            }
            curve.Add(cash + position * bar.Close); // daily bars: one point per bar
        }

        Assert.Equal(curve, result.EquityCurve.Select(p => p.Equity));
        Assert.Equal(Bars.Select(b => b.TimeUtc.Date), result.EquityCurve.Select(p => p.TimeUtc));
        Assert.Equal(curve[^1], result.Metrics.FinalEquity);
        Assert.Equal(realized, result.Trades.Select(t => t.RealizedPnl));
        Assert.Equal(result.Metrics.FinalEquity / Settings.InitialCapital - 1m, result.Metrics.TotalReturn);
    }

    [Fact]
    public void Round_trips_exposure_and_statistics_are_consistent_with_the_trades()
    {
        var result = Backtest();
        var m = result.Metrics;

        // Flips only: every fill after the first closes one round trip; the last one is still open at the end.
        Assert.Equal(result.Trades.Count - 1, m.ClosedTrades);
        Assert.Equal(result.Trades.Sum(t => t.RealizedPnl), result.RoundTrips.Sum(t => t.RealizedPnl));
        var openTripFees = result.Trades[^1].Fee / 2; // the last flip's fee is half closing, half opening
        Assert.Equal(result.Trades.Sum(t => t.Fee), result.RoundTrips.Sum(t => t.Fees) + openTripFees);
        var unrealized = result.Trades[^1].PositionAfter * (Bars[^1].Close - result.Trades[^1].Price);
        Assert.Equal(m.FinalEquity - Settings.InitialCapital, result.RoundTrips.Sum(t => t.Pnl) - openTripFees + unrealized);

        var firstFill = Array.FindIndex(Bars, b => b.TimeUtc == result.Trades[0].TimeUtc);
        Assert.Equal((double)(Bars.Length - firstFill) / Bars.Length, m.Exposure); // never flat after the first fill
        Assert.Equal(result.RoundTrips.Count(t => t.Pnl > 0m) / (double)m.ClosedTrades, m.WinRate);
        Assert.InRange(m.MaxDrawdown, -1, 0);
        Assert.True(m.Volatility > 0);
        Assert.Equal(Bars.Length, result.Bars);
    }

    /// <summary>
    /// A regression pin. If a change of behaviour is intended, recompute and say why in the change. The fingerprint is
    /// the SHA-256 (lowercase hex) of the UTF-8 text listing each trade as
    /// <c>yyyy-MM-dd|side|quantity|price|fee|realizedPnl|positionAfter</c> plus a newline (invariant culture, no trailing zeros).
    /// </summary>
    [Fact]
    public void The_spy_backtest_is_pinned_by_its_statistics_and_a_hash_of_its_trade_list()
    {
        var first = Backtest();
        var second = Backtest();

        Assert.Equal(first.Trades, second.Trades);
        Assert.Equal(first.Metrics, second.Metrics);
        Assert.Equal(PinnedTrades, first.Trades.Count);
        Assert.Equal(PinnedFinalEquity, first.Metrics.FinalEquity);
        Assert.Equal(PinnedFingerprint, Fingerprint(first.Trades));
    }

    // Reproduced by an independent Python script (decimal arithmetic, 50 digits) written from the rules: the sma_cross
    // sign test on the window sums, fills at the next open × (1 ± 2 bps) rounded half-even to 8 places, fee 1 bps.
    private const int PinnedTrades = 204;
    private const decimal PinnedFinalEquity = 93_640.03801906m;
    private const string PinnedFingerprint = "a0f533642f420b8f679176cde09257bc9370240e213f412316b6c9f4a7e58fd4";

    private static ISignal Signal() => SignalFactory.Create(StrategyKind.SmaCross,
        new Dictionary<string, decimal> { ["fast"] = 10, ["slow"] = 30, ["quantity"] = Quantity });

    private static BacktestResult Backtest()
    {
        var engine = new BacktestEngine(Signal(), Settings);
        engine.Run(Bars);
        return engine.Complete();
    }

    private static string Fingerprint(IEnumerable<BacktestTrade> trades)
    {
        var text = new StringBuilder();
        foreach (var t in trades)
            text.Append(CultureInfo.InvariantCulture,
                $"{t.TimeUtc:yyyy-MM-dd}|{(t.Side == Side.Buy ? "buy" : "sell")}|{N(t.Quantity)}|{N(t.Price)}|{N(t.Fee)}|{N(t.RealizedPnl)}|{N(t.PositionAfter)}\n");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string N(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);
}
