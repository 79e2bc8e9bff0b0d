using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Common;
using TradingPlatform.Identity;

namespace TradingPlatform.Api.Identity;

public sealed record CreateUserRequest(string? Username, string? Password, string? Role);

public sealed record UpdateUserRequest(string? Role, bool? Disabled);

/// <summary>User view for admins; never includes password hashes.</summary>
public sealed record UserResponse(string Id, string Username, string Role, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static UserResponse From(UserSnapshot user) =>
        new(user.Id, user.Username, user.Role.WireName(), user.Disabled, user.CreatedAtUtc, user.UpdatedAtUtc);
}

/// <summary><c>/v1/users</c> (admin): list, create, change role or disable.</summary>
public static class UserEndpoints
{
    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin);
        group.MapGet("/", List).WithName("ListUsers").WithSummary("Users in creation order");
        group.MapGet("/{id}", Get).WithName("GetUser").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).WithName("CreateUser").WithRateLimitTier(RateTier.Admin)
            .WithSummary("Create a user {username, password, role}").ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPatch("/{id}", Update).WithName("UpdateUser").WithRateLimitTier(RateTier.Admin)
            .WithSummary("Change role or disable; every token already issued to the user stops working")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    private static async Task<Results<Ok<Page<UserResponse>>, ValidationProblem>> List(
        int? page, [FromQuery(Name = "per_page")] int? perPage, IGrainFactory grains)
    {
        if (!Paging.TryCreate(page, perPage, out var request, out var errors)) return TypedResults.ValidationProblem(errors);
        var ids = await grains.Registry(Registries.Users).List(request);
        var users = await Task.WhenAll(ids.Items.Select(id => grains.GetGrain<IUserGrain>(id).Get()));
        return TypedResults.Ok(new Page<UserResponse>(users.OfType<UserSnapshot>().Select(UserResponse.From).ToArray(), ids.PageNumber, ids.PerPage, ids.Total));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> Get(string id, IGrainFactory grains)
    {
        var user = Credentials.IsValidUsername(id) ? await grains.GetGrain<IUserGrain>(id).Get() : null;
        return user is null ? NotFound(id) : TypedResults.Ok(UserResponse.From(user));
    }

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateUserRequest request, IGrainFactory grains, Credentials credentials, ClaimsPrincipal caller, AuditTrail audit)
    {
        var errors = new Dictionary<string, string[]>();
        var id = request.Username is null ? "" : Credentials.Normalize(request.Username);
        if (!Credentials.IsValidUsername(id)) errors["username"] = ["3-64 characters: letters, digits, '.', '_', '@' or '-', starting with a letter or digit."];
        if (Credentials.PasswordProblem(request.Password) is { } problem) errors["password"] = [problem];
        if (!Policies.TryParseRole(request.Role, out var role)) errors["role"] = ["One of viewer, trader, admin."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The user is not valid");

        var outcome = await grains.GetGrain<IUserGrain>(id).Create(new NewUserSpec(id, credentials.Hash(request.Password!), role));
        if (outcome.Kind != UserOutcomeKind.Created)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: outcome.Detail);
        var created = UserResponse.From(outcome.User!);
        await audit.Record<UserResponse>(caller, "user.create", $"user:{id}", null, created);
        return TypedResults.Created($"/v1/users/{Uri.EscapeDataString(id)}", created);
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> Update(
        string id, UpdateUserRequest request, ClaimsPrincipal caller, IGrainFactory grains, AuditTrail audit)
    {
        Role? role = null;
        if (request.Role is not null)
        {
            if (!Policies.TryParseRole(request.Role, out var parsed))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["One of viewer, trader, admin."] });
            role = parsed;
        }
        if (!Credentials.IsValidUsername(id)) return NotFound(id);
        if (id == TokenService.Claim(caller, TokenClaims.Subject) && (role is not null and not Role.Admin || request.Disabled == true))
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: "Admins cannot demote or disable themselves; ask another admin.");

        var before = await grains.GetGrain<IUserGrain>(id).Get();
        var outcome = await grains.GetGrain<IUserGrain>(id).Update(new UserPatch(role, request.Disabled));
        if (outcome.Kind == UserOutcomeKind.Ok)
            await audit.Record(caller, "user.update", $"user:{id}", before is null ? null : UserResponse.From(before), UserResponse.From(outcome.User!));
        return outcome.Kind switch
        {
            UserOutcomeKind.Ok => TypedResults.Ok(UserResponse.From(outcome.User!)),
            UserOutcomeKind.NotFound => NotFound(id),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: outcome.Detail),
        };
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found",
            detail: $"No user has id '{(id.Length <= 64 ? id : id[..64] + "…")}'.");
}
