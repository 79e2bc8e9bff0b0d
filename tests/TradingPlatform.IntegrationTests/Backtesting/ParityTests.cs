using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.IntegrationTests.Backtesting;

/// <summary>An embedded platform whose paper venue charges fees and slippage with fractional basis points.</summary>
public sealed class ParityApiFactory : EmbeddedApiFactory
{
    public const decimal FeeBps = 2.5m;
    public const decimal SlippageBps = 3m;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Execution:FeeBps"] = "2.5",
        ["Execution:SlippageBps"] = "3",
    };
}

[CollectionDefinition(Name)]
public sealed class ParityApiCollection : ICollectionFixture<ParityApiFactory>
{
    public const string Name = "parity-api";
}

/// <summary>
/// A backtest trades exactly as the live strategy would on the same prices: same orders, same fill prices, same fees.
/// </summary>
/// <remarks>
/// Why the prices can be equal: live, a running strategy feeds each tick's price to its signal and a market order fills
/// at once at that tick's price (slipped). The backtest feeds bar t's close to the same signal and fills at bar t+1's
/// open (slipped), the first price after the decision. Replaying bar t as one tick at close_t, and building the bars
/// continuous (open_{t+1} = close_t, as in a market without gaps), the reference price of every fill is close_t in both,
/// and both price it with <c>FillPricing.Market</c>. The last bar's close is not sent as a tick: the backtest drops the
/// order decided there (no next open), and live would fill it.
/// </remarks>
[Collection(ParityApiCollection.Name)]
public sealed class ParityTests(ParityApiFactory factory)
{
    private const int Count = 300;

    [Theory]
    [InlineData("sma_cross", 11)]
    [InlineData("mean_reversion", 12)]
    [InlineData("breakout", 13)]
    public async Task A_backtest_fills_exactly_like_the_live_strategy_on_the_same_prices(string kind, int seed)
    {
        var bars = ContinuousBars(Count, seed);
        var parameters = Parameters(kind);
        var backtest = Backtest(kind, parameters, bars);
        Assert.True(backtest.Trades.Count >= 5, $"only {backtest.Trades.Count} fills: too few to compare");

        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], TradingClient.Risk(), kind,
            parameters.ToDictionary(p => p.Key, p => (object)p.Value));
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchJson($"/v1/strategies/{strategy}", new { status = "running" })).StatusCode);

        var ticks = bars.Take(Count - 1).Select(b => new { symbol, price = b.Close, timestamp = new DateTimeOffset(b.TimeUtc) }).ToArray();
        var response = await trader.PostJson("/v1/market/ticks", ticks);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Count - 1, (int?)(await response.Read())["accepted"]);

        var live = await Fills(trader, strategy);
        Assert.Equal(
            backtest.Trades.Select(t => (t.Side == Side.Buy ? "buy" : "sell", t.Quantity, t.Price, t.Fee)),
            live.Select(f => ((string)f["side"]!, f["quantity"].Number(), f["price"].Number(), f["fee"].Number())));

        var position = await trader.Position(strategy, symbol);
        Assert.Equal(backtest.Trades[^1].PositionAfter, position["quantity"].Number());
        Assert.Equal(backtest.Trades.Sum(t => t.RealizedPnl - t.Fee), position["realizedPnl"].Number());
    }

    /// <summary>Every fill of the strategy in journal order (the endpoint lists newest first).</summary>
    private static async Task<List<JsonNode>> Fills(HttpClient client, string strategy)
    {
        var page = await (await client.Get($"/v1/fills?strategyId={strategy}&per_page=500")).Read();
        Assert.True((int?)page["total"] <= 500);
        return [.. page["items"]!.AsArray().Select(f => f!).OrderBy(f => (long?)f["sequence"])];
    }

    /// <summary>
    /// Continuous bars one minute apart ending an hour ago: a seeded geometric random walk of the close (log steps of
    /// 0.8 %), prices in cents, each bar opening exactly at the previous close.
    /// </summary>
    private static Candle[] ContinuousBars(int count, int seed)
    {
        var random = new Random(seed);
        var start = DateTime.UtcNow.AddHours(-1).AddMinutes(-count);
        start = new DateTime(start.Ticks - start.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc); // whole seconds survive JSON unchanged
        var bars = new Candle[count];
        var close = 100.0;
        var open = 100m;
        for (var i = 0; i < count; i++)
        {
            var normal = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
            close *= Math.Exp(0.008 * normal);
            var closePrice = Math.Round((decimal)close, 2);
            bars[i] = new Candle(start.AddMinutes(i), open, Math.Max(open, closePrice), Math.Min(open, closePrice), closePrice, 1m);
            open = closePrice;
        }
        return bars;
    }

    private static Dictionary<string, decimal> Parameters(string kind) => kind switch
    {
        "sma_cross" => new() { ["fast"] = 3, ["slow"] = 8, ["quantity"] = 5 },
        "mean_reversion" => new() { ["window"] = 10, ["k"] = 1.5m, ["quantity"] = 5 },
        "breakout" => new() { ["lookback"] = 6, ["quantity"] = 5 },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static BacktestResult Backtest(string kind, Dictionary<string, decimal> parameters, Candle[] bars)
    {
        var engine = new BacktestEngine(SignalFactory.Create(StrategyRules.Kinds[kind], parameters),
            new BacktestSettings(InitialCapital: 100_000m, ParityApiFactory.FeeBps, ParityApiFactory.SlippageBps));
        engine.Run(bars);
        return engine.Complete();
    }
}
