using System;
using System.IO;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// PathResolver with the Windows rules switched on, over a real folder on whatever OS runs the tests. On Windows the
/// aliases below would reach real files (a.txt, .git, index.html) through NTFS; elsewhere the folder also holds files
/// literally named like the aliases, so a refusal proves the rule refused, not that nothing was there.
/// </summary>
public sealed class PathResolverWindowsRulesTests : IDisposable
{
    private readonly TempFolder _site = new();

    public PathResolverWindowsRulesTests()
    {
        _site.File("a.txt", "A");
        _site.File("index.html", "<h1>home</h1>");
        _site.File(".git/config", "[core]");
        _site.File(".hidden.txt", "HIDDEN");
        _site.File("sub/b.txt", "B");
        _site.File("a b/c.txt", "C");
        _site.File("caf\u00e9.txt", "CAFE");
        _site.File("~user/x.txt", "X");
        _site.File("backup~old.txt", "OLD");
        if (!OperatingSystem.IsWindows())
        {
            foreach (string literal in LiteralAliases) _site.File(literal, "LITERAL");
        }
    }

    /// <summary>Names Linux can hold and Windows reads as something else; each is asked for below.</summary>
    private static readonly string[] LiteralAliases =
    {
        "a.txt.", "a.txt ", "a.txt::$DATA", "a.txt:x", "nul", "NUL.txt", "aux.txt", "CON", "com1", "LPT\u00b9.txt",
        "conin$", "INDEX~1.HTM", "GIT~1/config", "HIDDEN~1.TXT", "q?x", "star*", "sub./b.txt", "... /x.txt",
    };

    private PathResolver Resolver(bool windowsRules, bool serveHidden = false) =>
        new(_site.Path, new[] { "index.html" }, serveHidden, windowsRules);

    private static ResolvedPath Resolve(PathResolver resolver, string raw) => resolver.Resolve(Encoding.Latin1.GetBytes(raw));

    public void Dispose() => _site.Dispose();

    [Theory]
    [InlineData("/a.txt.")]
    [InlineData("/a.txt%20")]
    [InlineData("/a.txt.%20.")]
    [InlineData("/sub./b.txt")]
    [InlineData("/sub%20/b.txt")]
    [InlineData("/a.txt::$DATA")]
    [InlineData("/a.txt::$data")]
    [InlineData("/a.txt%3a%3a$DATA")]
    [InlineData("/a.txt:x")]
    [InlineData("/sub::$INDEX_ALLOCATION/b.txt")]
    [InlineData("/nul")]
    [InlineData("/NUL.txt")]
    [InlineData("/aux.txt")]
    [InlineData("/sub/aux.txt")]
    [InlineData("/CON")]
    [InlineData("/com1")]
    [InlineData("/LPT%C2%B9.txt")]
    [InlineData("/conin$")]
    [InlineData("/CONOUT$")]
    [InlineData("/INDEX~1.HTM")]
    [InlineData("/index~1.htm")]
    [InlineData("/GIT~1/config")]
    [InlineData("/git~1/config")]
    [InlineData("/HIDDEN~1.TXT")]
    [InlineData("/q%3Fx")]
    [InlineData("/star%2A")]
    [InlineData("/a%3Cb")]
    [InlineData("/a%7Cb")]
    [InlineData("/a%22b")]
    [InlineData("/a%01b")]
    public void WindowsAliasesAndDevices_AreNotFound(string raw)
    {
        ResolvedPath result = Resolve(Resolver(windowsRules: true), raw);

        Assert.Equal(ResolutionKind.NotFound, result.Kind);
        Assert.Equal("", result.FullPath);
    }

    [Theory]
    [InlineData("/...")]
    [InlineData("/.../a.txt")]
    [InlineData("/... /x.txt")]
    [InlineData("/sub/..%20/a.txt")]
    [InlineData("/sub/.%20/b.txt")]
    [InlineData("/sub/%20/b.txt")]
    [InlineData("/%2e%2e%2e/a.txt")]
    [InlineData("/sub/.. /../a.txt")]
    public void ClimbsInDisguise_AreBadRequest(string raw)
    {
        ResolvedPath result = Resolve(Resolver(windowsRules: true, serveHidden: true), raw);

        Assert.Equal(ResolutionKind.BadRequest, result.Kind);
    }

    [Theory]
    [InlineData("/a.txt.")]
    [InlineData("/a.txt::$DATA")]
    [InlineData("/nul")]
    [InlineData("/aux.txt")]
    [InlineData("/INDEX~1.HTM")]
    [InlineData("/GIT~1/config")]
    [InlineData("/q%3Fx")]
    [InlineData("/sub./b.txt")]
    public void TheSameNames_AreFilesWithoutTheWindowsRules(string raw)
    {
        if (OperatingSystem.IsWindows()) return; // these literal names cannot be made here; the pure tests cover the rule

        ResolvedPath result = Resolve(Resolver(windowsRules: false), raw);

        Assert.Equal(ResolutionKind.File, result.Kind);
        Assert.Equal("LITERAL", File.ReadAllText(result.FullPath));
    }

    [Theory]
    [InlineData("/.GIT/config")]
    [InlineData("/.Git/config")]
    [InlineData("/%2EGIT/config")]
    [InlineData("/.git./config")]
    [InlineData("/.git%20/config")]
    [InlineData("/.git::$INDEX_ALLOCATION/config")]
    [InlineData("/GIT~1/config")]
    [InlineData("/.HIDDEN.TXT")]
    [InlineData("/.hidden.txt.")]
    [InlineData("/.hidden.txt::$DATA")]
    [InlineData("/HIDDEN~1.TXT")]
    public void HiddenNames_InAnyCaseOrAlias_AreNotFound(string raw)
    {
        ResolvedPath result = Resolve(Resolver(windowsRules: true), raw);

        Assert.Equal(ResolutionKind.NotFound, result.Kind);
    }

    [Theory]
    [InlineData("/a.txt", "a.txt")]
    [InlineData("/", "index.html")]
    [InlineData("/sub/b.txt", "sub/b.txt")]
    [InlineData("/a%20b/c.txt", "a b/c.txt")]
    [InlineData("/caf%C3%A9.txt", "caf\u00e9.txt")]
    [InlineData("/~user/x.txt", "~user/x.txt")]
    [InlineData("/backup~old.txt", "backup~old.txt")]
    [InlineData("/sub/../a.txt", "a.txt")]
    [InlineData("/./a.txt", "a.txt")]
    public void OrdinaryPaths_StillResolve(string raw, string relative)
    {
        ResolvedPath result = Resolve(Resolver(windowsRules: true), raw);

        Assert.Equal(ResolutionKind.File, result.Kind);
        Assert.Equal(Path.Combine(_site.Path, relative), result.FullPath);
    }

    [Fact]
    public void ServeHidden_ServesDotfiles_ButNotTheirAliases()
    {
        PathResolver resolver = Resolver(windowsRules: true, serveHidden: true);

        Assert.Equal(ResolutionKind.File, Resolve(resolver, "/.git/config").Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve(resolver, "/GIT~1/config").Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve(resolver, "/.git./config").Kind);
    }

    [Fact]
    public void FolderWithTrailingDot_IsNotRedirected()
    {
        // Without the rule Windows would open "sub" and the redirect would name "/sub./" as a real folder.
        Assert.Equal(ResolutionKind.RedirectToFolder, Resolve(Resolver(windowsRules: true), "/sub").Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve(Resolver(windowsRules: true), "/sub.").Kind);
    }

    [Fact]
    public void DefaultIsTheRunningOs()
    {
        var resolver = new PathResolver(_site.Path, new[] { "index.html" }, serveHidden: false);

        ResolvedPath result = Resolve(resolver, "/aux.txt");

        if (OperatingSystem.IsWindows()) Assert.Equal(ResolutionKind.NotFound, result.Kind);
        else Assert.Equal(ResolutionKind.File, result.Kind);
    }
}
