using System;
using System.IO;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class PathResolverHiddenAndLinkTests : IClassFixture<SiteFixture>
{
    private readonly SiteFixture _site;

    public PathResolverHiddenAndLinkTests(SiteFixture site)
    {
        _site = site;
    }

    private ResolvedPath Resolve(string raw, bool serveHidden = false, string? root = null) =>
        new PathResolver(root ?? _site.Root, new[] { "index.html", "index.htm" }, serveHidden).Resolve(Encoding.Latin1.GetBytes(raw));

    [Theory]
    [InlineData("/.hidden.txt")]
    [InlineData("/%2ehidden.txt")]
    [InlineData("/.git/config")]
    [InlineData("/.git/")]
    [InlineData("/.git")]
    [InlineData("/%2Egit/config")]
    [InlineData("/sub/.env")]
    [InlineData("/sub/%2eenv")]
    [InlineData("/sub/../.hidden.txt")]
    [InlineData("/.well-known/x")]
    public void DotfilesAndDotFolders_AreNotFound(string raw)
    {
        Assert.Equal(ResolutionKind.NotFound, Resolve(raw).Kind);
    }

    [Theory]
    [InlineData("/.hidden.txt", ".hidden.txt")]
    [InlineData("/.git/config", ".git/config")]
    [InlineData("/sub/.env", "sub/.env")]
    public void Dotfiles_AreServedWhenAskedFor(string raw, string relative)
    {
        ResolvedPath result = Resolve(raw, serveHidden: true);

        Assert.Equal(ResolutionKind.File, result.Kind);
        Assert.Equal(Path.Combine(_site.Root, relative), result.FullPath);
    }

    [Fact]
    public void ServeHidden_StillRefusesTraversal()
    {
        Assert.Equal(ResolutionKind.BadRequest, Resolve("/../secret.txt", serveHidden: true).Kind);
        Assert.Equal(ResolutionKind.BadRequest, Resolve("/%2e%2e/secret.txt", serveHidden: true).Kind);
    }

    [Theory]
    [InlineData("/link-out.txt")]
    [InlineData("/link-out-abs.txt")]
    [InlineData("/linkdir-out/o.txt")]
    [InlineData("/linkdir-out/")]
    [InlineData("/linkdir-out")]
    [InlineData("/link-loop-a")]
    public void LinksLeadingOutOfTheRoot_AreNotFound(string raw)
    {
        Assert.True(_site.LinksSupported, "symbolic links could not be made here");

        ResolvedPath result = Resolve(raw);

        Assert.Equal(ResolutionKind.NotFound, result.Kind);
    }

    [Fact]
    public void DefaultDocumentThatLinksOut_IsNotServed()
    {
        Assert.True(_site.LinksSupported, "symbolic links could not be made here");

        ResolvedPath result = Resolve("/outdoc/");

        Assert.Equal(ResolutionKind.Folder, result.Kind);
    }

    [Theory]
    [InlineData("/link-in.txt")]
    [InlineData("/linkdir-in/b.txt")]
    [InlineData("/link-round.txt")]
    public void LinksInsideTheRoot_AreServed(string raw)
    {
        Assert.True(_site.LinksSupported, "symbolic links could not be made here");

        ResolvedPath result = Resolve(raw);

        Assert.Equal(ResolutionKind.File, result.Kind);
    }

    [Fact]
    public void RootGivenThroughALink_ServesItsFiles_AndStillRefusesLinksOut()
    {
        Assert.True(_site.LinksSupported, "symbolic links could not be made here");
        string linkedRoot = Path.Combine(_site.Base, "root-link");

        Assert.Equal(ResolutionKind.File, Resolve("/a.txt", root: linkedRoot).Kind);
        Assert.Equal(ResolutionKind.File, Resolve("/", root: linkedRoot).Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve("/link-out.txt", root: linkedRoot).Kind);
        Assert.Equal(ResolutionKind.NotFound, Resolve("/linkdir-out/o.txt", root: linkedRoot).Kind);
    }

    [Fact]
    public void RealPath_FollowsLinks()
    {
        Assert.True(_site.LinksSupported, "symbolic links could not be made here");

        Assert.Equal(_site.Secret, RealPath.Of(Path.Combine(_site.Root, "link-out.txt")));
        Assert.Equal(Path.Combine(_site.Outside, "o.txt"), RealPath.Of(Path.Combine(_site.Root, "linkdir-out", "o.txt")));
        Assert.Null(RealPath.Of(Path.Combine(_site.Root, "link-loop-a")));
        Assert.True(RealPath.IsWithin(Path.Combine(_site.Root, "a.txt"), _site.Root));
        Assert.False(RealPath.IsWithin(Path.Combine(_site.Base, "root-evil", "x.txt"), _site.Root));
    }
}
