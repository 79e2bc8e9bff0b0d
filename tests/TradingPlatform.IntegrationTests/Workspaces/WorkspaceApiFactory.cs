using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Storage;
using TradingPlatform.Testing;
using TradingPlatform.Workspaces;

namespace TradingPlatform.IntegrationTests.Workspaces;

/// <summary>
/// The embedded API over real Kestrel whose workspace store is the Postgres one on a fresh migrated database, with
/// small limits (<see cref="MaxDocumentBytes"/>, <see cref="MaxPerUser"/>, <see cref="MaxNameLength"/>) so each is cheap to reach.
/// </summary>
public class WorkspaceApiFactory : EmbeddedApiFactory, IAsyncLifetime
{
    public const int MaxDocumentBytes = 4_096;
    public const int MaxPerUser = 3;
    public const int MaxNameLength = 40;

    private readonly bool _ownsDatabase;
    private TestDatabase? _database;

    public WorkspaceApiFactory() => _ownsDatabase = true;

    /// <summary>A host over an existing database (restart tests).</summary>
    internal WorkspaceApiFactory(TestDatabase database) => _database = database;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (_ownsDatabase)
        {
            _database = await TestPostgres.CreateDatabase("workspaces");
            await DatabaseMigrator.MigrateAsync(_database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        }
        DataSource = NpgsqlDataSource.Create(_database!.ConnectionString);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await DataSource.DisposeAsync();
        if (_ownsDatabase) await _database!.DisposeAsync();
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Workspaces:MaxDocumentBytes"] = MaxDocumentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Workspaces:MaxPerUser"] = MaxPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Workspaces:MaxNameLength"] = MaxNameLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IWorkspaceStore>();
            services.AddSingleton<IWorkspaceStore>(_ => new PostgresWorkspaceStore(DataSource));
        });
    }

    /// <summary>A client for a fresh user of this role (each test its own, so limits and lists are its own).</summary>
    public async Task<HttpClient> NewUser(string role = "viewer", string? username = null)
    {
        username ??= "u" + Guid.NewGuid().ToString("N")[..12];
        await CreateUser(username, role);
        return await LoginAs(username, UserPassword);
    }
}

[CollectionDefinition(Name)]
public sealed class WorkspaceApiCollection : ICollectionFixture<WorkspaceApiFactory>
{
    public const string Name = "workspace-api";
}
