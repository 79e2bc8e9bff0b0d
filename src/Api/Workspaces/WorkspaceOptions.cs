using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Api.Workspaces;

/// <summary>Workspace limits (section <c>Workspaces</c>).</summary>
public sealed class WorkspaceOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>The largest document, in UTF-8 bytes of its compact JSON; larger is 413.</summary>
    [Range(256, 1_000_000)]
    public int MaxDocumentBytes { get; set; } = 64 * 1024;

    [Range(1, 1_000)]
    public int MaxNameLength { get; set; } = 100;

    /// <summary>Workspaces one user may own; one more is 409.</summary>
    [Range(1, 10_000)]
    public int MaxPerUser { get; set; } = 50;
}
