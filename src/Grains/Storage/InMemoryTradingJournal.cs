using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;

namespace TradingPlatform.Storage;

/// <summary>
/// The journal of the embedded mode: the same rules as <see cref="PostgresTradingJournal"/>, in memory
/// (lost with the process). One lock; a commit costs a few dictionary operations: fills are indexed by
/// fillId and by position, orders by orderId and by (strategy, clientOrderId).
/// </summary>
public sealed class InMemoryTradingJournal : ITradingJournal
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OrderEntry> _ordersById = new(StringComparer.Ordinal);
    private readonly Dictionary<(string StrategyId, string ClientOrderId), OrderEntry> _ordersByKey = [];
    private readonly Dictionary<string, StrategyOrders> _ordersByStrategy = new(StringComparer.Ordinal);

    /// <summary>Every order in creation order (Seq ascending).</summary>
    private readonly List<OrderEntry> _orders = [];

    private readonly Dictionary<string, Fill> _fillsById = new(StringComparer.Ordinal);
    private readonly Dictionary<(string StrategyId, string Symbol), SortedList<long, Fill>> _positions = [];
    private readonly Dictionary<string, StrategyFills> _fillsByStrategy = new(StringComparer.Ordinal);

    /// <summary>Every fill in journal order (JournalSequence ascending).</summary>
    private readonly List<Fill> _fills = [];

    private long _orderSeq;
    private long _journalSeq;

    public Task<JournalResult> Commit(JournalUnit unit, CancellationToken cancellationToken = default)
    {
        JournalCodes.Validate(unit);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<JournalResult>(cancellationToken);
        try
        {
            lock (_lock)
            {
                return Task.FromResult(CommitLocked(unit));
            }
        }
        catch (InvalidOperationException e)
        {
            return Task.FromException<JournalResult>(e);
        }
    }

    private JournalResult CommitLocked(JournalUnit unit)
    {
        if (unit.NewOrder is { } newOrder)
        {
            if (_ordersByKey.TryGetValue((newOrder.StrategyId, newOrder.ClientOrderId), out var existing))
                return new JournalResult(JournalResultKind.DuplicateOrder, [], ExistingOrder: existing.Order);
            if (_ordersById.ContainsKey(newOrder.OrderId))
                throw new InvalidOperationException($"Order '{newOrder.OrderId}' exists under another clientOrderId.");
        }
        foreach (var fill in unit.Fills)
        {
            if (_fillsById.TryGetValue(fill.FillId, out var existing))
                return new JournalResult(JournalResultKind.DuplicateFill, [], ExistingFill: existing);
        }
        foreach (var fill in unit.Fills)
        {
            if (_positions.TryGetValue((fill.StrategyId, fill.Symbol), out var position) && position.ContainsKey(fill.Sequence))
                return new JournalResult(JournalResultKind.SequenceTaken, []);
        }
        if (unit.OrderUpdates.Count > 0) CheckInsertedKeys(unit);

        // Checked: from here on nothing can fail, so the unit is written whole.
        if (unit.NewOrder is { } order) Insert(JournalCodes.Stored(order));
        foreach (var update in unit.OrderUpdates)
        {
            var stored = JournalCodes.Stored(update);
            if (_ordersById.TryGetValue(stored.OrderId, out var entry)) Update(entry, stored);
            else Insert(stored);
        }
        if (unit.Fills.Count == 0) return new JournalResult(JournalResultKind.Committed, []);
        var fills = new Fill[unit.Fills.Count];
        for (var i = 0; i < fills.Length; i++)
        {
            var fill = JournalCodes.Stored(unit.Fills[i]) with { JournalSequence = ++_journalSeq };
            fills[i] = fill;
            Insert(fill);
        }
        return new JournalResult(JournalResultKind.Committed, fills);
    }

    /// <summary>
    /// An update of an order the journal does not hold inserts it: its orderId and (strategy, clientOrderId)
    /// must be free (Postgres' unique constraints would refuse the unit otherwise).
    /// </summary>
    private void CheckInsertedKeys(JournalUnit unit)
    {
        HashSet<string>? insertedIds = null;
        HashSet<(string, string)>? insertedKeys = null;
        if (unit.NewOrder is { } order)
        {
            insertedIds = new(StringComparer.Ordinal) { order.OrderId };
            insertedKeys = [(order.StrategyId, order.ClientOrderId)];
        }
        foreach (var update in unit.OrderUpdates)
        {
            if (_ordersById.ContainsKey(update.OrderId) || insertedIds?.Contains(update.OrderId) == true) continue;
            var key = (update.StrategyId, update.ClientOrderId);
            if (_ordersByKey.ContainsKey(key) || insertedKeys?.Contains(key) == true)
                throw new InvalidOperationException($"Order '{update.OrderId}' has the clientOrderId of another order of {update.StrategyId}.");
            (insertedIds ??= new(StringComparer.Ordinal)).Add(update.OrderId);
            (insertedKeys ??= []).Add(key);
        }
    }

    private void Insert(OrderSnapshot order)
    {
        var entry = new OrderEntry(++_orderSeq, order);
        _ordersById.Add(order.OrderId, entry);
        _ordersByKey.Add((order.StrategyId, order.ClientOrderId), entry);
        _orders.Add(entry);
        if (!_ordersByStrategy.TryGetValue(order.StrategyId, out var strategy))
            _ordersByStrategy.Add(order.StrategyId, strategy = new StrategyOrders());
        strategy.All.Add(entry);
        if (order.Status.IsWorking()) strategy.Working.Add(entry.Seq, entry);
    }

    /// <summary>What the Postgres upsert changes of a stored order: its state, not what was asked.</summary>
    private void Update(OrderEntry entry, OrderSnapshot update)
    {
        entry.Order = entry.Order with
        {
            Status = update.Status,
            RejectReason = update.RejectReason,
            RejectDetail = update.RejectDetail,
            FilledQuantity = update.FilledQuantity,
            AverageFillPrice = update.AverageFillPrice,
            UpdatedAtUtc = update.UpdatedAtUtc,
        };
        var working = _ordersByStrategy[entry.Order.StrategyId].Working;
        if (entry.Order.Status.IsWorking()) working.TryAdd(entry.Seq, entry);
        else working.Remove(entry.Seq);
    }

    private void Insert(Fill fill)
    {
        _fillsById.Add(fill.FillId, fill);
        var key = (fill.StrategyId, fill.Symbol);
        if (!_positions.TryGetValue(key, out var position)) _positions.Add(key, position = []);
        position.Add(fill.Sequence, fill);
        _fills.Add(fill);
        if (!_fillsByStrategy.TryGetValue(fill.StrategyId, out var strategy))
            _fillsByStrategy.Add(fill.StrategyId, strategy = new StrategyFills());
        strategy.All.Add(fill);
        strategy.Heads[fill.Symbol] = Math.Max(strategy.Heads.GetValueOrDefault(fill.Symbol), fill.Sequence);
    }

    public Task<OrderSnapshot?> FindOrder(string strategyId, string clientOrderId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_ordersByKey.TryGetValue((strategyId, clientOrderId), out var entry) ? entry.Order : null);
        }
    }

    public Task<OrderSnapshot?> GetOrder(string orderId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_ordersById.TryGetValue(orderId, out var entry) ? entry.Order : null);
        }
    }

    public Task<IReadOnlyList<OrderSnapshot>> WorkingOrders(string strategyId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<OrderSnapshot> working = _ordersByStrategy.TryGetValue(strategyId, out var strategy)
                ? strategy.Working.Values.Select(e => e.Order).ToArray()
                : [];
            return Task.FromResult(working);
        }
    }

    public Task<IReadOnlyList<OrderSnapshot>> RecentOrders(string strategyId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            if (!_ordersByStrategy.TryGetValue(strategyId, out var strategy)) return Task.FromResult<IReadOnlyList<OrderSnapshot>>([]);
            var all = strategy.All;
            var recent = new OrderSnapshot[Math.Min(limit, all.Count)];
            for (var i = 0; i < recent.Length; i++) recent[i] = all[all.Count - 1 - i].Order;
            return Task.FromResult<IReadOnlyList<OrderSnapshot>>(recent);
        }
    }

    public Task<long> CountOrders(string strategyId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_ordersByStrategy.TryGetValue(strategyId, out var strategy) ? (long)strategy.All.Count : 0L);
        }
    }

    public Task<IReadOnlyDictionary<string, long>> PositionHeads(string strategyId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, long> heads = _fillsByStrategy.TryGetValue(strategyId, out var strategy)
                ? new Dictionary<string, long>(strategy.Heads, StringComparer.Ordinal)
                : new Dictionary<string, long>(StringComparer.Ordinal);
            return Task.FromResult(heads);
        }
    }

    public Task<IReadOnlyList<Fill>> FillsAfter(string strategyId, string symbol, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        lock (_lock)
        {
            if (!_positions.TryGetValue((strategyId, symbol), out var position)) return Task.FromResult<IReadOnlyList<Fill>>([]);
            var keys = position.Keys;
            var start = FirstGreater(keys, afterSequence);
            var count = Math.Min(limit, keys.Count - start);
            var fills = new Fill[count];
            for (var i = 0; i < count; i++) fills[i] = position.Values[start + i];
            return Task.FromResult<IReadOnlyList<Fill>>(fills);
        }
    }

    public Task<Page<Fill>> QueryFills(FillQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            List<Fill> source;
            if (query.StrategyId is null) source = _fills;
            else if (_fillsByStrategy.TryGetValue(query.StrategyId, out var strategy)) source = strategy.All;
            else source = [];
            return Task.FromResult(NewestFirst(source, page, fill =>
                (query.Symbol is null || fill.Symbol == query.Symbol)
                && (query.FromUtc is not { } from || fill.ExecutedAtUtc >= from)
                && (query.ToUtc is not { } to || fill.ExecutedAtUtc <= to)));
        }
    }

    public Task<Page<OrderSnapshot>> QueryOrders(OrderQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            List<OrderEntry> source;
            if (query.StrategyId is null) source = _orders;
            else if (_ordersByStrategy.TryGetValue(query.StrategyId, out var strategy)) source = strategy.All;
            else source = [];
            var entries = NewestFirst(source, page, entry =>
                (query.Symbol is null || entry.Order.Symbol == query.Symbol)
                && (query.Status is not { } status || entry.Order.Status == status));
            return Task.FromResult(new Page<OrderSnapshot>(entries.Items.Select(e => e.Order).ToArray(), entries.PageNumber, entries.PerPage, entries.Total));
        }
    }

    /// <summary>The page of <paramref name="items"/> (oldest first) that match, newest first, and how many match.</summary>
    private static Page<T> NewestFirst<T>(List<T> items, PageRequest page, Func<T, bool> matches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page.Page, 1, nameof(page));
        ArgumentOutOfRangeException.ThrowIfLessThan(page.PerPage, 1, nameof(page));
        var skip = page.Skip;
        var list = new List<T>(Math.Min(page.PerPage, items.Count));
        long total = 0;
        for (var i = items.Count - 1; i >= 0; i--)
        {
            if (!matches(items[i])) continue;
            if (total >= skip && list.Count < page.PerPage) list.Add(items[i]);
            total++;
        }
        return new Page<T>(list, page.Page, page.PerPage, total);
    }

    private static int FirstGreater(IList<long> sortedKeys, long value)
    {
        int low = 0, high = sortedKeys.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (sortedKeys[mid] <= value) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    private sealed class OrderEntry(long seq, OrderSnapshot order)
    {
        public long Seq { get; } = seq;
        public OrderSnapshot Order { get; set; } = order;
    }

    private sealed class StrategyOrders
    {
        /// <summary>Creation order.</summary>
        public List<OrderEntry> All { get; } = [];

        /// <summary>Open and partially filled orders by creation order.</summary>
        public SortedList<long, OrderEntry> Working { get; } = [];
    }

    private sealed class StrategyFills
    {
        /// <summary>Journal order.</summary>
        public List<Fill> All { get; } = [];

        public Dictionary<string, long> Heads { get; } = new(StringComparer.Ordinal);
    }
}
