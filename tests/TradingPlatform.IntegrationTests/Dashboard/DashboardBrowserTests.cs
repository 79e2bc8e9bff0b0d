using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard page end to end: a real API process (embedded mode, Production environment, default rate limits)
/// on a free loopback port, and <c>tests/browser/dashboard.e2e.mjs</c> driving headless Debian Chromium through it.
/// With <c>TP_SCREENSHOTS=1</c> the script also rewrites <c>docs/dashboard-desktop.png</c> and <c>docs/dashboard-phone.png</c>.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [BrowserFact]
    public async Task A_user_logs_in_trades_drills_the_kill_switch_acknowledges_an_alert_and_charts_a_backtest_in_Chromium()
    {
        Assert.True(BrowserTools.MissingTools is null, BrowserTools.MissingTools);
        await BrowserTools.EnsurePackages(TimeSpan.FromMinutes(5));

        await using var api = HostProcess.StartApi("dashboard-api", connectionString: "", clusterId: "dashboard", new()
        {
            ["ConnectionStrings__Postgres"] = "",          // embedded: one process, in memory, SPY sample candles loaded
            ["ASPNETCORE_ENVIRONMENT"] = "Production",     // static files served as in production, not from the source tree
            ["RateLimits__Dashboard__PermitsPerMinute"] = "", // the contract's budgets: the page must live within them
            ["RateLimits__Admin__PermitsPerMinute"] = "",
        });
        await api.WaitReady(StartTimeout);

        var (exit, output) = await BrowserTools.Run("node", ["dashboard.e2e.mjs"], new()
        {
            ["TP_BASE_URL"] = api.BaseAddress.ToString(),
            ["TP_ADMIN_USERNAME"] = EmbeddedApiFactory.AdminUsername,
            ["TP_ADMIN_PASSWORD"] = EmbeddedApiFactory.AdminPassword,
            ["TP_CHROMIUM"] = BrowserTools.Chromium,
        }, TimeSpan.FromMinutes(6));

        Assert.True(exit == 0, $"dashboard.e2e.mjs exited with {exit}:\n{output}\n--- API output (last lines) ---\n{api.Output()}");
        Assert.Contains("PASS", output, StringComparison.Ordinal);
    }
}
