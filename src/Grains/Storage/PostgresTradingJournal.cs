using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;

namespace TradingPlatform.Storage;

/// <summary>
/// The journal in Postgres (tables of migration 0004), written by group commit: <see cref="Commit"/>
/// queues its unit; one loop writes everything queued (up to <see cref="GroupCommitOptions.MaxBatchSize"/>
/// units) in one transaction with set-based statements, then answers every caller.
/// </summary>
/// <remarks>
/// A batch is first written optimistically (no pre-check: two round trips); only when a unique constraint
/// refuses it is it written again the careful way. That transaction takes three round trips: one SELECT (one snapshot) finds which of the batch's
/// keys exist; the units that would break a rule (checked against the table and against earlier units of
/// the batch, in enqueue order) are set aside with their result; one batch of INSERTs writes the rest
/// (new orders, order states upserted by orderId, fills returning their journal sequence) and reads
/// back the stored rows the rejected units collided with; then COMMIT. When another writer (another
/// silo) inserted a colliding key in between, the transaction fails on a unique violation: it is rolled
/// back and each unit of the batch is written again in a transaction of its own, so one unit never
/// fails the others (the same happens when the database refuses one unit's data, SQLSTATE class 22 or 23).
/// Any other failure (connection lost, server down) fails the whole batch: nothing of it was written.
/// </remarks>
public sealed partial class PostgresTradingJournal : ITradingJournal, IAsyncDisposable
{
    /// <summary>Transactions a unit gets when it is written alone and keeps colliding with other writers.</summary>
    private const int MaxAttemptsAlone = 5;

    private const string OrderColumns =
        "order_id, strategy_id, symbol, side, quantity, type, limit_price, client_order_id, status, " +
        "reject_reason, reject_detail, filled_quantity, average_fill_price, created_at, updated_at";

    private const string FillColumns =
        "fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, position_seq, executed_at, source, journal_seq";

    private const string InsertOrdersSql = """
        INSERT INTO trading_orders (order_id, strategy_id, client_order_id, symbol, side, quantity, type, limit_price,
                                    status, reject_reason, reject_detail, filled_quantity, average_fill_price, created_at, updated_at)
        SELECT u.order_id, u.strategy_id, u.client_order_id, u.symbol, u.side, u.quantity, u.type, u.limit_price,
               u.status, u.reject_reason, u.reject_detail, u.filled_quantity, u.average_fill_price, u.created_at, u.updated_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[], $8::numeric[],
                    $9::text[], $10::text[], $11::text[], $12::numeric[], $13::numeric[], $14::timestamptz[], $15::timestamptz[])
             WITH ORDINALITY AS u(order_id, strategy_id, client_order_id, symbol, side, quantity, type, limit_price,
                                  status, reject_reason, reject_detail, filled_quantity, average_fill_price, created_at, updated_at, ord)
        ORDER BY u.ord
        """;

    private const string UpsertOrdersSql = InsertOrdersSql + """

        ON CONFLICT (order_id) DO UPDATE
        SET status = EXCLUDED.status,
            reject_reason = EXCLUDED.reject_reason,
            reject_detail = EXCLUDED.reject_detail,
            filled_quantity = EXCLUDED.filled_quantity,
            average_fill_price = EXCLUDED.average_fill_price,
            updated_at = EXCLUDED.updated_at
        """;

    private const string InsertFillsSql = """
        INSERT INTO trading_fills (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, position_seq, executed_at, source)
        SELECT u.fill_id, u.order_id, u.strategy_id, u.symbol, u.side, u.quantity, u.price, u.fee, u.position_seq, u.executed_at, u.source
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::numeric[], $8::numeric[],
                    $9::bigint[], $10::timestamptz[], $11::text[])
             WITH ORDINALITY AS u(fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, position_seq, executed_at, source, ord)
        ORDER BY u.ord
        RETURNING fill_id, journal_seq
        """;

    /// <summary>
    /// Which of the batch's keys exist, in ONE statement: one snapshot, so that a unit racing with another
    /// writer's commit cannot find that writer's position taken without also finding its fillId.
    /// </summary>
    private const string ExistingKeysSql = """
        SELECT 1, o.strategy_id, o.client_order_id, 0::bigint
        FROM unnest($1::text[], $2::text[]) AS k(strategy_id, client_order_id)
        JOIN trading_orders o ON o.strategy_id = k.strategy_id AND o.client_order_id = k.client_order_id
        UNION ALL
        SELECT 2, f.fill_id, '', 0::bigint
        FROM trading_fills f
        WHERE f.fill_id = ANY($3::text[])
        UNION ALL
        SELECT 3, f.strategy_id, f.symbol, f.position_seq
        FROM unnest($4::text[], $5::text[], $6::bigint[]) AS k(strategy_id, symbol, position_seq)
        JOIN trading_fills f ON f.strategy_id = k.strategy_id AND f.symbol = k.symbol AND f.position_seq = k.position_seq
        """;

    private const string StoredOrdersByKeySql = $"""
        SELECT {OrderColumns}
        FROM trading_orders
        WHERE (strategy_id, client_order_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        """;

    private const string StoredFillsByIdSql = $"SELECT {FillColumns} FROM trading_fills WHERE fill_id = ANY($1::text[])";

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PostgresTradingJournal> _logger;
    private readonly GroupCommitWriter<JournalUnit, JournalResult> _writer;

    public PostgresTradingJournal(NpgsqlDataSource dataSource, ILogger<PostgresTradingJournal> logger)
        : this(dataSource, logger, new GroupCommitOptions())
    {
    }

    public PostgresTradingJournal(NpgsqlDataSource dataSource, ILogger<PostgresTradingJournal> logger, GroupCommitOptions options,
        JournalMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(logger);
        _dataSource = dataSource;
        _logger = logger;
        _writer = new GroupCommitWriter<JournalUnit, JournalResult>(WriteBatch, options, logger, metrics ?? JournalMetrics.Default);
    }

    public Task<JournalResult> Commit(JournalUnit unit, CancellationToken cancellationToken = default)
    {
        JournalCodes.Validate(unit);
        return _writer.Enqueue(unit, cancellationToken);
    }

    /// <summary>Writes what is queued, then stops; later commits throw <see cref="ObjectDisposedException"/>.</summary>
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    // ---------------------------------------------------------------------------------------------
    // Writing
    // ---------------------------------------------------------------------------------------------

    private async Task WriteBatch(IReadOnlyList<GroupCommitEntry<JournalUnit, JournalResult>> entries)
    {
        var units = new JournalUnit[entries.Count];
        for (var i = 0; i < units.Length; i++) units[i] = entries[i].Request;
        JournalResult[] results;
        try
        {
            try
            {
                // Optimistic first: duplicates are rare, so skip the pre-check; the unique constraints refuse
                // the batch whole when a unit repeats something already journaled.
                results = await WriteInOneTransaction(units, CancellationToken.None, precheck: false);
            }
            catch (PostgresException e) when (IsCollision(e))
            {
                results = await WriteInOneTransaction(units, CancellationToken.None, precheck: true);
            }
        }
        catch (PostgresException e) when (IsCollision(e) || IsRefusedData(e))
        {
            LogBatchWrittenByUnit(_logger, entries.Count, e.SqlState, e.ConstraintName);
            foreach (var entry in entries) await WriteAlone(entry);
            return;
        }
        for (var i = 0; i < results.Length; i++) entries[i].Complete(results[i]);
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "The failure belongs to this unit's caller; the other units of the batch still get written.")]
    private async Task WriteAlone(GroupCommitEntry<JournalUnit, JournalResult> entry)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = await WriteInOneTransaction([entry.Request], CancellationToken.None);
                entry.Complete(results[0]);
                return;
            }
            catch (PostgresException e) when (IsCollision(e) && attempt < MaxAttemptsAlone)
            {
                LogUnitCollided(_logger, attempt, e.SqlState, e.ConstraintName);
            }
            catch (Exception e)
            {
                LogUnitFailed(_logger, e);
                entry.Fail(e);
                return;
            }
        }
    }

    /// <summary>Another writer got there between our checks and our inserts (or both waited on each other).</summary>
    private static bool IsCollision(PostgresException e) =>
        e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure;

    /// <summary>
    /// A data exception (class 22, e.g. a NUL character in text) or an integrity violation (class 23): some
    /// unit's data, not the database, is at fault, so the units are written one by one and only it fails.
    /// </summary>
    private static bool IsRefusedData(PostgresException e) =>
        e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task<JournalResult[]> WriteInOneTransaction(IReadOnlyList<JournalUnit> units, CancellationToken cancellationToken, bool precheck = true)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = precheck ? await FindExistingKeys(connection, transaction, units, cancellationToken) : new ExistingKeys();
        var plan = BatchPlan.Create(units, existing);
        var written = await Write(connection, transaction, plan, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return plan.Results(written);
    }

    private static async Task<ExistingKeys> FindExistingKeys(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<JournalUnit> units, CancellationToken cancellationToken)
    {
        var orderStrategies = new List<string>();
        var orderClientIds = new List<string>();
        var fillIds = new List<string>();
        var fillStrategies = new List<string>();
        var fillSymbols = new List<string>();
        var fillSequences = new List<long>();
        foreach (var unit in units)
        {
            if (unit.NewOrder is { } order)
            {
                orderStrategies.Add(order.StrategyId);
                orderClientIds.Add(order.ClientOrderId);
            }
            foreach (var fill in unit.Fills)
            {
                fillIds.Add(fill.FillId);
                fillStrategies.Add(fill.StrategyId);
                fillSymbols.Add(fill.Symbol);
                fillSequences.Add(fill.Sequence);
            }
        }

        var existing = new ExistingKeys();
        if (orderStrategies.Count == 0 && fillIds.Count == 0) return existing;

        await using var command = new NpgsqlCommand(ExistingKeysSql, connection, transaction);
        command.Parameters.Add(TextArray([.. orderStrategies]));
        command.Parameters.Add(TextArray([.. orderClientIds]));
        command.Parameters.Add(TextArray([.. fillIds]));
        command.Parameters.Add(TextArray([.. fillStrategies]));
        command.Parameters.Add(TextArray([.. fillSymbols]));
        command.Parameters.Add(BigintArray([.. fillSequences]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            switch (reader.GetInt32(0))
            {
                case 1: existing.OrderKeys.Add((reader.GetString(1), reader.GetString(2))); break;
                case 2: existing.FillIds.Add(reader.GetString(1)); break;
                default: existing.Positions.Add((reader.GetString(1), reader.GetString(2), reader.GetInt64(3))); break;
            }
        }
        return existing;
    }

    private static async Task<WrittenRows> Write(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchPlan plan, CancellationToken cancellationToken)
    {
        var written = new WrittenRows();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var readers = new List<Action<NpgsqlDataReader>>(3);
        if (plan.NewOrders.Count > 0)
            batch.BatchCommands.Add(Command(InsertOrdersSql, OrderArrays(plan.NewOrders)));
        if (plan.OrderUpdates.Count > 0)
            batch.BatchCommands.Add(Command(UpsertOrdersSql, OrderArrays(plan.OrderUpdates)));
        if (plan.Fills.Count > 0)
        {
            batch.BatchCommands.Add(Command(InsertFillsSql, FillArrays(plan.Fills)));
            readers.Add(r => written.JournalSequences.Add(r.GetString(0), r.GetInt64(1)));
        }
        if (plan.DuplicateOrderKeys.Count > 0)
        {
            var keys = plan.DuplicateOrderKeys.ToArray();
            batch.BatchCommands.Add(Command(StoredOrdersByKeySql,
                TextArray(keys.Select(k => k.StrategyId).ToArray()), TextArray(keys.Select(k => k.ClientOrderId).ToArray())));
            readers.Add(r =>
            {
                var order = ReadOrder(r);
                written.StoredOrders[(order.StrategyId, order.ClientOrderId)] = order;
            });
        }
        if (plan.DuplicateFillIds.Count > 0)
        {
            batch.BatchCommands.Add(Command(StoredFillsByIdSql, TextArray(plan.DuplicateFillIds.ToArray())));
            readers.Add(r =>
            {
                var fill = ReadFill(r);
                written.StoredFills[fill.FillId] = fill;
            });
        }
        if (batch.BatchCommands.Count == 0) return written;
        await ReadResultSets(batch, readers, cancellationToken);
        return written;
    }

    /// <summary>Runs the batch; <paramref name="readers"/> take the rows of its row-returning statements, in order.</summary>
    private static async Task ReadResultSets(NpgsqlBatch batch, List<Action<NpgsqlDataReader>> readers, CancellationToken cancellationToken)
    {
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var index = 0;
        do
        {
            if (reader.FieldCount == 0) continue;
            var read = readers[index++];
            while (await reader.ReadAsync(cancellationToken)) read(reader);
        }
        while (await reader.NextResultAsync(cancellationToken));
        if (index != readers.Count)
            throw new InvalidOperationException($"Expected {readers.Count} result set(s) from the journal batch, got {index}.");
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter[] OrderArrays(List<OrderSnapshot> orders)
    {
        var n = orders.Count;
        var orderId = new string[n];
        var strategyId = new string[n];
        var clientOrderId = new string[n];
        var symbol = new string[n];
        var side = new string[n];
        var quantity = new decimal[n];
        var type = new string[n];
        var limitPrice = new decimal?[n];
        var status = new string[n];
        var rejectReason = new string?[n];
        var rejectDetail = new string?[n];
        var filledQuantity = new decimal[n];
        var averageFillPrice = new decimal[n];
        var createdAt = new DateTime[n];
        var updatedAt = new DateTime[n];
        for (var i = 0; i < n; i++)
        {
            var o = orders[i];
            orderId[i] = o.OrderId;
            strategyId[i] = o.StrategyId;
            clientOrderId[i] = o.ClientOrderId;
            symbol[i] = o.Symbol;
            side[i] = JournalCodes.ToCode(o.Side);
            quantity[i] = o.Quantity;
            type[i] = JournalCodes.ToCode(o.Type);
            limitPrice[i] = o.LimitPrice;
            status[i] = JournalCodes.ToCode(o.Status);
            rejectReason[i] = o.RejectReason is { } reason ? JournalCodes.ToCode(reason) : null;
            rejectDetail[i] = o.RejectDetail;
            filledQuantity[i] = o.FilledQuantity;
            averageFillPrice[i] = o.AverageFillPrice;
            createdAt[i] = JournalCodes.StoredTime(o.CreatedAtUtc).UtcDateTime;
            updatedAt[i] = JournalCodes.StoredTime(o.UpdatedAtUtc).UtcDateTime;
        }
        return
        [
            TextArray(orderId), TextArray(strategyId), TextArray(clientOrderId), TextArray(symbol), TextArray(side),
            NumericArray(quantity), TextArray(type), NumericArray(limitPrice), TextArray(status), TextArray(rejectReason),
            TextArray(rejectDetail), NumericArray(filledQuantity), NumericArray(averageFillPrice),
            TimestampArray(createdAt), TimestampArray(updatedAt),
        ];
    }

    private static NpgsqlParameter[] FillArrays(List<Fill> fills)
    {
        var n = fills.Count;
        var fillId = new string[n];
        var orderId = new string?[n];
        var strategyId = new string[n];
        var symbol = new string[n];
        var side = new string[n];
        var quantity = new decimal[n];
        var price = new decimal[n];
        var fee = new decimal[n];
        var sequence = new long[n];
        var executedAt = new DateTime[n];
        var source = new string[n];
        for (var i = 0; i < n; i++)
        {
            var f = fills[i];
            fillId[i] = f.FillId;
            orderId[i] = f.OrderId;
            strategyId[i] = f.StrategyId;
            symbol[i] = f.Symbol;
            side[i] = JournalCodes.ToCode(f.Side);
            quantity[i] = f.Quantity;
            price[i] = f.Price;
            fee[i] = f.Fee;
            sequence[i] = f.Sequence;
            executedAt[i] = JournalCodes.StoredTime(f.ExecutedAtUtc).UtcDateTime;
            source[i] = JournalCodes.ToCode(f.Source);
        }
        return
        [
            TextArray(fillId), TextArray(orderId), TextArray(strategyId), TextArray(symbol), TextArray(side),
            NumericArray(quantity), NumericArray(price), NumericArray(fee), BigintArray(sequence),
            TimestampArray(executedAt), TextArray(source),
        ];
    }

    private static NpgsqlParameter TextArray(string?[] values) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static NpgsqlParameter NumericArray(decimal[] values) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };

    private static NpgsqlParameter NumericArray(decimal?[] values) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Numeric };

    private static NpgsqlParameter BigintArray(long[] values) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint };

    private static NpgsqlParameter TimestampArray(DateTime[] values) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    /// <summary>Keys of the batch that the table already holds.</summary>
    private sealed class ExistingKeys
    {
        public HashSet<(string StrategyId, string ClientOrderId)> OrderKeys { get; } = [];
        public HashSet<string> FillIds { get; } = new(StringComparer.Ordinal);
        public HashSet<(string StrategyId, string Symbol, long Sequence)> Positions { get; } = [];
    }

    /// <summary>What the batch's INSERTs returned and the stored rows that rejected units collided with.</summary>
    private sealed class WrittenRows
    {
        public Dictionary<string, long> JournalSequences { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string StrategyId, string ClientOrderId), OrderSnapshot> StoredOrders { get; } = [];
        public Dictionary<string, Fill> StoredFills { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// The batch decided: each unit, in enqueue order, is checked against the table and against the units
    /// accepted before it (so the second of two colliding units in one batch is the duplicate), then either
    /// contributes its rows or is set aside with the key it collided on.
    /// </summary>
    private sealed class BatchPlan
    {
        private readonly IReadOnlyList<JournalUnit> _units;
        private readonly (JournalResultKind Kind, string? FillId, (string, string) OrderKey)[] _decisions;

        private BatchPlan(IReadOnlyList<JournalUnit> units)
        {
            _units = units;
            _decisions = new (JournalResultKind, string?, (string, string))[units.Count];
        }

        public List<OrderSnapshot> NewOrders { get; } = [];

        /// <summary>Latest state per orderId (one upsert statement may not touch a row twice), in order of first appearance.</summary>
        public List<OrderSnapshot> OrderUpdates { get; } = [];

        public List<Fill> Fills { get; } = [];
        public HashSet<(string StrategyId, string ClientOrderId)> DuplicateOrderKeys { get; } = [];
        public HashSet<string> DuplicateFillIds { get; } = new(StringComparer.Ordinal);

        public static BatchPlan Create(IReadOnlyList<JournalUnit> units, ExistingKeys existing)
        {
            var plan = new BatchPlan(units);
            var orderKeys = existing.OrderKeys;
            var fillIds = existing.FillIds;
            var positions = existing.Positions;
            var updateIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var u = 0; u < units.Count; u++)
            {
                var unit = units[u];
                if (unit.NewOrder is { } newOrder && orderKeys.Contains((newOrder.StrategyId, newOrder.ClientOrderId)))
                {
                    var key = (newOrder.StrategyId, newOrder.ClientOrderId);
                    plan._decisions[u] = (JournalResultKind.DuplicateOrder, null, key);
                    plan.DuplicateOrderKeys.Add(key);
                    continue;
                }
                var duplicateFill = FirstOrNull(unit.Fills, f => fillIds.Contains(f.FillId));
                if (duplicateFill is not null)
                {
                    plan._decisions[u] = (JournalResultKind.DuplicateFill, duplicateFill.FillId, default);
                    plan.DuplicateFillIds.Add(duplicateFill.FillId);
                    continue;
                }
                if (FirstOrNull(unit.Fills, f => positions.Contains((f.StrategyId, f.Symbol, f.Sequence))) is not null)
                {
                    plan._decisions[u] = (JournalResultKind.SequenceTaken, null, default);
                    continue;
                }

                plan._decisions[u] = (JournalResultKind.Committed, null, default);
                if (unit.NewOrder is { } order)
                {
                    orderKeys.Add((order.StrategyId, order.ClientOrderId));
                    plan.NewOrders.Add(order);
                }
                foreach (var update in unit.OrderUpdates)
                {
                    // An update of an order the journal does not hold inserts it, and with it its key.
                    orderKeys.Add((update.StrategyId, update.ClientOrderId));
                    if (updateIndex.TryGetValue(update.OrderId, out var at)) plan.OrderUpdates[at] = update;
                    else
                    {
                        updateIndex[update.OrderId] = plan.OrderUpdates.Count;
                        plan.OrderUpdates.Add(update);
                    }
                }
                foreach (var fill in unit.Fills)
                {
                    fillIds.Add(fill.FillId);
                    positions.Add((fill.StrategyId, fill.Symbol, fill.Sequence));
                    plan.Fills.Add(fill);
                }
            }
            return plan;
        }

        public JournalResult[] Results(WrittenRows written)
        {
            var results = new JournalResult[_units.Count];
            for (var u = 0; u < results.Length; u++)
            {
                var (kind, fillId, orderKey) = _decisions[u];
                results[u] = kind switch
                {
                    JournalResultKind.Committed => new JournalResult(kind, Sequenced(_units[u].Fills, written.JournalSequences)),
                    JournalResultKind.DuplicateOrder => new JournalResult(kind, [], ExistingOrder: written.StoredOrders.TryGetValue(orderKey, out var order)
                        ? order
                        : throw new InvalidOperationException($"The stored order {orderKey} a duplicate collided with was not found.")),
                    JournalResultKind.DuplicateFill => new JournalResult(kind, [], ExistingFill: written.StoredFills.TryGetValue(fillId!, out var fill)
                        ? fill
                        : throw new InvalidOperationException($"The stored fill '{fillId}' a duplicate collided with was not found.")),
                    _ => new JournalResult(kind, []),
                };
            }
            return results;
        }

        private static Fill[] Sequenced(IReadOnlyList<Fill> fills, Dictionary<string, long> journalSequences)
        {
            var sequenced = new Fill[fills.Count];
            for (var i = 0; i < sequenced.Length; i++)
                sequenced[i] = JournalCodes.Stored(fills[i]) with { JournalSequence = journalSequences[fills[i].FillId] };
            return sequenced;
        }

        private static Fill? FirstOrNull(IReadOnlyList<Fill> fills, Func<Fill, bool> predicate)
        {
            for (var i = 0; i < fills.Count; i++)
            {
                if (predicate(fills[i])) return fills[i];
            }
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Reading
    // ---------------------------------------------------------------------------------------------

    public async Task<OrderSnapshot?> FindOrder(string strategyId, string clientOrderId, CancellationToken cancellationToken = default)
    {
        var orders = await ReadList($"SELECT {OrderColumns} FROM trading_orders WHERE strategy_id = $1 AND client_order_id = $2",
            [Text(strategyId), Text(clientOrderId)], ReadOrder, cancellationToken);
        return orders.Count == 0 ? null : orders[0];
    }

    public async Task<OrderSnapshot?> GetOrder(string orderId, CancellationToken cancellationToken = default)
    {
        var orders = await ReadList($"SELECT {OrderColumns} FROM trading_orders WHERE order_id = $1",
            [Text(orderId)], ReadOrder, cancellationToken);
        return orders.Count == 0 ? null : orders[0];
    }

    public async Task<IReadOnlyList<OrderSnapshot>> WorkingOrders(string strategyId, CancellationToken cancellationToken = default) =>
        await ReadList($"""
            SELECT {OrderColumns} FROM trading_orders
            WHERE strategy_id = $1 AND status IN ('open', 'partially_filled')
            ORDER BY order_seq
            """, [Text(strategyId)], ReadOrder, cancellationToken);

    public async Task<IReadOnlyList<OrderSnapshot>> RecentOrders(string strategyId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return await ReadList($"SELECT {OrderColumns} FROM trading_orders WHERE strategy_id = $1 ORDER BY order_seq DESC LIMIT $2",
            [Text(strategyId), new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer }], ReadOrder, cancellationToken);
    }

    public async Task<long> CountOrders(string strategyId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT count(*) FROM trading_orders WHERE strategy_id = $1");
        command.Parameters.Add(Text(strategyId));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyDictionary<string, long>> PositionHeads(string strategyId, CancellationToken cancellationToken = default)
    {
        var heads = await ReadList("SELECT symbol, max(position_seq) FROM trading_fills WHERE strategy_id = $1 GROUP BY symbol",
            [Text(strategyId)], r => (Symbol: r.GetString(0), Head: r.GetInt64(1)), cancellationToken);
        return heads.ToDictionary(h => h.Symbol, h => h.Head, StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<Fill>> FillsAfter(string strategyId, string symbol, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return await ReadList($"""
            SELECT {FillColumns} FROM trading_fills
            WHERE strategy_id = $1 AND symbol = $2 AND position_seq > $3
            ORDER BY position_seq
            LIMIT $4
            """,
            [Text(strategyId), Text(symbol), new NpgsqlParameter { Value = afterSequence, NpgsqlDbType = NpgsqlDbType.Bigint },
             new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer }],
            ReadFill, cancellationToken);
    }

    public Task<Page<Fill>> QueryFills(FillQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new SqlFilter();
        filter.Equal("strategy_id", query.StrategyId);
        filter.Equal("symbol", query.Symbol);
        // Stored times are whole microseconds (what Npgsql sends too, truncated): rounding the bounds
        // inwards keeps them exact, as if compared with the full-precision bound.
        if (query.FromUtc is { } from) filter.Add("executed_at >=", Timestamp(CeilingToMicrosecond(from)));
        if (query.ToUtc is { } to) filter.Add("executed_at <=", Timestamp(JournalCodes.StoredTime(to)));
        return ReadPage("trading_fills", FillColumns, "journal_seq", filter, page, ReadFill, cancellationToken);
    }

    public Task<Page<OrderSnapshot>> QueryOrders(OrderQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = new SqlFilter();
        filter.Equal("strategy_id", query.StrategyId);
        filter.Equal("symbol", query.Symbol);
        if (query.Status is { } status) filter.Equal("status", JournalCodes.ToCode(status));
        return ReadPage("trading_orders", OrderColumns, "order_seq", filter, page, ReadOrder, cancellationToken);
    }

    private Task<Page<T>> ReadPage<T>(string table, string columns, string newestFirstBy, SqlFilter filter, PageRequest page,
        Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken) =>
        SqlPages.Read(_dataSource, table, columns, newestFirstBy, filter, page, read, cancellationToken);

    private async Task<List<T>> ReadList<T>(string sql, NpgsqlParameter[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(read(reader));
        return list;
    }

    /// <summary>Reads <see cref="OrderColumns"/>.</summary>
    private static OrderSnapshot ReadOrder(NpgsqlDataReader r) => new(
        OrderId: r.GetString(0),
        StrategyId: r.GetString(1),
        Symbol: r.GetString(2),
        Side: JournalCodes.ParseSide(r.GetString(3)),
        Quantity: r.GetDecimal(4),
        Type: JournalCodes.ParseOrderType(r.GetString(5)),
        LimitPrice: r.IsDBNull(6) ? null : r.GetDecimal(6),
        ClientOrderId: r.GetString(7),
        Status: JournalCodes.ParseOrderStatus(r.GetString(8)),
        RejectReason: r.IsDBNull(9) ? null : JournalCodes.ParseRejectReason(r.GetString(9)),
        RejectDetail: r.IsDBNull(10) ? null : r.GetString(10),
        FilledQuantity: r.GetDecimal(11),
        AverageFillPrice: r.GetDecimal(12),
        CreatedAtUtc: r.GetFieldValue<DateTimeOffset>(13),
        UpdatedAtUtc: r.GetFieldValue<DateTimeOffset>(14));

    /// <summary>Reads <see cref="FillColumns"/>.</summary>
    private static Fill ReadFill(NpgsqlDataReader r) => new(
        FillId: r.GetString(0),
        OrderId: r.IsDBNull(1) ? null : r.GetString(1),
        StrategyId: r.GetString(2),
        Symbol: r.GetString(3),
        Side: JournalCodes.ParseSide(r.GetString(4)),
        Quantity: r.GetDecimal(5),
        Price: r.GetDecimal(6),
        Fee: r.GetDecimal(7),
        Sequence: r.GetInt64(8),
        ExecutedAtUtc: r.GetFieldValue<DateTimeOffset>(9),
        Source: JournalCodes.ParseFillSource(r.GetString(10)),
        JournalSequence: r.GetInt64(11));

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static DateTimeOffset CeilingToMicrosecond(DateTimeOffset value)
    {
        var floor = JournalCodes.StoredTime(value);
        return floor.UtcTicks == value.UtcTicks ? floor : floor.AddTicks(TimeSpan.TicksPerMicrosecond);
    }

    private static NpgsqlParameter Timestamp(DateTimeOffset value) =>
        new() { Value = value.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    /// <summary>A WHERE clause of AND-ed conditions on positional parameters ($1, $2, ...).</summary>
    [LoggerMessage(Level = LogLevel.Information,
        Message = "A journal batch of {Count} unit(s) was refused ({SqlState} on {Constraint}): another writer's rows or one unit's data; writing its units one by one")]
    private static partial void LogBatchWrittenByUnit(ILogger logger, int count, string sqlState, string? constraint);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "A journal unit written alone collided with another writer (attempt {Attempt}, {SqlState} on {Constraint}); retrying")]
    private static partial void LogUnitCollided(ILogger logger, int attempt, string sqlState, string? constraint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A journal unit written alone failed; its caller gets the exception")]
    private static partial void LogUnitFailed(ILogger logger, Exception exception);
}
