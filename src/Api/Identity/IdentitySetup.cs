using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Microsoft.OpenApi;

namespace TradingPlatform.Api.Identity;

/// <summary>JWT bearer authentication, role policies, rate-limit budgets, CORS, and their OpenAPI description.</summary>
public static class IdentitySetup
{
    public const string CorsPolicy = "configured-origins";

    public static WebApplicationBuilder AddTradingIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        SigningKeys.Check(auth.SigningKey, builder.Environment); // before anything starts: no key outside Development, no start
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<CachingTokenHandler>();
        services.AddSingleton<Credentials>();
        services.AddHostedService<BootstrapAdmin>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeys, IOptions<AuthOptions>, CachingTokenHandler>((jwt, keys, auth, handler) =>
            {
                jwt.MapInboundClaims = false;
                // Nothing reads the raw token back (GetTokenAsync): not keeping a copy in every request's
                // authentication properties saves ~1 KB per request, held for hours by a WebSocket's request.
                jwt.SaveToken = false;
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(handler);
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    IssuerSigningKey = keys.Key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RequireSignedTokens = true,
                    RequireExpirationTime = true,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(auth.Value.ClockSkewSeconds),
                    NameClaimType = TokenClaims.Name,
                    RoleClaimType = TokenClaims.Role,
                };
                AccessAdmission.Configure(jwt);
            });
        services.AddAuthorizationBuilder().AddRolePolicies();

        var cors = builder.Configuration.GetSection(CorsOptions.SectionName).Get<CorsOptions>() ?? new CorsOptions();
        var development = builder.Environment.IsDevelopment();
        services.AddCors(o => o.AddPolicy(CorsPolicy, policy =>
        {
            if (cors.AllowedOrigins.Length > 0) policy.WithOrigins(cors.AllowedOrigins);
            else if (development) policy.SetIsOriginAllowed(_ => true);
            else policy.SetIsOriginAllowed(_ => false);
            policy.AllowAnyHeader().AllowAnyMethod()
                .WithExposedHeaders("X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Location");
        }));
        return builder;
    }

    /// <summary>The bearer scheme, and on each operation the role it needs (<c>x-required-role</c>, and in its description).</summary>
    public static void DescribeSecurity(Microsoft.AspNetCore.OpenApi.OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Access token from POST /v1/auth/login. Roles: viewer < trader < admin.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var role = Policies.RequiredRole(context.Description.ActionDescriptor.EndpointMetadata);
            if (role is null) return Task.CompletedTask;
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [] });
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions["x-required-role"] = new JsonNodeExtension(JsonValue.Create(role));
            operation.Description = $"Requires role: {role}. {operation.Description}".Trim();
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing, invalid, expired or revoked token" });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"The caller's role is below {role}" });
            return Task.CompletedTask;
        });
    }
}
