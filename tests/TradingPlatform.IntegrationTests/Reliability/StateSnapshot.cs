using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// Everything a client can observe that a request could change, read through the API as an admin: totals and the
/// identifying fields of strategies, users, orders, fills, positions, audit records, alerts, runs, the kill switch,
/// the stored candles of a known symbol and the market of the setup symbol. Volatile read-model fields (marks,
/// unrealized PnL, timestamps of reads) are left out so only real changes differ.
/// </summary>
public static class StateSnapshot
{
    public static async Task<SortedDictionary<string, string>> Take(HttpClient admin, string marketSymbol)
    {
        var facts = new SortedDictionary<string, string>(StringComparer.Ordinal);

        async Task<JsonNode> Read(string url)
        {
            var response = await admin.Get(url);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"snapshot: GET {url} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            return await response.Read();
        }

        async Task List(string name, string url, params string[] fields)
        {
            var page = await Read(url);
            facts[name + ".total"] = page["total"]!.ToJsonString();
            foreach (var item in page["items"]!.AsArray())
            {
                var key = name + "[" + string.Join('|', fields.Take(1).Select(f => item![f]?.ToJsonString())) + "]";
                facts[key] = string.Join('|', fields.Skip(1).Select(f => item![f]?.ToJsonString()));
            }
        }

        await List("strategies", "/v1/strategies?per_page=500", "id", "name", "kind", "status", "symbols", "parameters", "risk", "openOrders", "fills");
        await List("users", "/v1/users?per_page=500", "id", "role", "disabled");
        await List("orders", "/v1/orders?per_page=500", "orderId", "status", "quantity", "filledQuantity", "rejectReason");
        await List("fills", "/v1/fills?per_page=500", "fillId", "quantity", "price");
        await List("positions", "/v1/positions?per_page=500", "strategyId", "symbol", "quantity", "averagePrice", "realizedPnl");
        await List("alerts", "/v1/alerts?per_page=500", "id", "severity", "acknowledged");
        await List("runs", "/v1/runs?per_page=500", "id", "status");
        var audit = await Read("/v1/audit?per_page=1");
        facts["audit.total"] = audit["total"]!.ToJsonString();
        facts["audit.newest"] = audit["items"]!.AsArray().FirstOrDefault() is { } newest ? $"{newest["action"]} {newest["target"]}" : "none";
        facts["kill-switch"] = (await Read("/v1/controls/kill-switch")).ToJsonString();
        foreach (var timeframe in (string[])["1d", "1m"])
        {
            var candles = (await Read($"/v1/candles?symbol=SPY&timeframe={timeframe}&limit=10000"))["items"]!.AsArray();
            facts[$"candles.SPY.{timeframe}"] = $"{candles.Count} bars, {candles.FirstOrDefault()?["time"]} .. {candles.LastOrDefault()?["time"]}";
        }
        var market = await Read($"/v1/market/{marketSymbol}");
        facts[$"market.{marketSymbol}"] = $"{market["price"]} at {market["time"]}, {market["ticks"]} ticks";
        return facts;
    }

    /// <summary>
    /// A snapshot that two reads in a row agree on: read models fed by streams (positions, the portfolio) trail the
    /// write by milliseconds, so a snapshot is only taken once nothing is moving.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> Settled(HttpClient admin, string marketSymbol)
    {
        var previous = await Take(admin, marketSymbol);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            var current = await Take(admin, marketSymbol);
            if (current.SequenceEqual(previous)) return current;
            previous = current;
        }
        throw new InvalidOperationException("The observable state kept changing for 10 s; cannot take a snapshot.");
    }

    /// <summary>Lines "- fact: before → after" for every fact that differs, empty when the snapshots are equal.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after) =>
        before.Keys.Union(after.Keys).Order(StringComparer.Ordinal)
            .Where(k => before.GetValueOrDefault(k) != after.GetValueOrDefault(k))
            .Select(k => $"- {k}: {before.GetValueOrDefault(k) ?? "(absent)"} → {after.GetValueOrDefault(k) ?? "(absent)"}")
            .ToArray();
}
