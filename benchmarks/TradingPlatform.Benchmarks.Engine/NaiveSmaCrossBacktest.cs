using TradingPlatform.Candles;
using TradingPlatform.Execution;
using TradingPlatform.Orders;

namespace TradingPlatform.Benchmarks.Engine;

/// <summary>
/// The baseline: the same sma_cross backtest written the obvious way. On every bar both averages are recomputed from
/// the window (fast + slow additions and two divisions), fills at the next open with the same pricing, cash and
/// position in decimal, equity sampled at each UTC day's last bar. It must reach the same final equity and fill count
/// as <see cref="Backtesting.BacktestEngine"/> (checked before measuring), so the comparison is of equal work.
/// </summary>
public static class NaiveSmaCrossBacktest
{
    public static (decimal FinalEquity, int Fills) Run(Candle[] bars, int fast, int slow, decimal quantity, decimal initialCapital,
        decimal feeBps, decimal slippageBps)
    {
        var cash = initialCapital;
        var position = 0m;
        var pending = 0m;
        var side = 0;
        var target = 0m;
        var fills = 0;
        var equity = new List<decimal>();
        for (var i = 0; i < bars.Length; i++)
        {
            if (i > 0 && bars[i].TimeUtc.Date != bars[i - 1].TimeUtc.Date) equity.Add(cash + position * bars[i - 1].Close);
            if (pending != 0m)
            {
                var orderSide = pending > 0m ? Side.Buy : Side.Sell;
                var filled = Math.Abs(pending);
                var (price, fee) = FillPricing.Market(orderSide, filled, bars[i].Open, slippageBps, feeBps);
                cash += orderSide == Side.Buy ? -(filled * price + fee) : filled * price - fee;
                position += pending;
                pending = 0m;
                fills++;
            }

            if (i < slow - 1) continue;
            var fastMean = Mean(bars, i, fast);
            var slowMean = Mean(bars, i, slow);
            var now = fastMean > slowMean ? 1 : fastMean < slowMean ? -1 : side;
            var crossed = side != 0 && now != side;
            side = now;
            if (!crossed) continue;
            var next = now > 0 ? quantity : -quantity;
            if (next == target) continue;
            target = next;
            pending = target - position;
        }
        var final = bars.Length == 0 ? initialCapital : cash + position * bars[^1].Close;
        equity.Add(final);
        return (final, fills);
    }

    private static decimal Mean(Candle[] bars, int end, int period)
    {
        var sum = 0m;
        for (var j = end - period + 1; j <= end; j++) sum += bars[j].Close;
        return sum / period;
    }
}
