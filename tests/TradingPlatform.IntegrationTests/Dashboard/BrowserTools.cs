using System.Diagnostics;
using System.Text;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Dashboard;

/// <summary>
/// Node, npm and Debian's Chromium for the browser test (<c>tests/browser</c>). Nothing is downloaded but the npm
/// package <c>playwright-core</c> (by <c>npm ci</c>, from the committed lock file); the browser is the system's.
/// </summary>
public static class BrowserTools
{
    public const string InstallHint = "install them with `apt-get install -y chromium nodejs npm` (or set TP_CHROMIUM to a Chromium binary)";

    public static string ProjectDirectory { get; } = Path.Combine(RepoPaths.Root, "tests", "browser");

    public static string Chromium { get; } = Environment.GetEnvironmentVariable("TP_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static bool OnCi { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>Null when node (20 or later: playwright-core's own minimum), npm and Chromium are all there; otherwise what is missing and how to install it.</summary>
    public static string? MissingTools => Missing.Value;

    private static string? FindMissing()
    {
        var missing = new List<string>();
        if (!File.Exists(Chromium)) missing.Add($"Chromium ({Chromium})");
        var node = RunQuietly("node", "--version");
        if (node is null) missing.Add("node");
        else if (!Version.TryParse(node.Trim().TrimStart('v'), out var version) || version.Major < 20) missing.Add($"node 20 or later (found {node.Trim()})");
        if (!File.Exists(Path.Combine(ProjectDirectory, "node_modules", "playwright-core", "package.json")) && RunQuietly("npm", "--version") is null)
            missing.Add("npm (to install playwright-core)");
        return missing.Count == 0 ? null : $"The dashboard browser test needs {string.Join(", ", missing)}: {InstallHint}.";
    }

    private static string? RunQuietly(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(30_000);
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not on PATH
        }
    }

    /// <summary><c>npm ci</c> when playwright-core is not installed yet (exactly the locked version; no browser download).</summary>
    public static async Task EnsurePackages(TimeSpan timeout)
    {
        if (File.Exists(Path.Combine(ProjectDirectory, "node_modules", "playwright-core", "package.json"))) return;
        var (exit, output) = await Run("npm", ["ci", "--no-audit", "--no-fund"], new() { ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1" }, timeout);
        if (exit != 0) throw new InvalidOperationException($"npm ci in {ProjectDirectory} failed with exit code {exit}:\n{output}");
    }

    /// <summary>Runs a program in <c>tests/browser</c> and returns its exit code and interleaved output.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string file, string[] arguments, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output) output.AppendLine($"(killed after {timeout.TotalSeconds:0} s)");
            return (-1, output.ToString());
        }
        process.WaitForExit(); // drains the output handlers
        lock (output) return (process.ExitCode, output.ToString());
    }
}

/// <summary>
/// A fact that needs node and Chromium: skipped with the install command when they are missing, except on CI
/// (<c>CI=true</c>), where a missing tool fails the test instead of hiding it.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!BrowserTools.OnCi && BrowserTools.MissingTools is { } missing) Skip = missing;
    }
}
