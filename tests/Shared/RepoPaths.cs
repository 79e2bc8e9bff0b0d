namespace TradingPlatform.Testing;

public static class RepoPaths
{
    /// <summary>The repository root: the first parent folder holding TradingPlatform.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built with (Debug/Release): the host dlls sit beside it.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";

    /// <summary>A file of the real market data the tests share (tests/TradingPlatform.Tests/Data, LEAN sample data).</summary>
    public static string TestData(string file) => Path.Combine(Root, "tests", "TradingPlatform.Tests", "Data", file);

    public static string HostDll(string project, string assembly) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly + ".dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TradingPlatform.sln"))) return dir.FullName;
        throw new InvalidOperationException("TradingPlatform.sln not found above " + AppContext.BaseDirectory);
    }
}
