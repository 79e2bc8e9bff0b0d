using System.Text.RegularExpressions;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace TradingPlatform.Api.Dashboard;

/// <summary>Configuration section <c>Dashboard</c>.</summary>
public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>Serve the dashboard page at <c>/</c> (default true). Off: only the API answers.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// The dashboard page (<c>wwwroot/</c>: plain HTML, CSS and JavaScript modules, no build step) served at <c>/</c> by
/// every API node, embedded or cluster. Its files are copied next to the API assembly at build and publish, so the
/// node serves them whatever its working directory or environment. Every file carries a Content-Security-Policy that
/// allows only this origin (and its WebSocket); files under a versioned <c>vendor/</c> folder are cached for a year,
/// everything else is revalidated on each load (ETag / Last-Modified, so an unchanged file costs a 304).
/// </summary>
public static partial class DashboardHosting
{
    public const string ImmutablePrefix = "/vendor/";

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.SectionName).ValidateOnStart();
        return services;
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value.Enabled) return app;
        var files = FileProvider(app.Environment);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, DefaultFileNames = ["index.html"] });
        var contentTypes = new FileExtensionContentTypeProvider();
        contentTypes.Mappings[".mjs"] = "text/javascript";
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = contentTypes,
            OnPrepareResponse = context => SetHeaders(context.Context),
        });
        return app;
    }

    /// <summary>The copy beside the assembly when there is one (build output, publish, container), else the web root.</summary>
    public static IFileProvider FileProvider(IWebHostEnvironment environment)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return File.Exists(Path.Combine(beside, "index.html")) ? new PhysicalFileProvider(beside) : environment.WebRootFileProvider;
    }

    public static void SetHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = context.Request.Path.StartsWithSegments(ImmutablePrefix.TrimEnd('/'))
            ? "public, max-age=31536000, immutable" // the folder name carries the library's version
            : "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy(context.Request);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    /// <summary>
    /// Only this origin: scripts and styles from its own files (no inline code), fetches to its own API, and its own
    /// WebSocket. CSP Level 3 lets <c>'self'</c> cover ws(s) to the same host, but older engines do not, so the
    /// socket's origin is named when the Host header is a plain host[:port].
    /// </summary>
    public static string ContentSecurityPolicy(HttpRequest request)
    {
        var host = request.Host.Value;
        var socket = host is not null && PlainHost().IsMatch(host)
            ? $" {(request.IsHttps ? "wss" : "ws")}://{host}"
            : "";
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
               $"connect-src 'self'{socket}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    [GeneratedRegex(@"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$")]
    private static partial Regex PlainHost();
}
