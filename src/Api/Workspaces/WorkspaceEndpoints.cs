using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Common;
using TradingPlatform.Workspaces;

namespace TradingPlatform.Api.Workspaces;

/// <summary>
/// <c>/v1/workspaces</c>: named JSON documents (dashboard layout, watched symbols), each owned by the user who made
/// it. Only the owner, or an admin, reads or changes one; anyone else gets 404, as for an id that does not exist.
/// Each answer with a workspace carries <c>ETag: "{version}"</c>; <c>PUT</c> and <c>DELETE</c> with <c>If-Match</c>
/// change nothing unless it is the stored version (else 412), so a second browser tab cannot overwrite silently.
/// </summary>
public static class WorkspaceEndpoints
{
    public static IServiceCollection AddWorkspaceApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WorkspaceOptions>().Bind(configuration.GetSection(WorkspaceOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        return services.AddWorkspaceStore(configuration);
    }

    public static RouteGroupBuilder MapWorkspaceEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/workspaces").WithTags("Workspaces");
        group.MapGet("/", List).WithName("ListWorkspaces").WithSummary("The caller's workspaces, newest first (without their documents)");
        group.MapPost("/", Create).WithName("CreateWorkspace")
            .WithSummary("Create a workspace {name, document}: 201 with Location and ETag; a duplicate name (ignoring case) or one over the per-user limit is 409, a document over the size limit 413")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{id}", Get).WithName("GetWorkspace").WithSummary("One workspace with its document and ETag (owner or admin; otherwise 404)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{id}", Replace).WithName("ReplaceWorkspace")
            .WithSummary("Replace a workspace's name and document (owner or admin); If-Match: \"{version}\" makes it conditional (412 on a mismatch)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapDelete("/{id}", Delete).WithName("DeleteWorkspace")
            .WithSummary("Delete a workspace (owner or admin): 204; If-Match makes it conditional (412 on a mismatch)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<Results<Ok<Page<WorkspaceSummaryView>>, ValidationProblem>> List(
        int? page, [FromQuery(Name = "per_page")] int? perPage, IWorkspaceStore store, ClaimsPrincipal user, HttpContext context)
    {
        if (!Paging.TryCreate(page, perPage, out var request, out var errors)) return TypedResults.ValidationProblem(errors);
        var listed = await store.List(Wire.Actor(user), request, context.RequestAborted);
        return TypedResults.Ok(new Page<WorkspaceSummaryView>(listed.Items.Select(WorkspaceSummaryView.From).ToArray(), listed.PageNumber, listed.PerPage, listed.Total));
    }

    private static async Task<Results<Created<WorkspaceView>, ValidationProblem, ProblemHttpResult>> Create(
        WorkspaceRequest body, IWorkspaceStore store, IOptions<WorkspaceOptions> options, TimeProvider clock, ClaimsPrincipal user, HttpContext context)
    {
        var limits = options.Value;
        var (name, document, invalid) = Validate(body, limits);
        if (invalid is not null) return invalid;
        if (document is null) return TooLarge(limits);

        var now = clock.GetUtcNow();
        var workspace = new Workspace("ws_" + Guid.NewGuid().ToString("N"), Wire.Actor(user), name!, document, 1, now, now);
        var written = await store.Create(workspace, limits.MaxPerUser, context.RequestAborted);
        return written.Status switch
        {
            WorkspaceWriteStatus.Ok => Created(written.Workspace!, context),
            WorkspaceWriteStatus.DuplicateName => DuplicateName(name!),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many workspaces",
                detail: $"A user may own at most {limits.MaxPerUser} workspaces; delete one first."),
        };
    }

    private static async Task<Results<Ok<WorkspaceView>, ProblemHttpResult>> Get(string id, IWorkspaceStore store, ClaimsPrincipal user, HttpContext context)
    {
        var workspace = await Visible(store, id, user, context.RequestAborted);
        if (workspace is null) return NotFound(id);
        return Ok(workspace, context);
    }

    private static async Task<Results<Ok<WorkspaceView>, ValidationProblem, ProblemHttpResult>> Replace(
        string id, WorkspaceRequest body, IWorkspaceStore store, IOptions<WorkspaceOptions> options, TimeProvider clock, ClaimsPrincipal user, HttpContext context)
    {
        var current = await Visible(store, id, user, context.RequestAborted);
        if (current is null) return NotFound(id);
        var limits = options.Value;
        var (name, document, invalid) = Validate(body, limits);
        if (invalid is not null) return invalid;
        if (document is null) return TooLarge(limits);
        if (!Precondition(context, current, out var expected)) return PreconditionFailed(current);

        var written = await store.Replace(id, name!, document, expected, clock.GetUtcNow(), context.RequestAborted);
        return written.Status switch
        {
            WorkspaceWriteStatus.Ok => Ok(written.Workspace!, context),
            WorkspaceWriteStatus.DuplicateName => DuplicateName(name!),
            WorkspaceWriteStatus.VersionMismatch => PreconditionFailed(null),
            _ => NotFound(id),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, IWorkspaceStore store, ClaimsPrincipal user, HttpContext context)
    {
        var current = await Visible(store, id, user, context.RequestAborted);
        if (current is null) return NotFound(id);
        if (!Precondition(context, current, out var expected)) return PreconditionFailed(current);
        return await store.Delete(id, expected, context.RequestAborted) switch
        {
            WorkspaceWriteStatus.Ok => TypedResults.NoContent(),
            WorkspaceWriteStatus.VersionMismatch => PreconditionFailed(null),
            _ => NotFound(id),
        };
    }

    /// <summary>The workspace if the caller may see it: its owner or an admin. Anyone else is told it does not exist.</summary>
    private static async Task<Workspace?> Visible(IWorkspaceStore store, string id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (id.Length > 100) return null;
        var workspace = await store.Get(id, cancellationToken);
        if (workspace is null) return null;
        return workspace.Owner == Wire.Actor(user) || user.IsInRole(Policies.Admin) ? workspace : null;
    }

    /// <summary>
    /// <c>If-Match</c>: absent, any version may be replaced (null); <c>*</c> or a list holding the current
    /// <c>"{version}"</c> pins that version (a concurrent change still fails); anything else fails.
    /// </summary>
    private static bool Precondition(HttpContext context, Workspace current, out long? expected)
    {
        expected = null;
        var header = context.Request.Headers.IfMatch;
        if (header.Count == 0) return true;
        if (!EntityTagHeaderValue.TryParseList(header, out var tags)) return false;
        var matches = tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || (!t.IsWeak && t.Tag.Value == ETag(current.Version)));
        if (matches) expected = current.Version;
        return matches;
    }

    private static (string? Name, string? Document, ValidationProblem? Invalid) Validate(WorkspaceRequest body, WorkspaceOptions limits)
    {
        var errors = new Dictionary<string, string[]>();
        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name)) Wire.Add(errors, "name", "Required.");
        else if (name.Length > limits.MaxNameLength) Wire.Add(errors, "name", $"At most {limits.MaxNameLength} characters.");
        else if (name.Any(char.IsControl)) Wire.Add(errors, "name", "Must not contain control characters.");
        if (body.Document is not JsonObject document)
        {
            Wire.Add(errors, "document", body.Document is null ? "Required: a JSON object." : "Must be a JSON object.");
            return (null, null, TypedResults.ValidationProblem(errors));
        }
        if (errors.Count > 0) return (null, null, TypedResults.ValidationProblem(errors));
        var json = document.ToJsonString();
        return Encoding.UTF8.GetByteCount(json) > limits.MaxDocumentBytes ? (name, null, null) : (name, json, null);
    }

    private static Ok<WorkspaceView> Ok(Workspace workspace, HttpContext context)
    {
        context.Response.Headers.ETag = ETag(workspace.Version);
        return TypedResults.Ok(WorkspaceView.From(workspace));
    }

    private static Created<WorkspaceView> Created(Workspace workspace, HttpContext context)
    {
        context.Response.Headers.ETag = ETag(workspace.Version);
        return TypedResults.Created($"/v1/workspaces/{workspace.Id}", WorkspaceView.From(workspace));
    }

    private static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Workspace not found", detail: $"No workspace of yours has id '{Wire.Shorten(id)}'.");

    private static ProblemHttpResult DuplicateName(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Duplicate workspace name", detail: $"You already have a workspace named '{Wire.Shorten(name)}'.");

    private static ProblemHttpResult TooLarge(WorkspaceOptions limits) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Workspace document too large",
            detail: $"The document may be at most {limits.MaxDocumentBytes} bytes of compact JSON (UTF-8).");

    private static ProblemHttpResult PreconditionFailed(Workspace? current) =>
        TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Workspace changed",
            detail: current is null
                ? "The workspace changed while this request ran; read it again and reapply your change."
                : $"If-Match does not name the current version ({ETag(current.Version)}); read it again and reapply your change.");
}

/// <summary><c>POST</c>/<c>PUT</c> body: a name and a JSON object.</summary>
public sealed record WorkspaceRequest(string? Name, JsonNode? Document);

public sealed record WorkspaceView(string Id, string Name, string Owner, long Version, int SizeBytes, JsonNode Document, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WorkspaceView From(Workspace w) =>
        new(w.Id, w.Name, w.Owner, w.Version, w.SizeBytes, JsonNode.Parse(w.Document)!, w.CreatedAtUtc, w.UpdatedAtUtc);
}

public sealed record WorkspaceSummaryView(string Id, string Name, string Owner, long Version, int SizeBytes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WorkspaceSummaryView From(WorkspaceSummary w) => new(w.Id, w.Name, w.Owner, w.Version, w.SizeBytes, w.CreatedAtUtc, w.UpdatedAtUtc);
}
