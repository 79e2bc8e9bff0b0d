using System.Net;
using System.Text;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Orders;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// Regression tests for what the OpenAPI fuzzer and its follow-up probes found, each with the input that failed, so
/// the fix stays pinned even if the fuzzer's generated inputs change.
/// </summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class FuzzFindingsTests(EmbeddedApiFactory factory)
{
    /// <summary>
    /// Found: <c>POST /v1/market/ticks [{"price": 79228162514264337593543950335, ...}]</c> for a symbol with an open position
    /// answered 500 (decimal overflow marking the position), after the market had already stored the price; from then on
    /// <c>GET /v1/strategies</c> and <c>GET /v1/strategies/{id}</c> answered 500 until another tick arrived.
    /// </summary>
    [Fact]
    public async Task A_tick_price_above_the_price_cap_is_refused_and_leaves_the_market_and_the_strategy_reads_intact()
    {
        var admin = await factory.Admin();
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        var start = DateTimeOffset.UtcNow;
        await admin.Tick(symbol, 100m, start);
        Assert.Equal(HttpStatusCode.Created, (await admin.Order(strategy, symbol, "buy", 5)).StatusCode);

        var refused = await admin.PostRaw("/v1/market/ticks",
            $$"""[{"symbol":"{{symbol}}","price":79228162514264337593543950335,"timestamp":"{{start.AddSeconds(1):O}}"}]""");
        var justAbove = await admin.PostJson("/v1/market/ticks", new[] { new { symbol, price = OrderRules.MaxPrice + 0.01m, timestamp = start.AddSeconds(2) } });

        foreach (var response in new[] { refused, justAbove })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull((await response.Read())["errors"]!["[0].price"]);
        }
        Assert.Equal(100m, (decimal)(await (await admin.Get($"/v1/market/{symbol}")).Read())["price"]!);
        Assert.Equal(HttpStatusCode.OK, (await admin.Get($"/v1/strategies/{strategy}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Get("/v1/strategies?per_page=500")).StatusCode);

        // The cap itself is a valid price, and marking the position at it stays within decimal range.
        await admin.Tick(symbol, OrderRules.MaxPrice, start.AddSeconds(3));
        Assert.Equal(HttpStatusCode.OK, (await admin.Get($"/v1/strategies/{strategy}")).StatusCode);
    }

    /// <summary>
    /// Found: every answer written by the exception handler (malformed JSON, a wrong type, an unknown field: 400; a
    /// non-JSON content type: 415; 413) lacked <c>X-Request-Id</c>, because the handler clears the response headers
    /// before writing its problem details; the id was only in the body.
    /// </summary>
    [Theory]
    [InlineData("{\"id\":", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"id\":5}", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("id=5", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task Problem_details_from_the_exception_handler_carry_the_request_id_header(string body, string contentType, HttpStatusCode expected)
    {
        var admin = await factory.Admin();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/strategies") { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Add("X-Request-Id", "fuzz-finding-42");

        var response = await admin.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("fuzz-finding-42", response.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("fuzz-finding-42", (string?)(await response.Read())["requestId"]);
    }
}
