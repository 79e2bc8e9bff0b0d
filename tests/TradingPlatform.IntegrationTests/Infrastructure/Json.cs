using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradingPlatform.IntegrationTests.Infrastructure;

public static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Body(object value) => Body(JsonSerializer.Serialize(value, JsonSerializerOptions.Web));

    public static async Task<JsonNode> Read(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static Task<HttpResponseMessage> PostJson(this HttpClient http, string path, object body) =>
        http.PostAsync(new Uri(path, UriKind.Relative), Body(body));

    public static Task<HttpResponseMessage> PostRaw(this HttpClient http, string path, string body) =>
        http.PostAsync(new Uri(path, UriKind.Relative), Body(body));

    public static Task<HttpResponseMessage> PatchJson(this HttpClient http, string path, object body) =>
        http.PatchAsync(new Uri(path, UriKind.Relative), Body(body));

    public static Task<HttpResponseMessage> Get(this HttpClient http, string path) =>
        http.GetAsync(new Uri(path, UriKind.Relative));

}

/// <summary>Request bodies for strategies, valid unless a test changes them.</summary>
public static class StrategyBodies
{
    public static string NewId(string prefix = "s") => $"{prefix}-{Guid.NewGuid():N}"[..20];

    public static Dictionary<string, object?> SmaCross(string id) => new()
    {
        ["id"] = id,
        ["name"] = "SMA cross",
        ["kind"] = "sma_cross",
        ["symbols"] = new[] { "spy" },
        ["parameters"] = new Dictionary<string, object> { ["fast"] = 5, ["slow"] = 20, ["quantity"] = 10 },
        ["risk"] = new Dictionary<string, object> { ["maxOrderQuantity"] = 100, ["maxPositionQuantity"] = 1000, ["maxNotional"] = 100000, ["maxDailyLoss"] = 5000 },
    };
}
