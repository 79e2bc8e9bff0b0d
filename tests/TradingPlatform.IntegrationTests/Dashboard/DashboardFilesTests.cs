using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Dashboard;

/// <summary>How the API serves the dashboard's static files (the browser test drives the page itself).</summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class DashboardFilesTests(EmbeddedApiFactory factory)
{
    private const string VendorModule = "/vendor/lightweight-charts-5.2.1/lightweight-charts.standalone.production.mjs";

    [Fact]
    public async Task The_page_is_served_at_the_root_without_a_token_under_a_self_only_policy()
    {
        using var http = factory.CreateClient();
        var response = await http.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"js/app.js\"></script>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var csp = string.Join(';', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains($"connect-src 'self' ws://{http.BaseAddress!.Authority};", csp, StringComparison.Ordinal); // its own WebSocket, nothing else
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);
    }

    [Fact]
    public async Task The_app_revalidates_its_own_files_and_caches_the_versioned_library_for_a_year()
    {
        using var http = factory.CreateClient();
        var app = await http.GetAsync(new Uri("/js/app.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, app.StatusCode);
        Assert.Equal("text/javascript", app.Content.Headers.ContentType?.MediaType);
        Assert.True(app.Headers.CacheControl?.NoCache);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, new Uri("/js/app.js", UriKind.Relative));
        conditional.Headers.IfNoneMatch.Add(app.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(conditional)).StatusCode);

        var vendor = await http.GetAsync(new Uri(VendorModule, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, vendor.StatusCode);
        Assert.Equal("text/javascript", vendor.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", vendor.Headers.CacheControl?.ToString());
        // The licence and the attribution notice the library asks for are served next to it.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/vendor/lightweight-charts-5.2.1/LICENSE.txt", UriKind.Relative))).StatusCode);
        Assert.Contains("TradingView", await http.GetStringAsync(new Uri("/vendor/lightweight-charts-5.2.1/NOTICE.txt", UriKind.Relative)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_problem_details_404_and_the_api_still_wants_a_token()
    {
        using var http = factory.CreateClient();
        var missing = await http.GetAsync(new Uri("/js/nope.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/v1/strategies", UriKind.Relative))).StatusCode);
    }
}
