using System;
using System.IO;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class PathResolverTraversalTests : IClassFixture<SiteFixture>
{
    private readonly SiteFixture _site;
    private readonly PathResolver _resolver;

    public PathResolverTraversalTests(SiteFixture site)
    {
        _site = site;
        _resolver = new PathResolver(site.Root, new[] { "index.html", "index.htm" }, serveHidden: false);
    }

    private ResolvedPath Resolve(string raw) => _resolver.Resolve(Encoding.Latin1.GetBytes(raw));

    [Theory]
    // plain and dotted climbs
    [InlineData("/../secret.txt")]
    [InlineData("/sub/../../secret.txt")]
    [InlineData("/./../secret.txt")]
    [InlineData("/sub/./../../secret.txt")]
    [InlineData("//../secret.txt")]
    [InlineData("/..")]
    [InlineData("/../")]
    [InlineData("/../root-evil/x.txt")]
    [InlineData("/../root/../secret.txt")]
    [InlineData("/sub/../../root/a.txt")]
    // percent-encoded dots
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2E%2E/secret.txt")]
    [InlineData("/.%2e/secret.txt")]
    [InlineData("/%2e./secret.txt")]
    [InlineData("/sub/%2e%2e/%2e%2e/secret.txt")]
    [InlineData("/%2e%2e")]
    // encoded separators
    [InlineData("/..%2fsecret.txt")]
    [InlineData("/..%2Fsecret.txt")]
    [InlineData("/%2e%2e%2fsecret.txt")]
    [InlineData("/sub/..%2f..%2fsecret.txt")]
    [InlineData("/%2f..%2fsecret.txt")]
    [InlineData("/..%5csecret.txt")]
    [InlineData("/..%5Csecret.txt")]
    [InlineData("/sub%5c..%5c..%5csecret.txt")]
    // raw backslashes
    [InlineData("/..\\secret.txt")]
    [InlineData("/sub\\..\\..\\secret.txt")]
    [InlineData("\\..\\secret.txt")]
    // NUL
    [InlineData("/a.txt%00.html")]
    [InlineData("/..%00/secret.txt")]
    [InlineData("/%00")]
    // overlong and invalid UTF-8
    [InlineData("/%c0%ae%c0%ae/secret.txt")]
    [InlineData("/%c0%ae%c0%ae%c0%afsecret.txt")]
    [InlineData("/%e0%80%ae%e0%80%ae/secret.txt")]
    [InlineData("/%c1%9c..%c1%9csecret.txt")]
    [InlineData("/..%c0%afsecret.txt")]
    [InlineData("/%ff%fe")]
    [InlineData("/%ed%a0%80")]
    // malformed escapes
    [InlineData("/%")]
    [InlineData("/%2")]
    [InlineData("/%zz")]
    [InlineData("/%u002e%u002e/secret.txt")]
    [InlineData("/%%32%65%%32%65/secret.txt")]
    // not a path at all
    [InlineData("secret.txt")]
    [InlineData("../secret.txt")]
    public void Traversal_IsBadRequest(string raw)
    {
        ResolvedPath result = Resolve(raw);

        Assert.Equal(ResolutionKind.BadRequest, result.Kind);
    }

    [Theory]
    [InlineData("/%252e%252e/secret.txt")]          // double encoding stays literal: a folder named "%2e%2e"
    [InlineData("/%252e%252e%252fsecret.txt")]
    [InlineData("/..;/secret.txt")]                 // Tomcat-style path parameter is just a name here
    [InlineData("/sub/..;/..;/secret.txt")]
    [InlineData("/....//secret.txt")]
    [InlineData("/.../secret.txt")]
    [InlineData("/.%20./secret.txt")]
    [InlineData("/C:/secret.txt")]
    [InlineData("/secret.txt")]
    [InlineData("/root-evil/x.txt")]
    [InlineData("/sub/../../../../../../../../etc/passwd%20")]
    public void LiteralLookalikes_AreNotFound(string raw)
    {
        ResolvedPath result = Resolve(raw);

        Assert.True(result.Kind is ResolutionKind.NotFound or ResolutionKind.BadRequest, $"{raw} → {result.Kind} {result.FullPath}");
        Assert.NotEqual(ResolutionKind.File, result.Kind);
    }

    [Theory]
    [InlineData("/a.txt", "a.txt")]
    [InlineData("/sub/../a.txt", "a.txt")]
    [InlineData("/./a.txt", "a.txt")]
    [InlineData("//a.txt", "a.txt")]
    [InlineData("/sub//b.txt", "sub/b.txt")]
    [InlineData("/sub/./b.txt", "sub/b.txt")]
    [InlineData("/%61.txt", "a.txt")]
    [InlineData("/a%2etxt", "a.txt")]
    [InlineData("/s%75b/b.txt", "sub/b.txt")]
    [InlineData("/sub/%2e%2e/a.txt", "a.txt")]
    [InlineData("/a%20b/c.txt", "a b/c.txt")]
    public void PathsThatStayInside_ResolveToTheFile(string raw, string relative)
    {
        ResolvedPath result = Resolve(raw);

        Assert.Equal(ResolutionKind.File, result.Kind);
        Assert.Equal(Path.GetFullPath(Path.Combine(_site.Root, relative)), Path.GetFullPath(result.FullPath));
    }

    [Fact]
    public void EveryResolvedFile_InAGeneratedSweep_LiesUnderTheRoot()
    {
        // Combinations of climbing pieces; whatever the resolver makes of them, a File is never outside.
        string[] pieces = { "..", "%2e%2e", ".%2e", "%2e.", ".", "%2e", "sub", "a.txt", "secret.txt", "root", "%2f", "%5c", "", "..;", "%c0%ae" };
        var random = new Random(20240601);
        string realRoot = Path.GetFullPath(_site.Root) + Path.DirectorySeparatorChar;
        for (int i = 0; i < 3000; i++)
        {
            var path = new StringBuilder();
            int count = random.Next(1, 6);
            for (int j = 0; j < count; j++) path.Append('/').Append(pieces[random.Next(pieces.Length)]);
            ResolvedPath result = Resolve(path.ToString());
            if (result.Kind is ResolutionKind.File or ResolutionKind.Folder or ResolutionKind.RedirectToFolder)
            {
                string full = Path.GetFullPath(result.FullPath);
                Assert.True(full.StartsWith(realRoot, StringComparison.Ordinal) || full + Path.DirectorySeparatorChar == realRoot,
                    $"{path} → {result.Kind} {full}");
                Assert.NotEqual(File.ReadAllText(_site.Secret), result.Kind == ResolutionKind.File ? File.ReadAllText(full) : null);
            }
        }
    }
}
