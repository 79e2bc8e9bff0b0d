using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Risk.Delivery;

/// <summary>Alert deliveries in Postgres (migration 0009): see <see cref="IAlertDeliveryStore"/> for the claim protocol.</summary>
public sealed class PostgresAlertDeliveryStore(NpgsqlDataSource dataSource) : IAlertDeliveryStore
{
    private const string Columns =
        "delivery_id, alert_id, notifier, event, status, attempts, created_at, last_attempt_at, next_attempt_at, delivered_at, last_status_code, last_error";

    public async Task<int> Enqueue(IReadOnlyList<NewAlertDelivery> deliveries, int maxPending, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var d in deliveries)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO alert_deliveries (delivery_id, alert_id, notifier, event, payload, status, created_at, next_attempt_at)
                VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)
                ON CONFLICT DO NOTHING
                """)
            {
                Parameters = { Text(d.Id), Text(d.AlertId), Text(d.Notifier), Text(d.Event), Text(d.Payload), Time(d.CreatedAtUtc) },
            });
        }
        // The bound: the oldest pending beyond maxPending are dropped (never sent). Cheap: the partial index holds only pending rows.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("""
            UPDATE alert_deliveries SET status = 'dropped', next_attempt_at = NULL, last_error = 'Dropped: the delivery queue was full'
            WHERE delivery_id IN (
                SELECT delivery_id FROM alert_deliveries WHERE status = 'pending'
                ORDER BY delivery_seq DESC OFFSET $1 FOR UPDATE SKIP LOCKED)
            """)
        {
            Parameters = { new NpgsqlParameter { Value = maxPending, NpgsqlDbType = NpgsqlDbType.Integer } },
        });
        await batch.ExecuteNonQueryAsync(cancellationToken);
        var dropped = batch.BatchCommands[^1].RecordsAffected;
        await transaction.CommitAsync(cancellationToken);
        return dropped;
    }

    public async Task<IReadOnlyList<ClaimedAlertDelivery>> Claim(DateTimeOffset now, TimeSpan lease, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE alert_deliveries d SET attempts = d.attempts + 1, last_attempt_at = $1, next_attempt_at = $2
            FROM (SELECT delivery_id FROM alert_deliveries
                  WHERE status = 'pending' AND next_attempt_at <= $1
                  ORDER BY next_attempt_at, delivery_seq LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE d.delivery_id = due.delivery_id
            RETURNING d.delivery_id, d.alert_id, d.notifier, d.event, d.payload, d.attempts, d.created_at
            """);
        command.Parameters.Add(Time(now));
        command.Parameters.Add(Time(now + lease));
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var claimed = new List<ClaimedAlertDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new ClaimedAlertDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt32(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return claimed;
    }

    public async Task<bool> Complete(string id, int attempt, AlertDeliveryStatus status, int? statusCode, string? error,
        DateTimeOffset at, DateTimeOffset? nextAttemptAtUtc, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE alert_deliveries
            SET status = $3, last_status_code = $4, last_error = $5, next_attempt_at = $6,
                delivered_at = CASE WHEN $3 = 'delivered' THEN $7 ELSE delivered_at END
            WHERE delivery_id = $1 AND attempts = $2 AND status = 'pending'
            """);
        command.Parameters.Add(Text(id));
        command.Parameters.Add(new NpgsqlParameter { Value = attempt, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(Text(AlertDeliveryStatuses.Of(status)));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)statusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = status == AlertDeliveryStatus.Pending && nextAttemptAtUtc is { } next ? next.UtcDateTime : DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
        });
        command.Parameters.Add(Time(at));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task Release(string id, int attempt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE alert_deliveries SET attempts = attempts - 1, next_attempt_at = $3
            WHERE delivery_id = $1 AND attempts = $2 AND status = 'pending'
            """);
        command.Parameters.Add(Text(id));
        command.Parameters.Add(new NpgsqlParameter { Value = attempt, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(Time(now));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<Page<AlertDelivery>> List(AlertDeliveryQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        var filter = new SqlFilter();
        filter.Equal("status", query.Status is { } status ? AlertDeliveryStatuses.Of(status) : null);
        filter.Equal("alert_id", query.AlertId);
        return SqlPages.Read(dataSource, "alert_deliveries", Columns, "delivery_seq", filter, page, Read, cancellationToken);
    }

    public async Task<long> CountPending(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM alert_deliveries WHERE status = 'pending'");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<AlertDeliveryRetryOutcome> Retry(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // One statement: lock the row, update it only if failed, and return it as it was (and as it is, when retried).
        await using var command = dataSource.CreateCommand($"""
            WITH old AS (SELECT {Columns} FROM alert_deliveries WHERE delivery_id = $1 FOR UPDATE),
            retried AS (
                UPDATE alert_deliveries d SET status = 'pending', attempts = 0, next_attempt_at = $2
                FROM old WHERE d.delivery_id = old.delivery_id AND old.status = 'failed'
                RETURNING {Qualified("d")})
            SELECT {Columns}, false FROM old
            UNION ALL
            SELECT {Columns}, true FROM retried
            """);
        command.Parameters.Add(Text(id));
        command.Parameters.Add(Time(now));
        AlertDelivery? before = null, after = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetBoolean(12)) after = Read(reader);
                else before = Read(reader);
            }
        }
        var kind = before is null ? AlertDeliveryRetryOutcomeKind.NotFound
            : after is null ? AlertDeliveryRetryOutcomeKind.NotFailed
            : AlertDeliveryRetryOutcomeKind.Retried;
        return new AlertDeliveryRetryOutcome(kind, before, after);
    }

    public async Task<int> Prune(DateTimeOffset finishedBefore, int limit, CancellationToken cancellationToken = default)
    {
        // Oldest first, a bounded batch; SKIP LOCKED: a row an admin is resending right now is left for the next pass
        // (and the status is checked again on the locked row, so a resent, now pending, row is never deleted).
        await using var command = dataSource.CreateCommand("""
            DELETE FROM alert_deliveries WHERE delivery_id IN (
                SELECT delivery_id FROM alert_deliveries
                WHERE status IN ('delivered', 'failed', 'dropped') AND COALESCE(delivered_at, last_attempt_at, created_at) < $1
                ORDER BY delivery_seq LIMIT $2 FOR UPDATE SKIP LOCKED)
            """);
        command.Parameters.Add(Time(finishedBefore));
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Qualified(string alias) => string.Join(", ", Columns.Split(", ").Select(c => alias + "." + c));

    private static AlertDelivery Read(NpgsqlDataReader r)
    {
        if (!AlertDeliveryStatuses.TryParse(r.GetString(4), out var status))
            throw new InvalidOperationException($"Unknown alert delivery status '{r.GetString(4)}'.");
        return new AlertDelivery(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), status, r.GetInt32(5),
            r.GetFieldValue<DateTimeOffset>(6), Nullable(r, 7), Nullable(r, 8), Nullable(r, 9),
            r.IsDBNull(10) ? null : r.GetInt32(10), r.IsDBNull(11) ? null : r.GetString(11));
    }

    private static DateTimeOffset? Nullable(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetFieldValue<DateTimeOffset>(ordinal);

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTimeOffset value) => new() { Value = value.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
