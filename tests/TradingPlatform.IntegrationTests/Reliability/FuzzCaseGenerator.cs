using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// Turns an <see cref="ApiOperation"/> into bad requests, from its schema alone. Each request starts from a seed built
/// from the schema (every member present, of the declared type) and breaks one thing: the JSON text, one member's type
/// or value, one path id, one query value, the size, the content type, the method or the credentials.
/// <para>
/// Seeds are deliberately not valid requests: strings are <see cref="FuzzValues.SeedString"/>, which no id, symbol,
/// username, role, kind, side or scope accepts, and path ids name nothing. So a request to a mutating operation is
/// rejected even when the one mutated member happens to be a valid value, and "accepted" is an explicit, reasoned
/// exception rather than noise. The exceptions get valid seeds on purpose (<c>bodyHints</c>), so their hostile numbers
/// and dates reach the grains instead of stopping at the first invalid member.
/// </para>
/// </summary>
/// <param name="readQueryHints">
/// Valid values for query parameters by name (<c>symbol=SPY</c>), set on reads beside the one parameter being fuzzed,
/// so a hostile <c>from</c> reaches the query instead of stopping at a missing <c>symbol</c>. Reads cannot change
/// state, so a valid read is harmless; mutating operations never get hints.
/// </param>
/// <param name="bodyHints">
/// Valid string values for body members by name, for the operations that may accept fuzz input (null for the others):
/// with them the seed is a valid request, so one hostile number or date reaches the grains behind the validation.
/// </param>
public sealed class FuzzCaseGenerator(
    Random random,
    long apiWideBodyLimit,
    Func<ApiOperation, long> bodyLimit,
    IReadOnlyDictionary<string, string[]> readQueryHints,
    Func<ApiOperation, IReadOnlyDictionary<string, string>?> bodyHints)
{
    /// <summary>A path id that is well formed for every resource yet names nothing.</summary>
    public const string SeedId = "fuzz-missing-0001";

    /// <summary>Kestrel's default request line limit is 8 KB: ids up to this length reach the application.</summary>
    public const int LongIdLength = 4000;

    /// <summary>Past Kestrel's request line limit: 414 from the server itself.</summary>
    public const int TooLongForKestrel = 9000;

    private const string Placeholder = "__fuzz_raw_value__";
    private const int MaxFieldDepth = 4;

    private static readonly string[] NotJson =
    [
        "not json", "{'single': 'quotes'}", "<xml/>", "{\"a\":1,}", "{\"a\" 1}", "{{{{", "\u0000", "{\"a\":1}{\"b\":2}", "// comment\n{}", "[1,2", "\"unterminated",
    ];

    private static readonly string[] UnsupportedContentTypes = ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz"];

    private static readonly string[] HttpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    // ---------------------------------------------------------------- seeds

    /// <summary>A value of the schema's type with every member present; strings are the seed string.</summary>
    public static JsonNode? Seed(ApiSchema schema, int depth = 0)
    {
        if (depth > MaxFieldDepth) return null;
        if (schema.Enum.Count > 0) return JsonNode.Parse(schema.Enum[0]);
        switch (schema.Type)
        {
            case "string":
                return JsonValue.Create(schema.IsDateTime ? FuzzValues.SeedDateTime : schema.Format == "date" ? "2024-01-02" : FuzzValues.SeedString);
            case "number":
            case "integer":
                return JsonValue.Create(1);
            case "boolean":
                return JsonValue.Create(true);
            case "array":
                return new JsonArray(schema.Items is { } items ? Seed(items, depth + 1) : JsonValue.Create(FuzzValues.SeedString));
            case "object" when schema.HasProperties:
                var obj = new JsonObject();
                foreach (var (name, member) in schema.Properties) obj[name] = Seed(member, depth + 1);
                return obj;
            case "object":
                return new JsonObject { ["fuzz"] = 1 };
            default:
                return JsonValue.Create(FuzzValues.SeedString);
        }
    }

    public static string SeedJson(ApiOperation operation) => Seed(operation.Body!.Schema)?.ToJsonString() ?? "null";

    /// <summary>The seed with string members named in <paramref name="hints"/> set to the hinted value, at any depth.</summary>
    private static JsonNode WithHints(JsonNode seed, IReadOnlyDictionary<string, string>? hints)
    {
        if (hints is null) return seed;
        void Visit(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var name in obj.Select(p => p.Key).ToArray())
                    {
                        if (hints.TryGetValue(name, out var value) && obj[name] is JsonValue) obj[name] = value;
                        else Visit(obj[name]);
                    }
                    break;
                case JsonArray array:
                    foreach (var item in array) Visit(item);
                    break;
            }
        }
        Visit(seed);
        return seed;
    }

    /// <summary>The operation's URL with every path parameter set (to <see cref="SeedId"/> unless overridden, escaped) and the given query.</summary>
    public static string Url(ApiOperation operation, IReadOnlyDictionary<string, string>? pathValues = null, string? query = null, bool escape = true)
    {
        var path = operation.Path;
        foreach (var parameter in operation.PathParameters)
        {
            var value = pathValues is not null && pathValues.TryGetValue(parameter.Name, out var v) ? v : SeedId;
            path = path.Replace("{" + parameter.Name + "}", escape ? Uri.EscapeDataString(value) : value, StringComparison.Ordinal);
        }
        return string.IsNullOrEmpty(query) ? path : path + "?" + query;
    }

    /// <summary>The seed request: seed URL and, when the operation takes a body, the seed body in its declared content type.</summary>
    public static FuzzCase SeedCase(ApiOperation operation, FuzzCaller caller, string category, string input, int? expected = null)
    {
        var (body, contentType) = SeedBody(operation);
        return new FuzzCase(operation, caller, category, input, operation.Method, Url(operation), body, contentType, expected);
    }

    private static (byte[]? Body, string? ContentType) SeedBody(ApiOperation operation)
    {
        if (operation.Body is not { } body) return (null, null);
        return body.IsJson
            ? (Encoding.UTF8.GetBytes(SeedJson(operation)), JsonContentType(body))
            : (Encoding.UTF8.GetBytes(FuzzValues.SeedString), body.ContentTypes[0]);
    }

    private static string JsonContentType(ApiBody body) => body.ContentTypes.First(t => t.Contains("json", StringComparison.OrdinalIgnoreCase));

    // ---------------------------------------------------------------- admin pass

    /// <summary>Everything for one operation, sent by a caller allowed to call it (the admin), so rejections come from the handlers.</summary>
    public IEnumerable<FuzzCase> AdminCases(ApiOperation operation)
    {
        var cases = new List<FuzzCase>();
        if (operation.Body is { IsJson: true }) cases.AddRange(JsonBodyCases(operation));
        else if (operation.Body is not null) cases.AddRange(RawBodyCases(operation));
        cases.AddRange(PathCases(operation));
        cases.AddRange(QueryCases(operation));
        return cases;
    }

    private static FuzzCase Body(ApiOperation operation, string category, string input, string json, int? expected = null, string? contentType = null) =>
        Body(operation, category, input, Encoding.UTF8.GetBytes(json), expected, contentType);

    private static FuzzCase Body(ApiOperation operation, string category, string input, byte[] body, int? expected = null, string? contentType = null) =>
        new(operation, FuzzCaller.Admin, category, input, operation.Method, Url(operation), body, contentType ?? JsonContentType(operation.Body!), expected);

    private IEnumerable<FuzzCase> JsonBodyCases(ApiOperation operation)
    {
        var schema = operation.Body!.Schema;
        var seed = WithHints(Seed(schema)!, bodyHints(operation));
        var seedJson = seed.ToJsonString();
        var isArray = schema.Type == "array";
        var limit = bodyLimit(operation);

        // The JSON text itself.
        yield return Body(operation, "malformed-json", "empty body", "", 400);
        yield return Body(operation, "wrong-top-level", "null", "null", 400);
        foreach (var wrong in isArray ? ["{}", Seed(schema.Items!)?.ToJsonString() ?? "{}", "\"x\"", "42", "true"] : new[] { "[]", "[" + seedJson + "]", "\"x\"", "42", "true" })
            yield return Body(operation, "wrong-top-level", FuzzCase.Shorten(wrong, 40), wrong, 400);
        for (var i = 0; i < 2; i++)
        {
            var cut = random.Next(1, seedJson.Length - 1);
            yield return Body(operation, "malformed-json", $"truncated at {cut}/{seedJson.Length}", seedJson[..cut], 400);
        }
        foreach (var text in Sample(NotJson, 4)) yield return Body(operation, "malformed-json", FuzzCase.Shorten(text, 40), text, 400);
        yield return Body(operation, "malformed-json", "invalid UTF-8 in a string", [.. "{\"x\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8], 400);
        yield return Body(operation, "deep-nesting", "10,000 nested arrays",
            isArray ? FuzzValues.Nested(10_000) : "{\"fuzzDeep\":" + FuzzValues.Nested(10_000) + "}", 400);
        if (!isArray && seed is JsonObject seedObject)
        {
            var extra = (JsonObject)seedObject.DeepClone();
            extra["fuzzUnknownField"] = 1;
            yield return Body(operation, "unknown-field", "fuzzUnknownField at the top", extra.ToJsonString(), 400);
            if (seedObject.Count > 0)
            {
                var first = seedObject.First().Key;
                var duplicated = "{" + FuzzValues.Str(first) + ":" + FuzzValues.LongString.Json + "," + seedJson[1..];
                yield return Body(operation, "duplicate-key", $"'{first}' twice, first a 100 KB string", duplicated);
            }
        }
        yield return Body(operation, "bom", "UTF-8 BOM before the seed", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(seedJson)]);

        // Size: just under the limit is read (and refused for its content); over it is 413. Sent with "Expect: 100-continue":
        // Kestrel enforces this limit by refusing to read further and closing the connection, so a client that writes a
        // whole oversized body first may see a reset instead of the 413 (dotnet/aspnetcore#23840); with 100-continue it
        // is refused before the body is sent, and the assertion is on the API, not on that race.
        yield return Body(operation, "size", "whitespace up to just under the body limit", new string(' ', (int)(limit - 1024 - seedJson.Length)) + seedJson);
        yield return Body(operation, "oversized", $"{limit + 1024:N0} bytes (limit {limit:N0}) of whitespace and the seed", seedJson + new string(' ', (int)(limit + 1024 - seedJson.Length)), 413)
            with { ExpectContinue = true };
        var giant = isArray ? "[" + FuzzValues.Str(new string('A', (int)limit)) + "]" : "{\"fuzz\":" + FuzzValues.Str(new string('A', (int)limit)) + "}";
        yield return Body(operation, "oversized", "one string longer than the limit", giant, 413) with { ExpectContinue = true };

        // Content types: anything but JSON is 415.
        foreach (var type in UnsupportedContentTypes) yield return Body(operation, "content-type", type, seedJson, 415, type);
        yield return Body(operation, "content-type", "no Content-Type", seedJson, 415, contentType: "") with { ContentType = null };
        yield return Body(operation, "content-type", "application/json; charset=utf-16", seedJson, contentType: "application/json; charset=utf-16");
        yield return Body(operation, "content-type", "application/merge-patch+json", seedJson, contentType: "application/merge-patch+json");

        // One member at a time.
        foreach (var (path, member, required) in Fields(schema, [], 0))
        {
            var label = "body" + string.Concat(path.Select(p => p is int i ? $"[{i}]" : "." + p));
            foreach (var value in FuzzValues.WrongTypes(member.Type ?? ""))
                yield return Body(operation, "wrong-type", $"{label} = {value.Label}", With(seed, path, value.Json), 400);
            yield return Body(operation, "null", $"{label} = null", With(seed, path, "null"));
            if (required && path[^1] is string) yield return Body(operation, "missing-required", $"{label} missing", With(seed, path, null));
            if (member.HasProperties && Seed(member) is JsonObject memberSeed)
            {
                memberSeed["fuzzUnknownField"] = 1;
                yield return Body(operation, "unknown-field", $"{label}.fuzzUnknownField", With(seed, path, memberSeed.ToJsonString()), 400);
                yield return Body(operation, "empty-object", $"{label} = {{}}", With(seed, path, "{}"));
            }
            foreach (var value in Values(member, limit))
                yield return Body(operation, value.Category, $"{label} = {value.Value.Label}", With(seed, path, value.Value.Json));
        }
    }

    /// <summary>Hostile values for a member of this schema, with their category.</summary>
    private IEnumerable<(string Category, FuzzValue Value)> Values(ApiSchema member, long limit)
    {
        IEnumerable<(string, FuzzValue)> Tag(string category, IEnumerable<FuzzValue> values) => values.Select(v => (category, v));
        if (member.Enum.Count > 0)
        {
            var first = member.Enum[0].Trim('"');
            foreach (var text in new[] { "UNKNOWN_VALUE", first.ToUpperInvariant(), first + " ", "" })
                yield return ("enum", new FuzzValue($"enum '{text}'", FuzzValues.Str(text)));
        }
        var values = member.Type switch
        {
            "string" when member.IsDateTime => Tag("date-time", [.. FuzzValues.DateTimesAlways, .. Sample(FuzzValues.DateTimesSampled, 3)]),
            "string" => Tag("string", [.. FuzzValues.StringsAlways, .. Sample(FuzzValues.StringsSampled, 5)]),
            "number" => Tag("number", [.. FuzzValues.NumbersAlways, .. Sample(FuzzValues.NumbersSampled, 4)]),
            "integer" => Tag("number", [.. FuzzValues.IntegersAlways, .. Sample(FuzzValues.NumbersSampled, 3)]),
            "boolean" => Tag("boolean", Sample(FuzzValues.BooleansSampled, 2)),
            "array" => Tag("array", ArrayEdges(member, limit)),
            "object" when !member.HasProperties => Tag("dictionary", Sample(FuzzValues.DictionariesSampled, 4)),
            _ => [],
        };
        foreach (var value in values) yield return value;
    }

    private IEnumerable<FuzzValue> ArrayEdges(ApiSchema array, long limit)
    {
        yield return new FuzzValue("[]", "[]");
        yield return new FuzzValue("[null]", "[null]");
        yield return new FuzzValue("mixed item types", "[1,\"a\",{},[],null,true]");
        var item = (array.Items is { } items ? Seed(items) : null)?.ToJsonString() ?? "1";
        var count = (int)Math.Min(10_001, limit / 2 / (item.Length + 1));
        yield return new FuzzValue($"{count:N0} items", "[" + string.Join(',', Enumerable.Repeat(item, count)) + "]");
        if (random.Next(2) == 0) yield return new FuzzValue("200 nested arrays", FuzzValues.Nested(200));
    }

    /// <summary>Members to mutate: every property, array item and nested property, with whether the schema calls it required.</summary>
    private static IEnumerable<(List<object> Path, ApiSchema Schema, bool Required)> Fields(ApiSchema schema, List<object> path, int depth)
    {
        if (depth > MaxFieldDepth) yield break;
        if (schema.Type == "array" && schema.Items is { } items)
        {
            List<object> itemPath = [.. path, 0];
            if (path.Count > 0 || items.HasProperties) yield return (itemPath, items, true);
            foreach (var nested in Fields(items, itemPath, depth + 1)) yield return nested;
            yield break;
        }
        if (!schema.HasProperties) yield break;
        foreach (var (name, member) in schema.Properties)
        {
            List<object> memberPath = [.. path, name];
            yield return (memberPath, member, schema.Required.Contains(name));
            if (member.HasProperties || member.Type == "array")
                foreach (var nested in Fields(member, memberPath, depth + 1)) yield return nested;
        }
    }

    /// <summary>The seed as JSON text with the member at <paramref name="path"/> replaced by raw JSON, or removed when null.</summary>
    private static string With(JsonNode seed, IReadOnlyList<object> path, string? rawJson)
    {
        var copy = seed.DeepClone();
        var parent = copy;
        for (var i = 0; i < path.Count - 1; i++) parent = (path[i] is int index ? parent[index] : parent[(string)path[i]])!;
        switch (path[^1], parent)
        {
            case (string name, JsonObject obj) when rawJson is null:
                obj.Remove(name);
                break;
            case (int index, JsonArray array) when rawJson is null:
                array.RemoveAt(index);
                break;
            case (string name, JsonObject obj):
                obj[name] = Placeholder;
                break;
            case (int index, JsonArray array):
                array[index] = Placeholder;
                break;
        }
        var text = copy.ToJsonString();
        return rawJson is null ? text : text.Replace("\"" + Placeholder + "\"", rawJson, StringComparison.Ordinal);
    }

    /// <summary>A body the operation does not parse as JSON (the candle import's CSV): text, size and content type.</summary>
    private IEnumerable<FuzzCase> RawBodyCases(ApiOperation operation)
    {
        var declared = operation.Body!.ContentTypes[0];
        var limit = bodyLimit(operation);
        FuzzCase Raw(string category, string input, byte[] body, int? expected = null, string? contentType = null) =>
            new(operation, FuzzCaller.Admin, category, input, operation.Method, Url(operation), body, contentType ?? declared, expected);

        yield return Raw("string", "empty body", []);
        foreach (var (label, text) in Sample(FuzzValues.HostileTexts, 8)) yield return Raw("string", label, Encoding.UTF8.GetBytes(text));
        yield return Raw("string", "100 KB line", Encoding.UTF8.GetBytes(new string('A', FuzzValues.LongStringLength)));
        yield return Raw("malformed-json", "JSON instead of the declared type", Encoding.UTF8.GetBytes("{\"symbol\":\"SPY\"}"));
        yield return Raw("string", "invalid UTF-8", [0xC3, 0x28, 0xFF, 0xFE, (byte)'\n']);
        foreach (var type in (string[])["application/json", "text/plain", "multipart/form-data; boundary=fuzz"])
            yield return Raw("content-type", type, Encoding.UTF8.GetBytes(FuzzValues.SeedString), 415, type);
        yield return Raw("content-type", "no Content-Type", Encoding.UTF8.GetBytes(FuzzValues.SeedString), 415) with { ContentType = null };
        yield return Raw("content-type", $"{declared}; charset=utf-16", Encoding.UTF8.GetBytes(FuzzValues.SeedString), 415, declared + "; charset=utf-16");

        var lines = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(FuzzValues.SeedString + "\n", (int)(limit + 1024) / (FuzzValues.SeedString.Length + 1) + 1)));
        yield return Raw("oversized", $"{lines.Length:N0} bytes (its limit {limit:N0}) with Content-Length", lines, 413);
        yield return Raw("oversized", $"{lines.Length:N0} bytes (its limit {limit:N0}) chunked", lines, 413) with { Chunked = true };
        if (limit > apiWideBodyLimit)
        {
            var between = lines[..(int)(apiWideBodyLimit + 1024)];
            yield return Raw("size", $"{between.Length:N0} bytes: over the API-wide {apiWideBodyLimit:N0}, within its own {limit:N0}", between) with { MustNot = 413 };
        }
    }

    // ---------------------------------------------------------------- path and query

    private IEnumerable<FuzzCase> PathCases(ApiOperation operation)
    {
        var (body, contentType) = SeedBody(operation);
        FuzzCase Case(string category, string input, string url, int? expected = null, bool protocol = false) =>
            new(operation, FuzzCaller.Admin, category, input, operation.Method, url, body, contentType, expected, ProtocolLevel: protocol);

        foreach (var parameter in operation.PathParameters)
        {
            var name = parameter.Name;
            var always = new[] { "path traversal", "SQL tautology", "percent-encoded NUL", "unicode + RTL override" };
            var texts = FuzzValues.HostileTexts.Where(t => always.Contains(t.Label)).Concat(Sample(FuzzValues.HostileTexts.Where(t => !always.Contains(t.Label)).ToArray(), 10));
            foreach (var (label, text) in texts)
            {
                // Kestrel refuses a decoded NUL in the path itself (400, empty body), before the application runs.
                var nul = text.Contains('\0', StringComparison.Ordinal);
                yield return Case(nul ? "protocol" : "path-id", $"{name} = {label}", Url(operation, new Dictionary<string, string> { [name] = text }), nul ? 400 : null, nul);
            }
            yield return Case("path-id", $"{name} = {LongIdLength:N0} characters", Url(operation, new Dictionary<string, string> { [name] = new string('a', LongIdLength) }));
            yield return Case("path-id", $"{name} = 40-digit number", Url(operation, new Dictionary<string, string> { [name] = new string('9', 40) }));
            yield return Case("protocol", $"{name} with a raw %00", Url(operation, new Dictionary<string, string> { [name] = "a%00b" }, escape: false), 400, protocol: true);
            yield return Case("protocol", $"{name} = {TooLongForKestrel:N0} characters", Url(operation, new Dictionary<string, string> { [name] = new string('a', TooLongForKestrel) }), 414, protocol: true);
            // Unescaped "../" is resolved by the client before sending, so it lands on another route: only safe for reads.
            if (operation.IsRead)
                yield return Case("path-id", $"{name} = unescaped ../../etc/passwd", Url(operation, new Dictionary<string, string> { [name] = "../../etc/passwd" }, escape: false));
        }
    }

    private IEnumerable<FuzzCase> QueryCases(ApiOperation operation)
    {
        var (body, contentType) = SeedBody(operation);
        FuzzCase Case(string category, string input, string query, int? expected = null, bool protocol = false) =>
            new(operation, FuzzCaller.Admin, category, input, operation.Method, Url(operation, query: query), body, contentType, expected, ProtocolLevel: protocol);

        var parameters = operation.QueryParameters.ToArray();
        string Hinted(ApiParameter except)
        {
            if (!operation.IsRead) return "";
            var hinted = parameters.Where(p => p != except && readQueryHints.ContainsKey(p.Name))
                .Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(readQueryHints[p.Name][random.Next(readQueryHints[p.Name].Length)])}&");
            return string.Concat(hinted);
        }
        foreach (var parameter in parameters)
        {
            foreach (var (text, expected) in QueryValues(parameter))
                yield return Case("query", $"{parameter.Name} = {FuzzCase.Shorten(text, 40)}", $"{Hinted(parameter)}{Uri.EscapeDataString(parameter.Name)}={Uri.EscapeDataString(text)}", expected);
            yield return Case("query", $"{parameter.Name} twice", $"{Hinted(parameter)}{parameter.Name}=1&{parameter.Name}=2");
        }
        if (parameters.Length > 0)
        {
            for (var i = 0; i < 2; i++)
            {
                var all = string.Join('&', parameters.Select(p =>
                {
                    var values = QueryValues(p).ToArray();
                    return $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(values[random.Next(values.Length)].Text)}";
                }));
                yield return Case("query", "every parameter hostile at once", all);
            }
        }
        yield return Case("query", "unknown parameter", "fuzzUnknown=1");
        yield return Case("query", "raw %00 and a bad escape", "fuzz=%00&x=%ZZ&%=1");
        yield return Case("protocol", $"query of {TooLongForKestrel:N0} characters", "fuzz=" + new string('a', TooLongForKestrel), 414, protocol: true);
    }

    /// <summary>
    /// Query values by declared type. Exact expectations come from the document's contract: integers that do not parse are 400,
    /// and paging is <c>page</c> from 1, <c>per_page</c> from 1 to 500 (the document's description).
    /// </summary>
    private IEnumerable<(string Text, int? Expected)> QueryValues(ApiParameter parameter)
    {
        switch (parameter.Schema.Type)
        {
            case "integer":
            case "number":
                string[] always = ["0", "-1", "100000"];
                string[] sampled = ["99999999999", "1.5", "abc", "NaN", "1e3", " 1", "0x10", "+1", "", "79228162514264337593543950336", "2147483648"];
                foreach (var text in always.Concat(Sample(sampled, 5)))
                {
                    var parses = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n);
                    int? expected = text.Length == 0 ? null
                        : !parses ? 400
                        : parameter.Name == "page" && n < 1 ? 400
                        : parameter.Name == "per_page" && n is < 1 or > 500 ? 400
                        : null;
                    yield return (text, expected);
                }
                break;
            case "boolean":
                foreach (var text in (string[])["maybe", "yes", "1", "TRUE", ""]) yield return (text, text is "maybe" or "yes" or "1" ? 400 : null);
                break;
            default:
                string[] strings = ["garbage", "../../etc/passwd", "' OR 1=1 --", "%00", new string('q', LongIdLength)];
                foreach (var text in strings.Concat(Sample(FuzzValues.HostileTexts.Select(t => t.Text).ToArray(), 4))
                    .Concat(Sample(FuzzValues.DateTimesSampled.Select(d => d.Json.Trim('"')).ToArray(), 2)))
                    yield return (text, null);
                break;
        }
    }

    // ---------------------------------------------------------------- methods

    /// <summary>One request per path with a method the document does not declare for it (405, or 404 when another route takes the URL).</summary>
    public IEnumerable<FuzzCase> UndeclaredMethodCases(IReadOnlyList<ApiOperation> operations)
    {
        foreach (var group in operations.GroupBy(o => o.Path, StringComparer.Ordinal))
        {
            var declared = group.Select(o => o.Method).ToHashSet(StringComparer.Ordinal);
            var candidates = HttpMethods.Where(m => !declared.Contains(m)).ToArray();
            if (candidates.Length == 0) continue;
            var method = candidates[random.Next(candidates.Length)];
            var operation = group.First();
            var template = group.FirstOrDefault(o => o.Body is { IsJson: true });
            var body = method == "GET" ? null : Encoding.UTF8.GetBytes(template is null ? "{}" : SeedJson(template));
            yield return new FuzzCase(operation with { Method = method }, FuzzCaller.Admin, "method", $"undeclared {method}", method, Url(operation),
                body, body is null ? null : "application/json");
        }
    }

    // ---------------------------------------------------------------- other callers

    /// <summary>
    /// As a viewer: operations that need trader or admin answer 403 to anything (authorization comes before the body is
    /// read); the others get a sample of the admin cases, which must hold for a viewer just the same.
    /// </summary>
    public IEnumerable<FuzzCase> ViewerCases(ApiOperation operation, IReadOnlyList<FuzzCase> adminCases)
    {
        if (operation.RequiredRole is "trader" or "admin")
        {
            yield return SeedCase(operation, FuzzCaller.Viewer, "role", $"viewer below {operation.RequiredRole}", 403);
            if (operation.Body is { IsJson: true })
                yield return Body(operation, "role", $"viewer below {operation.RequiredRole}, malformed JSON", "{\"", 403) with { Caller = FuzzCaller.Viewer };
            foreach (var parameter in operation.PathParameters.Take(1))
                yield return new FuzzCase(operation, FuzzCaller.Viewer, "role", $"viewer below {operation.RequiredRole}, hostile {parameter.Name}", operation.Method,
                    Url(operation, new Dictionary<string, string> { [parameter.Name] = "' OR 1=1 --" }), SeedBody(operation).Body, SeedBody(operation).ContentType, 403);
            yield break;
        }
        foreach (var sample in Sample(adminCases.Where(c => !c.ProtocolLevel).ToArray(), 4)) yield return sample with { Caller = FuzzCaller.Viewer };
    }

    /// <summary>
    /// Without a valid token: operations with a role answer 401 to a missing, malformed, unsigned or tampered token;
    /// anonymous operations (login, refresh, health) get a sample of the admin cases.
    /// </summary>
    public IEnumerable<FuzzCase> AnonymousCases(ApiOperation operation, IReadOnlyList<FuzzCase> adminCases, string realAccessToken)
    {
        if (operation.RequiredRole is null)
        {
            foreach (var sample in Sample(adminCases.Where(c => !c.ProtocolLevel).ToArray(), 4)) yield return sample with { Caller = FuzzCaller.Anonymous };
            yield break;
        }
        var unsigned = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64Url("{\"sub\":\"root\",\"role\":\"admin\",\"exp\":4102444800}") + ".";
        var tampered = realAccessToken[..^2] + (realAccessToken[^2] == 'A' ? "B" : "A") + realAccessToken[^1];
        var credentials = new (string Label, string? Header)[]
        {
            ("no Authorization header", null),
            ("Bearer garbage", "Bearer fuzz.garbage.token"),
            ("unsigned token (alg none) claiming admin", "Bearer " + unsigned),
            ("admin token with a tampered signature", "Bearer " + tampered),
            ("Basic credentials", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("root:root-password-123"))),
        };
        foreach (var (label, header) in Sample(credentials, 3).Prepend(credentials[0]).Distinct())
            yield return SeedCase(operation, FuzzCaller.Anonymous, "auth", label, 401) with { Authorization = header };
    }

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // ---------------------------------------------------------------- sampling

    /// <summary>Up to <paramref name="count"/> distinct items, in the order the seeded random picks them.</summary>
    public T[] Sample<T>(IReadOnlyList<T> items, int count)
    {
        var indexes = Enumerable.Range(0, items.Count).ToArray();
        random.Shuffle(indexes);
        return indexes.Take(count).Select(i => items[i]).ToArray();
    }
}
