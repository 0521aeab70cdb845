using System;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Properties of <see cref="PathResolver"/> over the real site of <see cref="SiteFixture"/> (files, folders, dotfiles,
/// links in, out and in a loop, a secret beside the root), for arbitrary request bytes and for generated tricky
/// paths: Resolve never throws, every answer has its documented shape, and whatever resolves lies inside the root,
/// is not hidden unless hidden files are served and, with the Windows rules on, is named by no Windows alias.
/// </summary>
public sealed class PathResolverPropertyTests : IClassFixture<SiteFixture>
{
    private const int Iterations = 10_000;

    private static readonly string[] ContentsOutside = { "SECRET", "EVIL", "OUTSIDE" };

    /// <summary>Names in the site (files, folders, dotfiles, links) and names that climb out of it.</summary>
    private static readonly string[] SiteNames =
    {
        "a.txt", "sub", "b.txt", "index.html", "index.htm", "empty", "evil.com", "a b", "a%20b", "c.txt",
        ".hidden.txt", ".git", "config", ".env", "secret.txt", "root", "root-evil", "x.txt",
        "link-out.txt", "link-out-abs.txt", "linkdir-out", "o.txt", "link-in.txt", "linkdir-in", "link-round.txt",
        "link-loop-a", "outdoc", "outside", "..", "..", ".",
    };

    /// <summary>Climbs, escapes, separators, bad UTF-8 and the names Windows reads as something else.</summary>
    private static readonly string[] TrickyPieces =
    {
        "", "...", ".. ", "%2e", "%2E", "%2e%2e", ".%2e", "%2e.", "%2e%2e%2e", "%2e%2e%20",
        "/", "//", "%2f", "%2F", "%5c", "%5C", "\\", "%00", "%", "%2", "%zz", "%252e%252e", "..;",
        "%c0%ae", "%c0%af", "%e0%80%ae", "%c1%9c", "%ff", "%ed%a0%80", "%C3%A9", "%20", " ",
        ".GIT", "%2egit", "%2EGIT", ".HIDDEN.TXT",
        "a.txt.", "a.txt%20", "sub.", "a.txt::$DATA", "a.txt:x", "sub::$INDEX_ALLOCATION", "C:", "c:", "%3a",
        "nul", "NUL.txt", "aux.txt", "CON", "com1", "LPT9", "COM%C2%B9", "conin$", "CONOUT$", "nul.tar.gz",
        "INDEX~1.HTM", "GIT~1", "git~1", "HIDDEN~1.TXT", "q%3Fx", "%2A", "*", "%3C", "%7C", "%22", "%01",
        new string('n', 300), // longer than any file system allows a name
    };

    /// <summary>Names in the site that Windows reads as something else; on Linux they are real files, so serving one would show.</summary>
    private static readonly string[] WindowsLiterals =
    {
        "a.txt.", "a.txt ", "a.txt::$DATA", "a.txt:x", "nul", "NUL.txt", "aux.txt", "CON", "com1", "conin$",
        "INDEX~1.HTM", "GIT~1/config", "HIDDEN~1.TXT", "q?x", "star*", "sub./b.txt", "sub/nul.tar.gz",
    };

    private readonly SiteFixture _site;
    private readonly string _realRoot;

    public PathResolverPropertyTests(SiteFixture site)
    {
        _site = site;
        _realRoot = RealPath.Of(site.Root)!;
        if (!OperatingSystem.IsWindows())
        {
            foreach (string literal in WindowsLiterals)
            {
                string full = Path.Combine(site.Root, literal);
                if (File.Exists(full)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, "WINDOWS-ALIAS");
            }
        }
    }

    /// <summary>Any bytes at all, with and without the leading slash every real request has.</summary>
    private static readonly Gen<byte[]> AnyBytes = Gen.OneOf(
        Gen.Byte.Array[0, 48],
        Gen.Byte.Array[0, 48].Select(bytes => new[] { (byte)'/' }.Concat(bytes).ToArray()));

    /// <summary>Bytes drawn from the characters that matter to paths, so climbs and escapes form often.</summary>
    private static readonly Gen<byte[]> PathAlphabetBytes =
        Gen.OneOfConst("/./..%2e%2E%2f%5c\\\0 :~$1aAsub.txt%c0%ae%ff"u8.ToArray().Distinct().ToArray())
            .Array[0, 32]
            .Select(bytes => new[] { (byte)'/' }.Concat(bytes).ToArray());

    /// <summary>
    /// Pieces joined by one or two slashes or run together, mostly names the site has so that files, folders and
    /// redirects come up as often as refusals, then sometimes a folder-form ending.
    /// </summary>
    private static readonly Gen<byte[]> TrickyPaths =
        Gen.Select(
                Gen.Select(Gen.Frequency((3, Gen.OneOfConst(SiteNames)), (2, Gen.OneOfConst(TrickyPieces))), Gen.OneOfConst("/", "/", "/", "//", "")).Array[1, 6],
                Gen.OneOfConst("", "", "/", "/.", "/%2e"))
            .Select((parts, ending) =>
            {
                var path = new StringBuilder();
                foreach ((string piece, string separator) in parts) path.Append(separator).Append(piece);
                if (path.Length == 0 || path[0] != '/') path.Insert(0, '/');
                return Encoding.UTF8.GetBytes(path.Append(ending).ToString());
            });

    private static readonly Gen<byte[]> AnyRequestPath = Gen.Frequency((1, AnyBytes), (1, PathAlphabetBytes), (3, TrickyPaths));

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ArbitraryBytes_NeverEscapeTheRoot(bool serveHidden, bool windowsRules)
    {
        PathResolver resolver = Resolver(serveHidden, windowsRules);

        AnyBytes.Sample(raw => AssertHolds(resolver, raw, serveHidden, windowsRules), iter: Iterations, threads: 1, print: Show);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void TrickyPaths_NeverEscapeTheRoot(bool serveHidden, bool windowsRules)
    {
        PathResolver resolver = Resolver(serveHidden, windowsRules);

        AnyRequestPath.Sample(raw => AssertHolds(resolver, raw, serveHidden, windowsRules), iter: Iterations, threads: 1, print: Show);
    }

    [Fact]
    public void TrickyPaths_ReachFilesFoldersAndRefusals()
    {
        // The generator is only worth something if it reaches every kind of answer; count them over a fixed run.
        PathResolver resolver = Resolver(serveHidden: false, windowsRules: true);
        var seen = new int[Enum.GetValues<ResolutionKind>().Length];

        TrickyPaths.Sample(raw => { seen[(int)resolver.Resolve(raw).Kind]++; }, iter: Iterations, threads: 1);

        foreach (ResolutionKind kind in Enum.GetValues<ResolutionKind>()) Assert.True(seen[(int)kind] >= 10, $"only {seen[(int)kind]} {kind} in {Iterations} paths");
    }

    private PathResolver Resolver(bool serveHidden, bool windowsRules) =>
        new(_site.Root, new[] { "index.html", "index.htm" }, serveHidden, windowsRules);

    private void AssertHolds(PathResolver resolver, byte[] raw, bool serveHidden, bool windowsRules)
    {
        ResolvedPath result = resolver.Resolve(raw); // an exception here fails the property and is shrunk

        Assert.True(Enum.IsDefined(result.Kind), $"undefined kind {(int)result.Kind}");
        switch (result.Kind)
        {
            case ResolutionKind.File:
                AssertInside(result.FullPath, serveHidden, windowsRules);
                Assert.True(File.Exists(result.FullPath), result.FullPath);
                string content = File.ReadAllText(result.FullPath);
                Assert.DoesNotContain(content, ContentsOutside);
                if (windowsRules) Assert.NotEqual("WINDOWS-ALIAS", content);
                Assert.Equal("", result.Location);
                break;
            case ResolutionKind.Folder:
                AssertInside(result.FullPath, serveHidden, windowsRules);
                Assert.True(Directory.Exists(result.FullPath), result.FullPath);
                Assert.Equal("", result.Location);
                break;
            case ResolutionKind.RedirectToFolder:
                AssertInside(result.FullPath, serveHidden, windowsRules);
                Assert.True(Directory.Exists(result.FullPath), result.FullPath);
                Assert.StartsWith("/", result.Location);
                Assert.EndsWith("/", result.Location);
                Assert.True(Ascii.IsValid(result.Location), result.Location);
                Assert.False(result.Location.StartsWith("//", StringComparison.Ordinal), result.Location);
                Assert.DoesNotContain("\\", result.Location);
                // The Location must lead where the redirect said: asked for, it gives that folder or its default document.
                ResolvedPath followed = resolver.Resolve(Encoding.ASCII.GetBytes(result.Location));
                Assert.True(followed.Kind is ResolutionKind.File or ResolutionKind.Folder, $"{result.Location} → {followed.Kind}");
                Assert.Equal(result.FullPath, followed.Kind == ResolutionKind.Folder ? followed.FullPath : Path.GetDirectoryName(followed.FullPath));
                break;
            default:
                Assert.Equal("", result.FullPath);
                Assert.Equal("", result.Location);
                break;
        }
    }

    /// <summary>Inside the root once every link is followed; no hidden segment unless served; no Windows alias when the rules are on.</summary>
    private void AssertInside(string fullPath, bool serveHidden, bool windowsRules)
    {
        Assert.True(Path.IsPathFullyQualified(fullPath), fullPath);
        string? real = RealPath.Of(fullPath);
        Assert.NotNull(real);
        Assert.True(RealPath.IsWithin(real!, _realRoot), $"{fullPath} is really {real}, outside {_realRoot}");

        string relative = Path.GetRelativePath(_site.Root, fullPath);
        if (relative == ".") return;
        foreach (string segment in relative.Split(Path.DirectorySeparatorChar))
        {
            Assert.NotEqual("..", segment);
            if (!serveHidden) Assert.False(segment.StartsWith('.'), $"hidden segment in {fullPath}");
            if (windowsRules) Assert.Null(WindowsPathRules.Refusal(segment));
        }
    }

    private static string Show(byte[] raw) => Encoding.Latin1.GetString(raw).Replace("\0", "\\0");
}
