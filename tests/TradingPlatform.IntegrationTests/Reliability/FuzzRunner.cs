using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// Sends cases one at a time (so a state change can only come from the requests of this pass, in order) and checks
/// what must hold for every answer. Breaches are collected, not thrown, so one run reports all of them.
/// </summary>
public sealed class FuzzRunner(HttpClient admin, HttpClient viewer, HttpClient anonymous, Func<ApiOperation, bool> mayAccept)
{
    public const string RequestIdHeader = "X-Request-Id";

    public FuzzTally Tally { get; } = new();

    public List<FuzzViolation> Violations { get; } = [];

    /// <summary>Sends the case, checks the answer, and returns its status (0 when the connection failed).</summary>
    public async Task<int> Run(FuzzCase fuzzCase)
    {
        var client = fuzzCase.Caller switch
        {
            FuzzCaller.Admin => admin,
            FuzzCaller.Viewer => viewer,
            _ => anonymous,
        };
        using var request = new HttpRequestMessage(new HttpMethod(fuzzCase.Method), new Uri(fuzzCase.Url, UriKind.Relative));
        if (fuzzCase.Authorization is { } authorization) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (fuzzCase.ExpectContinue) request.Headers.ExpectContinue = true;
        if (fuzzCase.Body is { } body)
        {
            request.Content = fuzzCase.Chunked ? new StreamContent(new UnknownLengthStream(body)) : new ByteArrayContent(body);
            if (fuzzCase.ContentType is { } contentType) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        int status;
        string text;
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
            status = (int)response.StatusCode;
            text = await response.Content.ReadAsStringAsync();
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            Tally.Record(fuzzCase, 0);
            Violations.Add(new FuzzViolation(FuzzViolation.Transport, $"{fuzzCase}: the connection failed ({e.GetType().Name}: {e.Message})"));
            return 0;
        }
        using (response)
        {
            Tally.Record(fuzzCase, status);
            foreach (var (kind, problem) in Check(fuzzCase, response, status, text))
                Violations.Add(new FuzzViolation(kind, $"{fuzzCase}: {problem}; got {status}: {FuzzCase.Shorten(text, 300)}"));
        }
        return status;
    }

    private IEnumerable<(string Kind, string Problem)> Check(FuzzCase fuzzCase, HttpResponseMessage response, int status, string text)
    {
        if (fuzzCase.ProtocolLevel)
        {
            if (status != fuzzCase.Expected) yield return (FuzzViolation.Status, $"Kestrel should refuse this with {fuzzCase.Expected}");
            yield break;
        }
        if (status >= 500) yield return (FuzzViolation.ServerError, "5xx");
        if (fuzzCase.Expected is { } expected && status != expected) yield return (FuzzViolation.Status, $"expected {expected}");
        if (fuzzCase.MustNot is { } mustNot && status == mustNot) yield return (FuzzViolation.Status, $"must not be {mustNot}");
        if (status is >= 200 and < 300 && !fuzzCase.Operation.IsRead && !mayAccept(fuzzCase.Operation))
            yield return (FuzzViolation.Accepted, "a mutating operation accepted a fuzz input");
        if (!response.Headers.Contains(RequestIdHeader)) yield return (FuzzViolation.RequestId, $"no {RequestIdHeader} header");
        if (status < 400) yield break;

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != "application/problem+json")
        {
            yield return (FuzzViolation.ProblemDetails, $"a {status} without application/problem+json (Content-Type: {mediaType ?? "none"})");
            yield break;
        }
        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            problem = null;
        }
        if (problem is not JsonObject)
        {
            yield return (FuzzViolation.ProblemDetails, "problem details that are not a JSON object");
            yield break;
        }
        if (problem["status"] is not JsonValue statusValue || !statusValue.TryGetValue<int>(out var problemStatus) || problemStatus != status)
            yield return (FuzzViolation.ProblemDetails, "problem details whose status is not the HTTP status");
        if (problem["title"] is not JsonValue titleValue || !titleValue.TryGetValue<string>(out var title) || string.IsNullOrWhiteSpace(title))
            yield return (FuzzViolation.ProblemDetails, "problem details without a title");
    }

    /// <summary>A body whose length the client cannot know, so it is sent chunked (no Content-Length).</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>A breach of what must hold for an answer, by kind (for the summary) with the case and the answer.</summary>
public sealed record FuzzViolation(string Kind, string Text)
{
    public const string ServerError = "5xx";
    public const string Status = "wrong status";
    public const string Accepted = "fuzz input accepted by a mutating operation";
    public const string RequestId = "no X-Request-Id";
    public const string ProblemDetails = "4xx without valid problem details";
    public const string Transport = "connection failed";
    public const string Session = "session not ended";

    public override string ToString() => $"[{Kind}] {Text}";
}

/// <summary>Counts of answers per operation, caller, category and status.</summary>
public sealed class FuzzTally
{
    public const string UndeclaredMethodsRow = "(undeclared methods, one per path)";

    public SortedDictionary<string, SortedDictionary<int, int>> ByOperation { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<int, int> ByStatus { get; } = [];

    public SortedDictionary<string, int> ByCaller { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, int> ByCategory { get; } = new(StringComparer.Ordinal);

    /// <summary>2xx answers to mutating operations, which <see cref="FuzzRunner"/> allowed for a stated reason.</summary>
    public SortedDictionary<string, int> AcceptedMutating { get; } = new(StringComparer.Ordinal);

    public int ProtocolLevel { get; private set; }

    public int Total { get; private set; }

    public int ServerErrors => ByStatus.Where(s => s.Key >= 500).Sum(s => s.Value);

    public void Record(FuzzCase fuzzCase, int status)
    {
        Total++;
        var row = fuzzCase.Category == "method" ? UndeclaredMethodsRow : fuzzCase.Operation.Key;
        var statuses = ByOperation.TryGetValue(row, out var s) ? s : ByOperation[row] = [];
        statuses[status] = statuses.GetValueOrDefault(status) + 1;
        ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1;
        ByCaller[fuzzCase.Caller.ToString()] = ByCaller.GetValueOrDefault(fuzzCase.Caller.ToString()) + 1;
        ByCategory[fuzzCase.Category] = ByCategory.GetValueOrDefault(fuzzCase.Category) + 1;
        if (fuzzCase.ProtocolLevel) ProtocolLevel++;
        if (status is >= 200 and < 300 && !fuzzCase.Operation.IsRead)
            AcceptedMutating[fuzzCase.Operation.Key] = AcceptedMutating.GetValueOrDefault(fuzzCase.Operation.Key) + 1;
    }
}
