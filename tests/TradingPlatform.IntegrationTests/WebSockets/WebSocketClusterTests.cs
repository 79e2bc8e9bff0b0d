using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>
/// Cluster mode as operators run it: one Postgres-backed silo process and two API processes. The seq of a
/// topic comes from one sequencer grain, so it is the same on both nodes and a resume on the other node
/// with <c>since</c> continues without a gap or a duplicate.
/// </summary>
public sealed class WebSocketClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<HostProcess> _processes = [];
    private readonly string _clusterId = $"ws-{Guid.NewGuid():N}"[..16];
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabase("ws");

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static bool IsFillOf(JsonNode message, string strategy) => (string?)message["data"]?["strategyId"] == strategy;

    private static List<(long Seq, string FillId)> Mine(IEnumerable<JsonNode> events, string strategy) =>
        [.. events.Where(m => IsFillOf(m, strategy)).Select(m => (WsClient.Seq(m), (string)m["data"]!["fillId"]!))];

    [Fact]
    public async Task A_client_resuming_on_a_second_api_node_continues_the_same_seq_without_gap_or_duplicate()
    {
        var silo = Track(HostProcess.StartSilo("silo", _database.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next()));
        await silo.WaitReady(StartTimeout);
        var api1 = Track(HostProcess.StartApi("api1", _database.ConnectionString, _clusterId));
        var api2 = Track(HostProcess.StartApi("api2", _database.ConnectionString, _clusterId));
        await Task.WhenAll(api1.WaitReady(StartTimeout), api2.WaitReady(StartTimeout));

        using var http = await api1.AdminClient();
        var token = http.DefaultRequestHeaders.Authorization!.Parameter!;
        var symbol = TradingClient.NewSymbol();
        var strategy = await http.CreateStrategy([symbol]);
        await http.Tick(symbol, 100m);

        await using var watcher = await WsClient.Connect(api2.BaseAddress, token); // live on node 2 throughout
        await watcher.Subscribe(["fills"]);
        List<JsonNode> first;
        await using (var ws1 = await WsClient.Connect(api1.BaseAddress, token))
        {
            await ws1.Subscribe(["fills"]);
            for (var i = 0; i < 5; i++) await http.Placed(strategy, symbol, "buy", 1);
            first = await ws1.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 5, "five fills on node 1");
            await ws1.CloseNormally();
        }
        var since = WsClient.Seq(first[^1]);
        for (var i = 0; i < 4; i++) await http.Placed(strategy, symbol, "sell", 1);

        await using var ws2 = await WsClient.Connect(api2.BaseAddress, token);
        await ws2.Subscribe(["fills"], new() { ["fills"] = since });
        var resumed = await ws2.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 4, "the four missed fills on node 2");
        for (var i = 0; i < 2; i++) await http.Placed(strategy, symbol, "buy", 1);
        resumed.AddRange(await ws2.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 2, "two live fills on node 2"));

        Assert.Equal(since + 1, WsClient.Seq(resumed[0]));
        for (var i = 1; i < resumed.Count; i++) Assert.Equal(WsClient.Seq(resumed[i - 1]) + 1, WsClient.Seq(resumed[i]));
        var fills = await (await http.Get($"/v1/fills?strategyId={strategy}&per_page=100")).Read();
        var journaled = fills["items"]!.AsArray().Select(f => (string)f!["fillId"]!).Reverse().ToList(); // newest first in the journal
        Assert.Equal(journaled, Mine(first, strategy).Concat(Mine(resumed, strategy)).Select(f => f.FillId));

        // The live watcher on node 2 saw every one of these fills with the very same seq.
        var watched = await watcher.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 11, "all eleven fills on the node 2 watcher");
        Assert.Equal(Mine(first, strategy).Concat(Mine(resumed, strategy)), Mine(watched, strategy));
    }

    private HostProcess Track(HostProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
