using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Workspaces;

/// <summary>Workspaces in Postgres (migration 0008).</summary>
public sealed class PostgresWorkspaceStore(NpgsqlDataSource dataSource) : IWorkspaceStore
{
    private const string Columns = "workspace_id, owner_id, name, document::text, version, created_at, updated_at";
    private const string SummaryColumns = "workspace_id, owner_id, name, version, size_bytes, created_at, updated_at";

    public async Task<WorkspaceWrite> Create(Workspace workspace, int maxPerOwner, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One create at a time per owner, so two concurrent creates cannot both pass the limit.
        await using (var guard = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('workspaces:' || $1, 0))", connection, transaction))
        {
            guard.Parameters.Add(Text(workspace.Owner));
            await guard.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var owned = new NpgsqlCommand("SELECT count(*), coalesce(bool_or(lower(name) = lower($2)), false) FROM workspaces WHERE owner_id = $1", connection, transaction))
        {
            owned.Parameters.Add(Text(workspace.Owner));
            owned.Parameters.Add(Text(workspace.Name));
            await using var reader = await owned.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.GetBoolean(1)) return new WorkspaceWrite(WorkspaceWriteStatus.DuplicateName);
            if (reader.GetInt64(0) >= maxPerOwner) return new WorkspaceWrite(WorkspaceWriteStatus.LimitReached);
        }
        await using var insert = new NpgsqlCommand("""
            INSERT INTO workspaces (workspace_id, owner_id, name, document, size_bytes, version, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT DO NOTHING
            """, connection, transaction)
        {
            Parameters =
            {
                Text(workspace.Id), Text(workspace.Owner), Text(workspace.Name), Json(workspace.Document), Int(workspace.SizeBytes),
                new NpgsqlParameter { Value = workspace.Version, NpgsqlDbType = NpgsqlDbType.Bigint }, Time(workspace.CreatedAtUtc), Time(workspace.UpdatedAtUtc),
            },
        };
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0) return new WorkspaceWrite(WorkspaceWriteStatus.DuplicateName);
        await transaction.CommitAsync(cancellationToken);
        return new WorkspaceWrite(WorkspaceWriteStatus.Ok, workspace);
    }

    public async Task<Workspace?> Get(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM workspaces WHERE workspace_id = $1");
        command.Parameters.Add(Text(id));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public Task<Page<WorkspaceSummary>> List(string owner, PageRequest page, CancellationToken cancellationToken = default)
    {
        var filter = new SqlFilter();
        filter.Equal("owner_id", owner);
        return SqlPages.Read(dataSource, "workspaces", SummaryColumns, "workspace_seq", filter, page, r => new WorkspaceSummary(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6)),
            cancellationToken);
    }

    public async Task<WorkspaceWrite> Replace(string id, string name, string document, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await LockedVersion(connection, transaction, id, cancellationToken);
        if (stored is null) return new WorkspaceWrite(WorkspaceWriteStatus.NotFound);
        if (expectedVersion is { } expected && expected != stored) return new WorkspaceWrite(WorkspaceWriteStatus.VersionMismatch);
        await using var update = new NpgsqlCommand($"""
            UPDATE workspaces SET name = $2, document = $3, size_bytes = $4, version = version + 1, updated_at = $5
            WHERE workspace_id = $1 RETURNING {Columns}
            """, connection, transaction)
        {
            Parameters = { Text(id), Text(name), Json(document), Int(System.Text.Encoding.UTF8.GetByteCount(document)), Time(now) },
        };
        try
        {
            Workspace updated;
            await using (var reader = await update.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                updated = Read(reader);
            }
            await transaction.CommitAsync(cancellationToken);
            return new WorkspaceWrite(WorkspaceWriteStatus.Ok, updated);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return new WorkspaceWrite(WorkspaceWriteStatus.DuplicateName); // the transaction rolls back on dispose
        }
    }

    public async Task<WorkspaceWriteStatus> Delete(string id, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await LockedVersion(connection, transaction, id, cancellationToken);
        if (stored is null) return WorkspaceWriteStatus.NotFound;
        if (expectedVersion is { } expected && expected != stored) return WorkspaceWriteStatus.VersionMismatch;
        await using var delete = new NpgsqlCommand("DELETE FROM workspaces WHERE workspace_id = $1", connection, transaction) { Parameters = { Text(id) } };
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return WorkspaceWriteStatus.Ok;
    }

    private static async Task<long?> LockedVersion(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("SELECT version FROM workspaces WHERE workspace_id = $1 FOR UPDATE", connection, transaction)
        {
            Parameters = { Text(id) },
        };
        return await select.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    private static Workspace Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
        r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6));

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Json(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Json };

    private static NpgsqlParameter Int(int value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Integer };

    private static NpgsqlParameter Time(DateTimeOffset value) => new() { Value = value.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
