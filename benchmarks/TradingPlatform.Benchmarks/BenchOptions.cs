using System.Globalization;

namespace TradingPlatform.Benchmarks;

/// <summary>Command line of the trading-core benchmark (see <see cref="Usage"/>).</summary>
public sealed record BenchOptions
{
    public const string PostgresEnvironmentVariable = "TRADING_BENCH_POSTGRES";
    public const string DefaultPostgres = "Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres";

    public const string Usage = """
        Trading-core benchmark: a real silo in this process, grain calls from its in-process client.

          dotnet run -c Release --project benchmarks/TradingPlatform.Benchmarks -- [options]

          --mode embedded|postgres|both      default both
          --scenario orders|killswitch|all   default all
          --duration <s>                     timed phase of each orders run (default 10)
          --warmup <s>                       warm-up before each timed phase (default 5)
          --concurrency <n[,n...]>           concurrent PlaceOrder callers, one orders run each (default 64,256)
          --strategies <n>                   strategies of the orders scenario, one symbol each (default 200)
          --ks-strategies <n>                live strategies of the kill-switch scenario (default 1000)
          --engages <n>                      timed kill-switch engages (default 50)
          --components <s>                   timed phase of each component probe; 0 skips them (default 3)
          --postgres <connection string>     server to create the benchmark databases on
                                             (default: $TRADING_BENCH_POSTGRES, else 127.0.0.1:55432)
          --keep-databases                   do not drop the bench_* databases afterwards
          --output <file>                    also write the Markdown report there
        """;

    public IReadOnlyList<string> Modes { get; init; } = ["embedded", "postgres"];
    public bool Orders { get; init; } = true;
    public bool KillSwitch { get; init; } = true;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);
    public IReadOnlyList<int> Concurrency { get; init; } = [64, 256];
    public int Strategies { get; init; } = 200;
    public int KillSwitchStrategies { get; init; } = 1000;
    public int Engages { get; init; } = 50;
    public TimeSpan Components { get; init; } = TimeSpan.FromSeconds(3);
    public string Postgres { get; init; } = DefaultPostgres;
    public bool KeepDatabases { get; init; }
    public string? Output { get; init; }

    /// <summary>The options, or null (after printing why) when the command line is wrong or asks for help.</summary>
    public static BenchOptions? Parse(string[] args)
    {
        var env = Environment.GetEnvironmentVariable(PostgresEnvironmentVariable);
        var options = new BenchOptions { Postgres = string.IsNullOrWhiteSpace(env) ? DefaultPostgres : env };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                Console.Error.WriteLine(Usage);
                return null;
            }
            if (name == "--keep-databases")
            {
                options = options with { KeepDatabases = true };
                continue;
            }
            if (i + 1 >= args.Length)
            {
                Console.Error.WriteLine($"{name} needs a value.\n\n{Usage}");
                return null;
            }
            var value = args[++i];
            switch (name)
            {
                case "--mode":
                    options = value switch
                    {
                        "embedded" => options with { Modes = ["embedded"] },
                        "postgres" => options with { Modes = ["postgres"] },
                        "both" => options with { Modes = ["embedded", "postgres"] },
                        _ => throw new ArgumentException($"--mode must be embedded, postgres or both, not '{value}'."),
                    };
                    break;
                case "--scenario":
                    options = value switch
                    {
                        "orders" => options with { Orders = true, KillSwitch = false },
                        "killswitch" => options with { Orders = false, KillSwitch = true },
                        "all" => options with { Orders = true, KillSwitch = true },
                        _ => throw new ArgumentException($"--scenario must be orders, killswitch or all, not '{value}'."),
                    };
                    break;
                case "--duration": options = options with { Duration = Seconds(name, value) }; break;
                case "--warmup": options = options with { Warmup = Seconds(name, value) }; break;
                case "--components": options = options with { Components = Seconds(name, value) }; break;
                case "--concurrency":
                    options = options with { Concurrency = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => Positive(name, v)).ToArray() };
                    break;
                case "--strategies": options = options with { Strategies = Positive(name, value) }; break;
                case "--ks-strategies": options = options with { KillSwitchStrategies = Positive(name, value) }; break;
                case "--engages": options = options with { Engages = Positive(name, value) }; break;
                case "--postgres": options = options with { Postgres = value }; break;
                case "--output": options = options with { Output = value }; break;
                default:
                    Console.Error.WriteLine($"Unknown option {name}.\n\n{Usage}");
                    return null;
            }
        }
        if (options.Concurrency.Count == 0) throw new ArgumentException("--concurrency needs at least one value.");
        return options;
    }

    private static TimeSpan Seconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0
            ? TimeSpan.FromSeconds(s)
            : throw new ArgumentException($"{name} must be a number of seconds, not '{value}'.");

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} must be a positive integer, not '{value}'.");
}
