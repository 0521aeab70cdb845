using System;
using System.IO;
using Xunit;

namespace PSWebServer.Tests.Support;

/// <summary>
/// A theory that needs the slowhttptest tool (Debian package slowhttptest). Where it is missing the test is skipped with
/// the reason, except on CI (CI=true), where .ci/run installs it: there the test runs and fails, so a broken install
/// cannot pass as a skip.
/// </summary>
public sealed class SlowHttpTestTheoryAttribute : TheoryAttribute
{
    public SlowHttpTestTheoryAttribute()
    {
        if (Executable is null && !IsCi)
        {
            Skip = "slowhttptest is not installed (apt-get install slowhttptest); on CI (CI=true) this is a failure, not a skip.";
        }
    }

    /// <summary>The full path of slowhttptest found on PATH, or null.</summary>
    public static string? Executable { get; } = Find();

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string? Find()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, "slowhttptest");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
