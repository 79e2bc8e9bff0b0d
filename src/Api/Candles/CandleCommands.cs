using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TradingPlatform.Candles;

namespace TradingPlatform.Api.Candles;

/// <summary>
/// <c>dotnet run --project src/Api -- candles …</c>: tools that run instead of the web host (Program.cs hands over
/// before the host is built). <c>generate</c> writes deterministic synthetic bars (<see cref="SyntheticCandles"/>) to a
/// file, to standard output, or straight into a running API; <c>import</c> posts a CSV file to a running API's
/// <c>POST /v1/candles/import</c>, so it works against embedded and cluster mode alike.
/// </summary>
public static class CandleCommands
{
    public const string Usage = """
        Candle tools (run instead of the API):

          dotnet run --project src/Api -- candles generate [options]
              --symbol SYN          symbol of the bars (default SYN)
              --timeframe 1m        1m, 5m, 15m, 1h, 4h or 1d (default 1m)
              --bars 1000000        how many bars (default 1000000)
              --seed 42             equal seeds give equal bars (default 42)
              --start 2024-01-01    first bar time, UTC, aligned to the timeframe (default 2024-01-01)
              --price 100           first open (default 100)
              --drift 0.05          annual drift of the geometric Brownian motion (default 0.05)
              --volatility 0.2      annual volatility (default 0.2)
              --out syn.csv         write the CSV to this file (default: standard output)
              --import              post the bars to a running API instead (the options of import below)

          dotnet run --project src/Api -- candles import --file data.csv [options]
              --url http://localhost:5000   the API (default http://localhost:5000)
              --username admin              an admin user (default admin)
              --password …                  its password (default: $TP_ADMIN_PASSWORD)
              --token …                     or an access token instead of username and password
        """;

    /// <summary>Runs the command in <paramref name="args"/> (the words after <c>candles</c>); returns the exit code.</summary>
    public static async Task<int> Run(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        try
        {
            var options = Options.Parse(args.Skip(1));
            return args.FirstOrDefault() switch
            {
                "generate" => await Generate(options, output, errors, cancellationToken),
                "import" => await Import(options, output, errors, cancellationToken),
                "help" or "--help" or "-h" => Help(output),
                var other => Fail(errors, other is null ? "Missing command: generate or import." : $"Unknown command '{other}'."),
            };
        }
        catch (ArgumentException e)
        {
            return Fail(errors, e.Message);
        }
        catch (HttpRequestException e)
        {
            await errors.WriteLineAsync($"The API did not answer: {e.Message}");
            return 1;
        }
    }

    private static int Help(TextWriter output)
    {
        output.WriteLine(Usage);
        return 0;
    }

    private static int Fail(TextWriter errors, string message)
    {
        errors.WriteLine($"{message}\n\n{Usage}");
        return 2;
    }

    private static async Task<int> Generate(Options options, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var symbol = CandleRules.NormalizeSymbol(options.Get("symbol") ?? "SYN");
        if (!CandleRules.IsValidSymbol(symbol)) throw new ArgumentException($"--symbol must be {CandleRules.SymbolRule}.");
        var timeframeText = options.Get("timeframe") ?? "1m";
        if (!Timeframes.TryParse(timeframeText, out var parsed)) throw new ArgumentException($"--timeframe must be one of {Timeframes.AllWireNames}.");
        var timeframe = parsed.Value;
        var bars = options.Int("bars", 1_000_000);
        var seed = options.Long("seed", 42);
        var start = options.Time("start", new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var price = options.Decimal("price", 100m);
        var drift = options.Double("drift", 0.05);
        var volatility = options.Double("volatility", 0.2);
        IEnumerable<Candle> candles;
        try
        {
            candles = SyntheticCandles.Generate(seed, start, timeframe, bars, price, drift, volatility);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(e.Message.Split(" (Parameter")[0], e);
        }

        var what = $"{bars.ToString("N0", CultureInfo.InvariantCulture)} {symbol} {timeframe.WireName()} bars from {CandleRules.Time(start)} (seed {seed})";
        if (options.Flag("import"))
        {
            using var content = new GeneratedCsvContent(symbol, timeframe, candles);
            await errors.WriteLineAsync($"posting {what} to {options.Get("url") ?? DefaultUrl}");
            return await Post(options, content, output, errors, cancellationToken);
        }
        if (options.Get("out") is { } path)
        {
            var clock = Stopwatch.StartNew();
            await using (var file = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16))
                CandleCsvWriter.Write(file, symbol, timeframe, candles);
            await errors.WriteLineAsync($"wrote {what} to {path} in {clock.ElapsedMilliseconds} ms");
            return 0;
        }
        CandleCsvWriter.Write(output, symbol, timeframe, candles);
        await output.FlushAsync(cancellationToken);
        return 0;
    }

    private static async Task<int> Import(Options options, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var path = options.Get("file") ?? throw new ArgumentException("--file is required.");
        if (!File.Exists(path)) throw new ArgumentException($"No file '{path}'.");
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        using var content = new StreamContent(file, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        await errors.WriteLineAsync($"posting {path} ({file.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes) to {options.Get("url") ?? DefaultUrl}");
        return await Post(options, content, output, errors, cancellationToken);
    }

    private const string DefaultUrl = "http://localhost:5000";

    /// <summary>Logs in (unless given a token), posts the CSV, prints the API's answer; 0 when it was 200.</summary>
    private static async Task<int> Post(Options options, HttpContent content, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var url = new Uri(options.Get("url") ?? DefaultUrl);
        using var http = new HttpClient { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        var token = options.Get("token") ?? await Login(http, options, cancellationToken);
        if (token is null)
        {
            await errors.WriteLineAsync("Login failed: check --username and --password (or $TP_ADMIN_PASSWORD), or pass --token.");
            return 1;
        }
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var clock = Stopwatch.StartNew();
        // A file of known length asks first (Expect: 100-continue): an oversized one is refused before it is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/candles/import", UriKind.Relative)) { Content = content };
        request.Headers.ExpectContinue = content.Headers.ContentLength is not null;
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        await output.WriteLineAsync(Pretty(body));
        await errors.WriteLineAsync($"{(int)response.StatusCode} {response.StatusCode} in {clock.ElapsedMilliseconds} ms");
        return response.StatusCode == HttpStatusCode.OK ? 0 : 1;
    }

    private static async Task<string?> Login(HttpClient http, Options options, CancellationToken cancellationToken)
    {
        var password = options.Get("password") ?? Environment.GetEnvironmentVariable("TP_ADMIN_PASSWORD")
            ?? throw new ArgumentException("--password (or $TP_ADMIN_PASSWORD) or --token is required.");
        using var response = await http.PostAsJsonAsync(new Uri("/v1/auth/login", UriKind.Relative),
            new { username = options.Get("username") ?? "admin", password }, cancellationToken);
        if (!response.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.TryGetProperty("accessToken", out var token) ? token.GetString() : null;
    }

    private static string Pretty(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return JsonSerializer.Serialize(json.RootElement, PrettyJson);
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static readonly JsonSerializerOptions PrettyJson = new() { WriteIndented = true };

    /// <summary>Generated bars written as CSV straight into the request body: nothing is buffered, whatever the count.</summary>
    private sealed class GeneratedCsvContent : HttpContent
    {
        private readonly string _symbol;
        private readonly Timeframe _timeframe;
        private readonly IEnumerable<Candle> _candles;

        public GeneratedCsvContent(string symbol, Timeframe timeframe, IEnumerable<Candle> candles)
        {
            _symbol = symbol;
            _timeframe = timeframe;
            _candles = candles;
            Headers.ContentType = new MediaTypeHeaderValue("text/csv") { CharSet = "utf-8" };
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true);
            CandleCsvWriter.WriteHeader(writer);
            var rows = 0;
            foreach (var candle in _candles)
            {
                CandleCsvWriter.WriteRow(writer, _symbol, _timeframe, candle);
                if (++rows % 4096 == 0) await writer.FlushAsync(); // hand full buffers to the socket asynchronously
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary><c>--name value</c> pairs and <c>--flag</c>s.</summary>
    private sealed class Options
    {
        private static readonly HashSet<string> Flags = ["import"];
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

        public static Options Parse(IEnumerable<string> args)
        {
            var options = new Options();
            using var e = args.GetEnumerator();
            while (e.MoveNext())
            {
                var arg = e.Current;
                if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2) throw new ArgumentException($"Unexpected argument '{arg}'.");
                var name = arg[2..];
                if (Flags.Contains(name))
                {
                    options._flags.Add(name);
                    continue;
                }
                if (!e.MoveNext()) throw new ArgumentException($"{arg} needs a value.");
                options._values[name] = e.Current;
            }
            return options;
        }

        public string? Get(string name) => _values.GetValueOrDefault(name);

        public bool Flag(string name) => _flags.Contains(name);

        public int Int(string name, int fallback) => Get(name) is not { } v ? fallback
            : int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
            : throw new ArgumentException($"--{name} must be a whole number ≥ 0, not '{v}'.");

        public long Long(string name, long fallback) => Get(name) is not { } v ? fallback
            : long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n
            : throw new ArgumentException($"--{name} must be a whole number, not '{v}'.");

        public decimal Decimal(string name, decimal fallback) => Get(name) is not { } v ? fallback
            : decimal.TryParse(v, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw new ArgumentException($"--{name} must be a number > 0, not '{v}'.");

        public double Double(string name, double fallback) => Get(name) is not { } v ? fallback
            : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && double.IsFinite(n) ? n
            : throw new ArgumentException($"--{name} must be a number, not '{v}'.");

        public DateTime Time(string name, DateTime fallback)
        {
            if (Get(name) is not { } v) return fallback;
            return CandleCsvParser.ParseTime(Encoding.ASCII.GetBytes(v)) is { } time ? time
                : throw new ArgumentException($"--{name} must be a date (2024-01-01) or an ISO 8601 time with Z, not '{v}'.");
        }
    }
}
