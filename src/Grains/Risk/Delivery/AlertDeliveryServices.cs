using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TradingPlatform.Hosting;

namespace TradingPlatform.Risk.Delivery;

public static class AlertDeliveryServices
{
    /// <summary>The delivery store of this mode (Postgres or memory). Silos write it; API nodes list it and resend failed deliveries.</summary>
    public static IServiceCollection AddAlertDeliveryStore(this IServiceCollection services, IConfiguration configuration)
    {
        AlertDeliveryMetrics.InitializeResent();
        return services.AddStoreByMode<IAlertDeliveryStore, InMemoryAlertDeliveryStore>(configuration, (_, db) => new PostgresAlertDeliveryStore(db));
    }

    /// <summary>Silo side: options, the configured notifiers (the webhook when <c>Alerts:Webhook:Url</c> is set), the outbox and this silo's worker.</summary>
    public static IServiceCollection AddAlertDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AlertDeliveryOptions>().Bind(configuration.GetSection(AlertDeliveryOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        AlertDeliveryMetrics.Initialize();
        services.AddAlertDeliveryStore(configuration);
        var webhook = configuration.GetSection(AlertDeliveryOptions.SectionName).GetSection("Webhook").Get<WebhookOptions>();
        if (webhook?.IsConfigured == true)
            services.AddSingleton<INotifier>(sp => new WebhookNotifier(sp.GetRequiredService<IOptions<AlertDeliveryOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<AlertDeliverySignal>();
        services.TryAddSingleton<AlertOutbox>();
        services.AddHostedService<AlertDeliveryWorker>();
        return services;
    }
}
