using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Cluster;

/// <summary>
/// Postgres mode as operators run it: separate silo and API processes on loopback against one
/// real database, stopped gracefully (SIGTERM) and killed (SIGKILL).
/// </summary>
public sealed class ClusterProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<HostProcess> _processes = [];
    private TestDatabase _database = null!;
    private readonly string _clusterId = $"test-{Guid.NewGuid():N}"[..16];

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabase("procs");

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<(HostProcess Silo1, HostProcess Silo2, HostProcess Api)> StartCluster()
    {
        var silo1 = Track(HostProcess.StartSilo("silo1", _database.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next()));
        var silo2 = Track(HostProcess.StartSilo("silo2", _database.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next()));
        var api = Track(HostProcess.StartApi("api", _database.ConnectionString, _clusterId));
        await Task.WhenAll(silo1.WaitReady(StartTimeout), silo2.WaitReady(StartTimeout), api.WaitReady(StartTimeout));
        return (silo1, silo2, api);
    }

    private HostProcess Track(HostProcess process)
    {
        _processes.Add(process);
        return process;
    }


    [Fact]
    public async Task Strategy_state_survives_a_full_stop_and_restart_of_every_process()
    {
        var (silo1, silo2, api) = await StartCluster();
        var ids = Enumerable.Range(0, 5).Select(_ => StrategyBodies.NewId("p")).ToArray();
        using (var http = await api.AdminClient())
        {
            foreach (var id in ids)
                Assert.Equal(HttpStatusCode.Created, (await http.PostJson("/v1/strategies", StrategyBodies.SmaCross(id))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.PatchJson($"/v1/strategies/{ids[0]}", new { status = "running", name = "renamed" })).StatusCode);
        }

        await api.Terminate(TimeSpan.FromSeconds(30));
        await Task.WhenAll(silo1.Terminate(TimeSpan.FromSeconds(30)), silo2.Terminate(TimeSpan.FromSeconds(30)));

        var (_, _, restartedApi) = await StartCluster();
        using var after = await restartedApi.AdminClient();
        var first = await (await after.Get($"/v1/strategies/{ids[0]}")).Read();
        Assert.Equal("running", (string?)first["status"]);
        Assert.Equal("renamed", (string?)first["name"]);
        var list = await (await after.Get("/v1/strategies?per_page=500")).Read();
        Assert.Equal(ids, list["items"]!.AsArray().Select(i => (string)i!["id"]!));
        Assert.Equal(ids.Length, (int)list["total"]!);

        var status = await (await after.Get("/v1/system/status")).Read();
        Assert.Equal("cluster", (string?)status["mode"]);
        Assert.Equal(2, status["silos"]!.AsArray().Count(s => (string?)s!["status"] == "active"));
    }

    [Fact]
    public async Task Killing_a_silo_process_leaves_every_strategy_readable_from_every_api_node()
    {
        var (silo1, _, api) = await StartCluster();
        var secondApi = Track(HostProcess.StartApi("api2", _database.ConnectionString, _clusterId));
        await secondApi.WaitReady(StartTimeout);
        var ids = Enumerable.Range(0, 20).Select(_ => StrategyBodies.NewId("f")).ToArray();
        using var http = await api.AdminClient();
        using var http2 = await secondApi.AdminClient();
        foreach (var id in ids)
            Assert.Equal(HttpStatusCode.Created, (await http.PostJson("/v1/strategies", StrategyBodies.SmaCross(id))).StatusCode);
        await Task.WhenAll(ids.Take(10).Select(id => http2.PatchJson($"/v1/strategies/{id}", new { status = "running" })));

        await silo1.Kill();

        foreach (var client in new[] { http, http2 })
        {
            var states = await Eventually.Get(
                () => Task.WhenAll(ids.Select(async id => (await client.Get($"/v1/strategies/{id}")).StatusCode == HttpStatusCode.OK
                    ? (string?)(await (await client.Get($"/v1/strategies/{id}")).Read())["status"]
                    : null)),
                all => all.All(s => s is not null),
                TimeSpan.FromSeconds(45),
                "every strategy readable after silo1 was killed");
            Assert.Equal(Enumerable.Repeat("running", 10).Concat(Enumerable.Repeat("stopped", 10)), states);
        }
    }
}
