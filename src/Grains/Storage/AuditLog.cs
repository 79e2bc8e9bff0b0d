using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;
using TradingPlatform.Risk;

namespace TradingPlatform.Storage;

/// <summary>The audit log in Postgres (table <c>audit_log</c>; before and after are jsonb).</summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource, TimeProvider? timeProvider = null) : IAuditLog
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public async Task<AuditRecord> Append(string actor, string action, string target, string? beforeJson, string? afterJson, CancellationToken cancellationToken = default)
    {
        AuditLogRules.Validate(actor, action, target, beforeJson, afterJson);
        var at = JournalCodes.StoredTime(_time.GetUtcNow());
        await using var command = dataSource.CreateCommand("""
            INSERT INTO audit_log (actor, action, target, before, after, at)
            VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING id, before::text, after::text
            """);
        command.Parameters.Add(Text(actor));
        command.Parameters.Add(Text(action));
        command.Parameters.Add(Text(target));
        command.Parameters.Add(Json(beforeJson));
        command.Parameters.Add(Json(afterJson));
        command.Parameters.Add(new NpgsqlParameter { Value = at.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new AuditRecord(reader.GetInt64(0), actor, action, target,
            reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), at);
    }

    public async Task<Page<AuditRecord>> Query(AuditQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        AuditLogRules.Validate(page);
        var filter = new SqlFilter();
        filter.Equal("actor", query.Actor);
        filter.Equal("action", query.Action);
        return await SqlPages.Read(dataSource, "audit_log", "id, actor, action, target, before::text, after::text, at", "id", filter, page,
            reader => new AuditRecord(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6)),
            cancellationToken);
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Json(string? json) =>
        new() { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };
}

/// <summary>
/// The audit log of the embedded mode (lost with the process). Keeps the JSON text as given, where
/// Postgres' jsonb returns it normalized (same document, possibly other spacing and key order).
/// </summary>
public sealed class InMemoryAuditLog(TimeProvider? timeProvider = null) : IAuditLog
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private readonly List<AuditRecord> _records = [];

    public Task<AuditRecord> Append(string actor, string action, string target, string? beforeJson, string? afterJson, CancellationToken cancellationToken = default)
    {
        AuditLogRules.Validate(actor, action, target, beforeJson, afterJson);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<AuditRecord>(cancellationToken);
        lock (_lock)
        {
            var record = new AuditRecord(_records.Count + 1, actor, action, target, beforeJson, afterJson, JournalCodes.StoredTime(_time.GetUtcNow()));
            _records.Add(record);
            return Task.FromResult(record);
        }
    }

    public Task<Page<AuditRecord>> Query(AuditQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        AuditLogRules.Validate(page);
        lock (_lock)
        {
            var items = new List<AuditRecord>(Math.Min(page.PerPage, _records.Count));
            long total = 0;
            for (var i = _records.Count - 1; i >= 0; i--)
            {
                var record = _records[i];
                if ((query.Actor is not null && record.Actor != query.Actor) || (query.Action is not null && record.Action != query.Action)) continue;
                if (total >= page.Skip && items.Count < page.PerPage) items.Add(record);
                total++;
            }
            return Task.FromResult(new Page<AuditRecord>(items, page.Page, page.PerPage, total));
        }
    }
}

internal static class AuditLogRules
{
    /// <summary>Both implementations refuse what Postgres would: missing names and JSON that does not parse.</summary>
    public static void Validate(string actor, string action, string target, string? beforeJson, string? afterJson)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(target);
        ValidateJson(beforeJson, nameof(beforeJson));
        ValidateJson(afterJson, nameof(afterJson));
    }

    public static void Validate(PageRequest page)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page.Page, 1, nameof(page));
        ArgumentOutOfRangeException.ThrowIfLessThan(page.PerPage, 1, nameof(page));
    }

    private static void ValidateJson(string? json, string parameterName)
    {
        if (json is null) return;
        try
        {
            using var document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Not valid JSON: {e.Message}", parameterName, e);
        }
    }
}
