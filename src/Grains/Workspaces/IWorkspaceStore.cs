using TradingPlatform.Common;

namespace TradingPlatform.Workspaces;

/// <summary>A user's named JSON document. <see cref="Document"/> is the JSON text of an object; <see cref="Version"/> is its ETag.</summary>
public sealed record Workspace(string Id, string Owner, string Name, string Document, long Version, DateTimeOffset CreatedAtUtc, DateTimeOffset UpdatedAtUtc)
{
    public int SizeBytes => System.Text.Encoding.UTF8.GetByteCount(Document);
}

/// <summary>A workspace in a list: everything but the document.</summary>
public sealed record WorkspaceSummary(string Id, string Owner, string Name, long Version, int SizeBytes, DateTimeOffset CreatedAtUtc, DateTimeOffset UpdatedAtUtc);

public enum WorkspaceWriteStatus
{
    Ok,
    NotFound,
    DuplicateName,
    LimitReached,
    VersionMismatch,
}

public sealed record WorkspaceWrite(WorkspaceWriteStatus Status, Workspace? Workspace = null);

/// <summary>
/// Workspaces (Postgres table <c>workspaces</c>, migration 0008; memory when embedded). Every write is one atomic
/// step: a create checks the per-user limit and the name under a per-owner lock, a replace or delete with an
/// expected version changes nothing unless the stored version is that one.
/// </summary>
public interface IWorkspaceStore
{
    Task<WorkspaceWrite> Create(Workspace workspace, int maxPerOwner, CancellationToken cancellationToken = default);

    Task<Workspace?> Get(string id, CancellationToken cancellationToken = default);

    /// <summary>The owner's workspaces, newest first.</summary>
    Task<Page<WorkspaceSummary>> List(string owner, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Replaces name and document and bumps the version; <paramref name="expectedVersion"/> null replaces whatever is stored.</summary>
    Task<WorkspaceWrite> Replace(string id, string name, string document, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<WorkspaceWriteStatus> Delete(string id, long? expectedVersion, CancellationToken cancellationToken = default);
}
