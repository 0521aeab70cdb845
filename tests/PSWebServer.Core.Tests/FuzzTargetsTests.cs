using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Replays every seed (tests/PSWebServer.Fuzz/corpus/TARGET/) and every crash AFL found and ./build.ps1 -Task Fuzz
/// kept (tests/PSWebServer.Fuzz/regressions/TARGET/) through the same target code the fuzzer runs, so a crash found
/// once stays a failing test until fixed, and a seed that stops holding its invariants is noticed without AFL.
/// </summary>
public sealed class FuzzTargetsTests
{
    private static readonly string FuzzFolder = Path.Combine(FindRepositoryRoot(), "tests", "PSWebServer.Fuzz");

    public static IEnumerable<object[]> Inputs()
    {
        foreach (string kind in new[] { "corpus", "regressions" })
        {
            foreach (string target in FuzzTargets.Names)
            {
                string folder = Path.Combine(FuzzFolder, kind, target);
                if (!Directory.Exists(folder)) continue;
                foreach (string file in Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal))
                {
                    yield return new object[] { target, Path.GetRelativePath(FuzzFolder, file) };
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void KeptInput_PassesItsTarget(string target, string file)
    {
        FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(FuzzFolder, file)));
    }

    [Fact]
    public void EveryTarget_HasSeeds()
    {
        foreach (string target in FuzzTargets.Names)
        {
            string folder = Path.Combine(FuzzFolder, "corpus", target);
            Assert.True(Directory.Exists(folder) && Directory.GetFiles(folder).Length > 0, $"no seeds in {folder}");
        }
    }

    [Fact]
    public void UnknownTarget_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("no-such-target", ReadOnlySpan<byte>.Empty));
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PSWebServer.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"PSWebServer.sln not found above {AppContext.BaseDirectory}");
    }
}
