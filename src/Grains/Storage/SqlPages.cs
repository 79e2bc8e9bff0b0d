using System.Text;
using Npgsql;
using NpgsqlTypes;
using TradingPlatform.Common;

namespace TradingPlatform.Storage;

/// <summary>A WHERE clause built from optional conditions, with positional parameters.</summary>
internal sealed class SqlFilter
{
    private readonly StringBuilder _sql = new();

    public List<NpgsqlParameter> Parameters { get; } = [];

    public string Sql => _sql.ToString();

    public void Equal(string column, string? value)
    {
        if (value is not null) Add($"{column} =", new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Text });
    }

    /// <summary><paramref name="condition"/> is a column and an operator; the parameter goes on its right.</summary>
    public void Add(string condition, NpgsqlParameter parameter)
    {
        Parameters.Add(parameter);
        _sql.Append(Parameters.Count == 1 ? " WHERE " : " AND ").Append(condition).Append(" $").Append(Parameters.Count);
    }

    /// <summary>Copies of the parameters (a parameter belongs to one command).</summary>
    public NpgsqlParameter[] NewParameters() => Parameters.Select(p => p.Clone()).ToArray();
}

/// <summary>Newest-first pages of a table: the filtered count and the page's rows in one round trip.</summary>
internal static class SqlPages
{
    public static async Task<Page<T>> Read<T>(NpgsqlDataSource dataSource, string table, string columns, string newestFirstBy,
        SqlFilter filter, PageRequest page, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page.Page, 1, nameof(page));
        ArgumentOutOfRangeException.ThrowIfLessThan(page.PerPage, 1, nameof(page));
        var where = filter.Sql;
        var limitAt = filter.Parameters.Count + 1;
        await using var batch = dataSource.CreateBatch();
        var count = new NpgsqlBatchCommand($"SELECT count(*) FROM {table}{where}");
        count.Parameters.AddRange(filter.NewParameters());
        var items = new NpgsqlBatchCommand($"SELECT {columns} FROM {table}{where} ORDER BY {newestFirstBy} DESC LIMIT ${limitAt} OFFSET ${limitAt + 1}");
        items.Parameters.AddRange(filter.NewParameters());
        items.Parameters.Add(new NpgsqlParameter { Value = page.PerPage, NpgsqlDbType = NpgsqlDbType.Integer });
        items.Parameters.Add(new NpgsqlParameter { Value = page.Skip, NpgsqlDbType = NpgsqlDbType.Bigint });
        batch.BatchCommands.Add(count);
        batch.BatchCommands.Add(items);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var list = new List<T>(page.PerPage);
        while (await reader.ReadAsync(cancellationToken)) list.Add(read(reader));
        return new Page<T>(list, page.Page, page.PerPage, total);
    }
}
