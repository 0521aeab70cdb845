using System;
using System.Collections.Generic;
using System.IO;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// StaticServer.Start refuses options that would break responses, before it binds a port: headers the server
/// computes itself (framing, validators), default documents that are not file names, a Cache-Control that could
/// split a response, and a 404 page that is not an existing file given by its full path.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class OptionsValidationTests : IDisposable
{
    private readonly TempFolder _site = new();

    public OptionsValidationTests()
    {
        _site.File("a.txt", "A");
    }

    public void Dispose() => _site.Dispose();

    private StaticServerOptions Options(
        IReadOnlyList<KeyValuePair<string, string>>? headers = null,
        IReadOnlyList<string>? defaultDocuments = null,
        string? cacheControl = null,
        string? notFoundPage = null) => new()
    {
        Root = _site.Path,
        Port = 0,
        Name = "review",
        Headers = headers ?? Array.Empty<KeyValuePair<string, string>>(),
        DefaultDocuments = defaultDocuments ?? new[] { "index.html" },
        CacheControl = cacheControl ?? "no-cache",
        NotFoundPage = notFoundPage,
    };

    /// <summary>Starts a server with <paramref name="options"/>; any server that did start is stopped again at once.</summary>
    private static Exception? StartError(StaticServerOptions options)
    {
        StaticServer? started = null;
        Exception? error = Record.Exception(() => started = StaticServer.Start(options));
        started?.Stop(TimeSpan.Zero);
        return error;
    }

    private static KeyValuePair<string, string>[] Header(string name, string value) => new[] { new KeyValuePair<string, string>(name, value) };

    [Theory]
    [InlineData("Content-Length")]
    [InlineData("content-length")]
    [InlineData("CONTENT-LENGTH")]
    [InlineData("Transfer-Encoding")]
    [InlineData("transfer-encoding")]
    [InlineData("Connection")]
    [InlineData("connection")]
    [InlineData("CoNnEcTiOn")]
    [InlineData("Keep-Alive")]
    [InlineData("Content-Encoding")]
    [InlineData("Content-Range")]
    [InlineData("ETag")]
    [InlineData("Date")]
    public void ServerOwnedHeader_IsRefused(string name)
    {
        Exception? error = StartError(Options(headers: Header(name, "5")));

        ArgumentException refused = Assert.IsType<ArgumentException>(error);
        Assert.Contains(name, refused.Message);
    }

    [Fact]
    public void OrdinaryHeader_IsAccepted()
    {
        // The control: a header the server does not set itself still starts a server.
        Assert.Null(StartError(Options(headers: Header("X-Frame-Options", "DENY"))));
        Assert.Null(StartError(Options(headers: Header("Content-Security-Policy", "default-src 'self'"))));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData("..")]
    [InlineData(".")]
    public void DefaultDocument_ThatIsNotAFileName_IsRefused(string document)
    {
        Exception? error = StartError(Options(defaultDocuments: new[] { "index.html", document }));

        Assert.IsType<ArgumentException>(error);
    }

    [Theory]
    [InlineData("no-cache\r\nX-Evil: 1")]
    [InlineData("no-cache\nX-Evil: 1")]
    [InlineData("no-cache\rX-Evil: 1")]
    public void CacheControl_WithALineBreak_IsRefused(string value)
    {
        Assert.IsType<ArgumentException>(StartError(Options(cacheControl: value)));
    }

    [Fact]
    public void NotFoundPage_Relative_IsRefused()
    {
        _site.File("404.html", "<h1>gone</h1>");

        Assert.IsType<ArgumentException>(StartError(Options(notFoundPage: "404.html")));
    }

    [Fact]
    public void NotFoundPage_Missing_IsRefused()
    {
        Assert.IsType<ArgumentException>(StartError(Options(notFoundPage: Path.Combine(_site.Path, "no-such-404.html"))));
    }

    [Fact]
    public void NotFoundPage_FullPathOfAnExistingFile_IsAccepted()
    {
        string page = _site.File("404.html", "<h1>gone</h1>");

        Assert.Null(StartError(Options(notFoundPage: page)));
    }
}
