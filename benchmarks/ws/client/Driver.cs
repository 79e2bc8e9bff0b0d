using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TradingPlatform.Benchmarks.WebSockets.Client;

/// <summary>
/// The order driver of <c>bench.mjs --driver dotnet</c>, a process of its own (so its CPU is measured apart from the
/// subscribers'): market orders over REST at a steady rate, as bench.mjs's own node driver does, for a fraction of the
/// CPU (node's <c>fetch</c> took about 0.9 ms of CPU per order: 0.18 of the 2 cores at 205 orders/s, taken from the API
/// under test). Protocol, one line each way: after start-up <c>{"ready":true}</c>; <c>flow RATE SECONDS</c> →
/// <c>{"placed":…,"failed":…,"startedUnixMs":…}</c> once every order of the flow has been answered.
/// </summary>
internal static class Driver
{
    public static async Task<int> Run(string[] args)
    {
        string? baseUrl = null, token = null, strategy = null, symbol = null;
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--base": baseUrl = args[i + 1]; break;
                case "--token": token = args[i + 1]; break;
                case "--strategy": strategy = args[i + 1]; break;
                case "--symbol": symbol = args[i + 1]; break;
                default: return Usage();
            }
        }
        if (baseUrl is null || token is null || strategy is null || symbol is null) return Usage();
        var uri = new Uri(baseUrl);
        if (!IPAddress.IsLoopback(IPAddress.Parse(uri.Host == "localhost" ? "127.0.0.1" : uri.Host)))
            throw new ArgumentException("the benchmark driver targets loopback only", nameof(args));

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { BaseAddress = uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var prefix = $"{{\"strategyId\":\"{strategy}\",\"symbol\":\"{symbol}\",\"quantity\":1,\"type\":\"market\",\"side\":\"";
        var run = Guid.NewGuid().ToString("N")[..8];
        long side = 0;
        Console.WriteLine("{\"ready\":true}");

        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is not ["flow", var rateText, var secondsText])
            {
                await Console.Error.WriteLineAsync($"unknown command '{line}'");
                continue;
            }
            var rate = double.Parse(rateText, CultureInfo.InvariantCulture);
            var seconds = double.Parse(secondsText, CultureInfo.InvariantCulture);
            var startedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var clock = Stopwatch.StartNew();
            var interval = 1000.0 / rate;
            var inflight = new List<Task<bool>>();
            var placed = 0;
            while (clock.Elapsed.TotalMilliseconds < seconds * 1000)
            {
                var wait = placed * interval - clock.Elapsed.TotalMilliseconds;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, Math.Floor(wait))));
                    continue;
                }
                placed++;
                var n = side++;
                var body = prefix + (n % 2 == 0 ? "buy" : "sell") + $"\",\"clientOrderId\":\"d-{run}-{n}\"}}";
                inflight.Add(Place(http, body));
            }
            var results = await Task.WhenAll(inflight);
            Console.WriteLine(JsonSerializer.Serialize(new { placed, failed = results.Count(ok => !ok), startedUnixMs }));
        }
        return 0;
    }

    private static async Task<bool> Place(HttpClient http, string body)
    {
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("/v1/orders", content);
            if (response.IsSuccessStatusCode) return true;
            await Console.Error.WriteLineAsync($"order refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return false;
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"order failed: {e.Message}");
            return false;
        }
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: WsBenchClient drive --base http://127.0.0.1:5620 --token <jwt> --strategy <id> --symbol <symbol>");
        return 2;
    }
}
