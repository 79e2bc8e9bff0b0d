using TradingPlatform.Common;

namespace TradingPlatform.Workspaces;

/// <summary>The workspace store of embedded mode (one process, not durable).</summary>
public sealed class InMemoryWorkspaceStore : IWorkspaceStore
{
    private readonly Lock _gate = new();
    private readonly List<Workspace> _workspaces = []; // oldest first

    public Task<WorkspaceWrite> Create(Workspace workspace, int maxPerOwner, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var owned = _workspaces.Where(w => w.Owner == workspace.Owner).ToList();
            if (owned.Any(w => SameName(w.Name, workspace.Name))) return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.DuplicateName));
            if (owned.Count >= maxPerOwner) return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.LimitReached));
            _workspaces.Add(workspace);
            return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.Ok, workspace));
        }
    }

    public Task<Workspace?> Get(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_workspaces.Find(w => w.Id == id));
    }

    public Task<Page<WorkspaceSummary>> List(string owner, PageRequest page, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var owned = _workspaces.Where(w => w.Owner == owner).Reverse().ToList();
            var items = owned.Skip((int)Math.Min(page.Skip, int.MaxValue)).Take(page.PerPage)
                .Select(w => new WorkspaceSummary(w.Id, w.Owner, w.Name, w.Version, w.SizeBytes, w.CreatedAtUtc, w.UpdatedAtUtc)).ToArray();
            return Task.FromResult(new Page<WorkspaceSummary>(items, page.Page, page.PerPage, owned.Count));
        }
    }

    public Task<WorkspaceWrite> Replace(string id, string name, string document, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var index = _workspaces.FindIndex(w => w.Id == id);
            if (index < 0) return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.NotFound));
            var current = _workspaces[index];
            if (expectedVersion is { } expected && expected != current.Version) return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.VersionMismatch));
            if (_workspaces.Any(w => w.Owner == current.Owner && w.Id != id && SameName(w.Name, name)))
                return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.DuplicateName));
            var next = current with { Name = name, Document = document, Version = current.Version + 1, UpdatedAtUtc = now };
            _workspaces[index] = next;
            return Task.FromResult(new WorkspaceWrite(WorkspaceWriteStatus.Ok, next));
        }
    }

    public Task<WorkspaceWriteStatus> Delete(string id, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var index = _workspaces.FindIndex(w => w.Id == id);
            if (index < 0) return Task.FromResult(WorkspaceWriteStatus.NotFound);
            if (expectedVersion is { } expected && expected != _workspaces[index].Version) return Task.FromResult(WorkspaceWriteStatus.VersionMismatch);
            _workspaces.RemoveAt(index);
            return Task.FromResult(WorkspaceWriteStatus.Ok);
        }
    }

    /// <summary>Names are unique per owner ignoring case (Postgres: a unique index on lower(name)).</summary>
    private static bool SameName(string a, string b) => string.Equals(a.ToLowerInvariant(), b.ToLowerInvariant(), StringComparison.Ordinal);
}
