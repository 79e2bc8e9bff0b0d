using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Trading;

/// <summary>An embedded platform whose admin budget is tiny.</summary>
public sealed class TinyAdminBudgetFactory : EmbeddedApiFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["RateLimits:Admin:PermitsPerMinute"] = "2",
    };
}

public sealed class KillSwitchBudgetTests : IClassFixture<TinyAdminBudgetFactory>
{
    private readonly TinyAdminBudgetFactory _factory;

    public KillSwitchBudgetTests(TinyAdminBudgetFactory factory) => _factory = factory;

    [Fact]
    public async Task Halting_and_reducing_are_never_refused_by_the_admin_rate_limit_but_releasing_is()
    {
        var admin = await _factory.Admin();
        async Task<HttpResponseMessage> Set(string state) =>
            await admin.PostJson("/v1/controls/kill-switch", new { scope = "global", state, reason = "budget test" });

        Assert.Equal(HttpStatusCode.OK, (await Set("active")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Set("active")).StatusCode);
        var refused = await Set("active");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("0", refused.Headers.GetValues("X-RateLimit-Remaining").Single());

        var halted = await Set("halted");
        Assert.Equal(HttpStatusCode.OK, halted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Set("reducing")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Set("active")).StatusCode);
        Assert.Equal("reducing", (string?)(await (await admin.Get("/v1/controls/kill-switch")).Read())["global"]!["state"]);
    }
}
