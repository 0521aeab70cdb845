using PSWebServer.StaticFiles;
using Xunit;

namespace PSWebServer.Tests;

public sealed class ContentTypeMapTests
{
    [Theory]
    [InlineData("index.html", "text/html; charset=utf-8")]
    [InlineData("page.htm", "text/html; charset=utf-8")]
    [InlineData("site.css", "text/css; charset=utf-8")]
    [InlineData("app.js", "text/javascript; charset=utf-8")]
    [InlineData("mod.mjs", "text/javascript; charset=utf-8")]
    [InlineData("data.json", "application/json; charset=utf-8")]
    [InlineData("notes.txt", "text/plain; charset=utf-8")]
    [InlineData("readme.md", "text/markdown; charset=utf-8")]
    [InlineData("feed.xml", "application/xml; charset=utf-8")]
    [InlineData("logo.svg", "image/svg+xml; charset=utf-8")]
    [InlineData("script.ps1", "text/plain; charset=utf-8")]
    [InlineData("pic.png", "image/png")]
    [InlineData("pic.jpg", "image/jpeg")]
    [InlineData("pic.jpeg", "image/jpeg")]
    [InlineData("anim.gif", "image/gif")]
    [InlineData("pic.webp", "image/webp")]
    [InlineData("favicon.ico", "image/x-icon")]
    [InlineData("font.woff2", "font/woff2")]
    [InlineData("mod.wasm", "application/wasm")]
    [InlineData("doc.pdf", "application/pdf")]
    [InlineData("clip.mp4", "video/mp4")]
    [InlineData("song.mp3", "audio/mpeg")]
    [InlineData("archive.zip", "application/zip")]
    [InlineData("archive.tar.gz", "application/gzip")]
    public void KnownExtension_HasItsType(string path, string type)
    {
        Assert.Equal(type, ContentTypeMap.For(path));
    }

    [Theory]
    [InlineData("PAGE.HTML", "text/html; charset=utf-8")]
    [InlineData("Pic.PnG", "image/png")]
    public void Extension_IsMatchedIgnoringCase(string path, string type)
    {
        Assert.Equal(type, ContentTypeMap.For(path));
    }

    [Theory]
    [InlineData("Makefile")]
    [InlineData("file.unknownext")]
    [InlineData("dir.d/noext")]
    [InlineData("trailing.")]
    [InlineData("")]
    [InlineData("program.exe")]
    public void UnknownOrMissingExtension_IsOctetStream(string path)
    {
        Assert.Equal("application/octet-stream", ContentTypeMap.For(path));
    }

    [Fact]
    public void FullPaths_UseOnlyTheFileName()
    {
        Assert.Equal("image/png", ContentTypeMap.For("/srv/www.site.html/img/a.png"));
        Assert.Equal("application/octet-stream", ContentTypeMap.For("/srv/site.html/README"));
    }

    [Theory]
    [InlineData("text/html; charset=utf-8", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("image/svg+xml; charset=utf-8", true)]
    [InlineData("image/png", false)]
    [InlineData("application/zip", false)]
    [InlineData("video/mp4", false)]
    public void Compressible_IsTextLikeOnly(string type, bool compressible)
    {
        Assert.Equal(compressible, ContentTypeMap.IsCompressible(type));
    }
}
