using System;
using System.IO;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class PathResolverFolderTests : IClassFixture<SiteFixture>
{
    private readonly SiteFixture _site;

    public PathResolverFolderTests(SiteFixture site)
    {
        _site = site;
    }

    private ResolvedPath Resolve(string raw, params string[] defaults) =>
        new PathResolver(_site.Root, defaults.Length == 0 ? new[] { "index.html", "index.htm" } : defaults, serveHidden: false)
            .Resolve(Encoding.Latin1.GetBytes(raw));

    [Theory]
    [InlineData("/sub", "/sub/")]
    [InlineData("/empty", "/empty/")]
    [InlineData("/evil.com", "/evil.com/")]
    [InlineData("//evil.com", "/evil.com/")]
    [InlineData("///evil.com", "/evil.com/")]
    [InlineData("/.//evil.com", "/evil.com/")]
    [InlineData("/sub/..//evil.com", "/evil.com/")]
    [InlineData("//sub", "/sub/")]
    [InlineData("/a%20b", "/a%20b/")]
    [InlineData("/a b", "/a%20b/")]
    public void FolderWithoutSlash_RedirectsToOneSlashLocation(string raw, string location)
    {
        ResolvedPath result = Resolve(raw);

        Assert.Equal(ResolutionKind.RedirectToFolder, result.Kind);
        Assert.Equal(location, result.Location);
        Assert.StartsWith("/", result.Location);
        Assert.False(result.Location.StartsWith("//", StringComparison.Ordinal), result.Location);
        Assert.False(result.Location.Contains('\\'), result.Location);
    }

    [Theory]
    [InlineData("//evil.com/")]
    [InlineData("//evil.com/%2e%2e")]
    [InlineData("/%2f%2fevil.com")]
    [InlineData("/%5cevil.com")]
    [InlineData("/\\evil.com")]
    [InlineData("//evil.com%2f")]
    public void NoPath_EverRedirectsToAnotherHost(string raw)
    {
        ResolvedPath result = Resolve(raw);

        if (result.Kind == ResolutionKind.RedirectToFolder)
        {
            Assert.False(result.Location.StartsWith("//", StringComparison.Ordinal), result.Location);
            Assert.False(result.Location.StartsWith("/\\", StringComparison.Ordinal), result.Location);
        }
    }

    [Fact]
    public void FolderNamesNeedingEscapes_AreEscapedInTheLocation()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(Path.Combine(temp.Path, "x#y%z"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "caf\u00e9"));
        var resolver = new PathResolver(temp.Path, new[] { "index.html" }, serveHidden: false);

        ResolvedPath hash = resolver.Resolve("/x%23y%25z"u8);
        ResolvedPath cafe = resolver.Resolve("/caf%C3%A9"u8);

        Assert.Equal(ResolutionKind.RedirectToFolder, hash.Kind);
        Assert.Equal("/x%23y%25z/", hash.Location);
        Assert.Equal(ResolutionKind.RedirectToFolder, cafe.Kind);
        Assert.Equal("/caf%C3%A9/", cafe.Location);
        if (OperatingSystem.IsWindows()) return; // '?' cannot be in a Windows name (and the Windows rules refuse it)

        Directory.CreateDirectory(Path.Combine(temp.Path, "q?x#y"));
        ResolvedPath q = resolver.Resolve("/q%3Fx%23y"u8);
        Assert.Equal(ResolutionKind.RedirectToFolder, q.Kind);
        Assert.Equal("/q%3Fx%23y/", q.Location);
    }

    [Fact]
    public void Root_ServesTheFirstDefaultDocument()
    {
        ResolvedPath result = Resolve("/");

        Assert.Equal(ResolutionKind.File, result.Kind);
        Assert.Equal(Path.Combine(_site.Root, "index.html"), result.FullPath);
    }

    [Fact]
    public void EmptyPath_IsTheRoot()
    {
        Assert.Equal(Path.Combine(_site.Root, "index.html"), Resolve("").FullPath);
    }

    [Fact]
    public void DefaultDocuments_AreTriedInTheGivenOrder()
    {
        using var temp = new TempFolder();
        temp.File("both/index.html", "html");
        temp.File("both/index.htm", "htm");
        temp.File("htm-only/index.htm", "htm");
        string root = temp.Path;

        var htmlFirst = new PathResolver(root, new[] { "index.html", "index.htm" }, serveHidden: false);
        var htmFirst = new PathResolver(root, new[] { "index.htm", "index.html" }, serveHidden: false);

        Assert.Equal(Path.Combine(root, "both", "index.html"), htmlFirst.Resolve("/both/"u8).FullPath);
        Assert.Equal(Path.Combine(root, "both", "index.htm"), htmFirst.Resolve("/both/"u8).FullPath);
        Assert.Equal(Path.Combine(root, "htm-only", "index.htm"), htmlFirst.Resolve("/htm-only/"u8).FullPath);
        Assert.Equal(ResolutionKind.File, htmlFirst.Resolve("/htm-only/"u8).Kind);
    }

    [Fact]
    public void SubfolderWithSlash_ServesItsDefaultDocument()
    {
        ResolvedPath result = Resolve("/sub/");

        Assert.Equal(ResolutionKind.File, result.Kind);
        Assert.Equal(Path.Combine(_site.Root, "sub", "index.htm"), result.FullPath);
    }

    [Fact]
    public void FolderWithoutDefaultDocument_IsFolder()
    {
        ResolvedPath result = Resolve("/empty/");

        Assert.Equal(ResolutionKind.Folder, result.Kind);
        Assert.Equal(Path.Combine(_site.Root, "empty"), result.FullPath);
    }

    [Fact]
    public void NoDefaultDocuments_MakesEveryFolderAFolder()
    {
        var resolver = new PathResolver(_site.Root, Array.Empty<string>(), serveHidden: false);

        Assert.Equal(ResolutionKind.Folder, resolver.Resolve("/"u8).Kind);
        Assert.Equal(ResolutionKind.Folder, resolver.Resolve("/sub/"u8).Kind);
    }

    [Fact]
    public void MissingFile_IsNotFound()
    {
        Assert.Equal(ResolutionKind.NotFound, Resolve("/nope.txt").Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve("/nope/").Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve("/sub/nope").Kind);
    }
}
