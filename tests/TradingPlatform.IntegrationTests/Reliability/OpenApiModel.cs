using System.Text.Json.Nodes;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// The operations of an OpenAPI 3.x document as the fuzzer needs them, read from the live document rather than listed
/// by hand, so an endpoint added tomorrow is fuzzed without anyone remembering to add it here.
/// </summary>
public sealed record ApiOperation(string Method, string Path, string? OperationId, string? RequiredRole, IReadOnlyList<ApiParameter> Parameters, ApiBody? Body)
{
    public string Key => $"{Method} {Path}";

    /// <summary>GET and HEAD: may answer 2xx to anything, must never change state.</summary>
    public bool IsRead => Method is "GET" or "HEAD";

    public IEnumerable<ApiParameter> PathParameters => Parameters.Where(p => p.In == "path");

    public IEnumerable<ApiParameter> QueryParameters => Parameters.Where(p => p.In == "query");

    public override string ToString() => Key;
}

public sealed record ApiParameter(string Name, string In, bool Required, ApiSchema Schema);

public sealed record ApiBody(IReadOnlyList<string> ContentTypes, ApiSchema Schema, bool Required)
{
    public bool IsJson => ContentTypes.Any(t => t.Contains("json", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A schema with <c>$ref</c>, <c>oneOf</c>/<c>anyOf</c>/<c>allOf</c> and 3.1 type arrays (<c>["null", "string"]</c>)
/// resolved against the document's components, so generators only see a plain type.
/// </summary>
public sealed class ApiSchema
{
    private const int MaxRefDepth = 16;
    private readonly JsonObject _components;

    private ApiSchema(JsonObject node, JsonObject components, bool nullable)
    {
        _components = components;
        Node = node;
        var types = node["type"] switch
        {
            JsonArray array => array.Select(t => (string?)t).OfType<string>().ToArray(),
            JsonValue value => [(string)value!],
            _ => [],
        };
        Nullable = nullable || types.Contains("null");
        Type = types.FirstOrDefault(t => t != "null")
            ?? (node["properties"] is not null ? "object" : node["items"] is not null ? "array" : null);
        Format = (string?)node["format"];
        Enum = node["enum"] is JsonArray values ? values.Select(v => v?.ToJsonString() ?? "null").ToArray() : [];
        Required = node["required"] is JsonArray required ? required.Select(r => (string)r!).ToHashSet(StringComparer.Ordinal) : [];
    }

    public JsonObject Node { get; }

    /// <summary>string, number, integer, boolean, array, object; null when the schema allows anything.</summary>
    public string? Type { get; }

    public bool Nullable { get; }

    public string? Format { get; }

    /// <summary>Allowed values as JSON text (<c>"buy"</c>), empty when not an enum.</summary>
    public IReadOnlyList<string> Enum { get; }

    public IReadOnlySet<string> Required { get; }

    public bool IsDateTime => Type == "string" && Format == "date-time";

    /// <summary>An object with named members (a record), as opposed to a dictionary (<c>"type": "object"</c> alone).</summary>
    public bool HasProperties => Node["properties"] is JsonObject { Count: > 0 };

    public IEnumerable<(string Name, ApiSchema Schema)> Properties =>
        Node["properties"] is JsonObject properties
            ? properties.Select(p => (p.Key, Resolve(p.Value, _components)))
            : [];

    public ApiSchema? Items => Node["items"] is { } items ? Resolve(items, _components) : null;

    public static ApiSchema Resolve(JsonNode? node, JsonObject components) => Resolve(node, components, nullable: false, depth: 0);

    private static ApiSchema Resolve(JsonNode? node, JsonObject components, bool nullable, int depth)
    {
        if (node is not JsonObject schema || depth > MaxRefDepth) return new ApiSchema(new JsonObject(), components, nullable);
        if ((string?)schema["$ref"] is { } reference)
        {
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            return Resolve(components["schemas"]?[name], components, nullable, depth + 1);
        }
        foreach (var combinator in (string[])["oneOf", "anyOf", "allOf"])
        {
            if (schema[combinator] is not JsonArray alternatives) continue;
            var allowsNull = alternatives.Any(a => (string?)a?["type"] == "null");
            var first = alternatives.FirstOrDefault(a => (string?)a?["type"] != "null");
            return Resolve(first, components, nullable || allowsNull, depth + 1);
        }
        return new ApiSchema(schema, components, nullable);
    }
}

public static class OpenApiDocumentReader
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

    /// <summary>Every operation of the document, in document order; path-level parameters are merged into each operation.</summary>
    public static IReadOnlyList<ApiOperation> Operations(JsonNode document)
    {
        var components = document["components"] as JsonObject ?? new JsonObject();
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            var shared = item?["parameters"] as JsonArray;
            foreach (var method in Methods)
            {
                if (item?[method] is not JsonObject operation) continue;
                var parameters = (shared ?? []).Concat(operation["parameters"] as JsonArray ?? [])
                    .OfType<JsonObject>()
                    .Select(p => ResolveRef(p, components))
                    .Select(p => new ApiParameter((string)p["name"]!, (string)p["in"]!, (bool?)p["required"] ?? false, ApiSchema.Resolve(p["schema"], components)))
                    .ToArray();
                ApiBody? body = null;
                if (operation["requestBody"] is JsonObject requestBody && ResolveRef(requestBody, components)["content"] is JsonObject content)
                {
                    var types = content.Select(c => c.Key).ToArray();
                    var preferred = content.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase));
                    var chosen = preferred.Value ?? content.First().Value;
                    body = new ApiBody(types, ApiSchema.Resolve(chosen?["schema"], components), (bool?)requestBody["required"] ?? false);
                }
                operations.Add(new ApiOperation(method.ToUpperInvariant(), path, (string?)operation["operationId"],
                    (string?)operation["x-required-role"], parameters, body));
            }
        }
        return operations;
    }

    private static JsonObject ResolveRef(JsonObject node, JsonObject components)
    {
        if ((string?)node["$ref"] is not { } reference) return node;
        var parts = reference.TrimStart('#', '/').Split('/');
        JsonNode? target = components.Parent;
        foreach (var part in parts) target = target?[part];
        return target as JsonObject ?? node;
    }
}
