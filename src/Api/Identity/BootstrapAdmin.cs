using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

/// <summary>
/// Creates <c>Auth:BootstrapAdmin</c> when no user has that name. In Development without one, creates
/// <c>admin</c> with a random password and logs it, so the embedded default is usable at once.
/// Several API nodes may race: the first create wins, the others see a conflict and move on.
/// </summary>
public sealed partial class BootstrapAdmin(
    IOptions<AuthOptions> options, IGrainFactory grains, Credentials credentials, IHostEnvironment environment, ILogger<BootstrapAdmin> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.BootstrapAdmin;
        var username = string.IsNullOrWhiteSpace(configured.Username) ? null : Credentials.Normalize(configured.Username);
        var password = string.IsNullOrEmpty(configured.Password) ? null : configured.Password;
        var generated = false;
        if (username is null)
        {
            if (!environment.IsDevelopment()) return;
            username = "admin";
            generated = password is null;
            password ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));
        }
        if (!Credentials.IsValidUsername(username) || password is null || Credentials.PasswordProblem(password) is not null)
            throw new InvalidOperationException($"Auth:BootstrapAdmin needs a valid username and a password of at least {Credentials.MinPasswordLength} characters.");

        var user = grains.GetGrain<IUserGrain>(username);
        var spec = new NewUserSpec(username, credentials.Hash(password), Role.Admin);
        var outcome = await WhenClusterAnswers(async () => await user.Get() is null ? await user.Create(spec) : null, cancellationToken);
        if (outcome?.Kind != UserOutcomeKind.Created) return;
        if (outcome.Kind != UserOutcomeKind.Created) return;
        if (generated) LogGeneratedAdmin(logger, username, password);
        else LogCreated(logger, username);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An API node can be up before any silo accepts grains: retry for a while before giving up.</summary>
    private static async Task<T> WhenClusterAnswers<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Development: created admin user '{Username:l}' with password '{Password:l}'. Set Auth__BootstrapAdmin__Username and Auth__BootstrapAdmin__Password to choose them.")]
    private static partial void LogGeneratedAdmin(ILogger logger, string username, string password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created bootstrap admin user '{Username:l}'")]
    private static partial void LogCreated(ILogger logger, string username);
}
