using System.Globalization;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>A process whose <c>/metrics</c> the soak samples (a silo or an API node).</summary>
public sealed record SoakProcess(string Name, Uri Metrics, int? Pid = null);

/// <summary>Command line of <c>--scenario soak</c> (see <see cref="Usage"/>); <c>benchmarks/soak.sh</c> passes it.</summary>
public sealed record SoakOptions
{
    public const string Usage = """
        Soak client: bounded mixed load at fixed rates against running API nodes, /metrics of every process sampled,
        a computed verdict (exit 1 when it fails). benchmarks/soak.sh starts the processes and runs this.

          dotnet TradingPlatform.Benchmarks.dll --scenario soak --api <url>[,<url>...] --metrics <name>=<url>[,...] [options]

          --api <urls>              API nodes, requests go round robin (required)
          --metrics <name=url,...>  /metrics of each process to sample (required), e.g. silo1=http://127.0.0.1:5651/metrics
          --minutes <m>             whole run, warm-up included (default 13)
          --warmup-minutes <m>      first part not judged (default 3: the judged window is the other 10 minutes)
          --sample-seconds <s>      /metrics sampling period (default 10)
          --pids <name=pid,...>     process ids of the sampled processes: each gets a forced full GC (diagnostics port)
                                    at the end of the warm-up, every --full-gc-minutes after it and at the end
          --full-gc-minutes <m>     period of those forced full GCs (default 1; 0 = none)
          --rate <x>                scales every request rate (default 1)
          --subscribers <n>         WebSocket subscribers that connect, resume with since, disconnect, reconnect (default 4)
          --user <name> --password <p>   an admin (default bench / bench-password-1)
          --output <file>           the Markdown report (default: standard output only)
          --samples <file>          every sample as CSV (process, seconds, metric, value)
        """;

    public IReadOnlyList<Uri> Apis { get; init; } = [];
    public IReadOnlyList<SoakProcess> Processes { get; init; } = [];
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(13);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromMinutes(3);
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>One a minute: the live heap's slope is fitted to these points only, and a 9-minute window then has 10 of them.</summary>
    public TimeSpan FullGcEvery { get; init; } = TimeSpan.FromMinutes(1);
    public double Rate { get; init; } = 1;
    public int Subscribers { get; init; } = 4;
    public string User { get; init; } = "bench";
    public string Password { get; init; } = "bench-password-1";
    public string? Output { get; init; }
    public string? Samples { get; init; }

    /// <summary>Client timeout of every HTTP request: above the cluster's 10 s grain-call timeout, so a 503 is seen, not a hang.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--scenario")
            {
                i++;
                continue;
            }
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
            var value = args[++i];
            options = name switch
            {
                "--api" => options with { Apis = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToArray() },
                "--metrics" => options with { Processes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Process).ToArray() },
                "--minutes" => options with { Duration = TimeSpan.FromMinutes(Number(name, value)) },
                "--warmup-minutes" => options with { Warmup = TimeSpan.FromMinutes(Number(name, value)) },
                "--sample-seconds" => options with { SampleEvery = TimeSpan.FromSeconds(Number(name, value)) },
                "--pids" => options with { Processes = WithPids(options.Processes, value) },
                "--full-gc-minutes" => options with { FullGcEvery = TimeSpan.FromMinutes(Number(name, value)) },
                "--rate" => options with { Rate = Number(name, value) },
                "--subscribers" => options with { Subscribers = (int)Number(name, value) },
                "--user" => options with { User = value },
                "--password" => options with { Password = value },
                "--output" => options with { Output = value },
                "--samples" => options with { Samples = value },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }
        if (options.Apis.Count == 0) throw new ArgumentException("--api is required.");
        if (options.Processes.Count == 0) throw new ArgumentException("--metrics is required.");
        if (options.Rate <= 0) throw new ArgumentException("--rate must be positive.");
        if (options.SampleEvery <= TimeSpan.Zero) throw new ArgumentException("--sample-seconds must be positive.");
        if (options.Warmup >= options.Duration) throw new ArgumentException("--warmup-minutes must be shorter than --minutes.");
        return options;
    }

    private static SoakProcess[] WithPids(IReadOnlyList<SoakProcess> processes, string value)
    {
        var pids = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => p.Split('=')).ToDictionary(
            p => p[0], p => p.Length == 2 && int.TryParse(p[1], CultureInfo.InvariantCulture, out var pid) ? pid : throw new ArgumentException($"--pids wants name=pid, not '{string.Join('=', p)}'."),
            StringComparer.Ordinal);
        if (processes.Count == 0) throw new ArgumentException("--pids must come after --metrics.");
        return processes.Select(p => pids.TryGetValue(p.Name, out var pid) ? p with { Pid = pid } : p).ToArray();
    }

    private static SoakProcess Process(string pair)
    {
        var at = pair.IndexOf('=', StringComparison.Ordinal);
        if (at <= 0) throw new ArgumentException($"--metrics wants name=url, not '{pair}'.");
        return new SoakProcess(pair[..at], new Uri(pair[(at + 1)..]));
    }

    private static double Number(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 && double.IsFinite(n)
            ? n
            : throw new ArgumentException($"{name} must be a non-negative number, not '{value}'.");
}
