using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Candles;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Candles;

/// <summary>
/// The API over real Kestrel (embedded: silo and identity in memory) whose candle store is the Postgres one, on a
/// fresh migrated database: the candle endpoints end to end without silo processes. No sample data; a small import
/// limit (<see cref="MaxImportBytes"/>, above the API-wide 1 MB) so 413 is cheap to reach.
/// </summary>
public sealed class PostgresCandleApiFactory : EmbeddedApiFactory, IAsyncLifetime
{
    public const long MaxImportBytes = 2L * 1024 * 1024;

    private TestDatabase _database = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabase("candleapi");
        await DatabaseMigrator.MigrateAsync(_database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(_database.ConnectionString);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Candles:LoadSampleData"] = "false",
        ["Candles:MaxImportBytes"] = MaxImportBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<ICandleStore>();
            services.AddSingleton<ICandleStore>(_ => new PostgresCandleStore(DataSource, NullLogger<PostgresCandleStore>.Instance));
        });
    }

    public async Task<long> Count(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
