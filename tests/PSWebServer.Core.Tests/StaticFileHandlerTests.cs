using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.StaticFiles;
using PSWebServer.Transport;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="StaticFileHandler"/> without sockets, its response encoded as a connection would: aliases served but
/// not cached, sidecars obeying the root, one whole answer when a file turns unreadable, Vary: Origin on every response.
/// </summary>
public sealed class StaticFileHandlerTests : IDisposable
{
    private const string TextA = "Hello A";
    private readonly TempFolder _site = new();
    private readonly TempFolder _outside = new();

    public StaticFileHandlerTests()
    {
        _site.File("a.txt", TextA);
        _site.File("sub/index.html", "<p>sub</p>");
    }

    public void Dispose()
    {
        _site.Dispose();
        _outside.Dispose();
    }

    private StaticFileHandler Handler(int maxCachedFileBytes = 256 * 1024, IReadOnlyList<string>? corsOrigins = null) =>
        new(_site.Path, new StaticServerOptions
        {
            Root = _site.Path,
            MaxCachedFileBytes = maxCachedFileBytes,
            CorsOrigins = corsOrigins ?? Array.Empty<string>(),
        });

    /// <summary>One response as a handler made it.</summary>
    private sealed record Answer(TestResponse Response, bool BodyFromFile, int LeftoverBytes);

    /// <summary>
    /// Runs one request through the handler and reads what a connection would send: the buffered bytes, then the
    /// file slice the handler chose, if any. <see cref="Answer.LeftoverBytes"/> counts bytes after one whole response.
    /// </summary>
    private static async Task<Answer> RespondAsync(StaticFileHandler handler, string path, params string[] headerLines)
    {
        var text = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: t\r\n");
        foreach (string line in headerLines) text.Append(line).Append("\r\n");
        return await RespondRawAsync(handler, text.Append("\r\n").ToString());
    }

    private static async Task<Answer> RespondRawAsync(StaticFileHandler handler, string raw)
    {
        ParsedRequest request = ParsedRequest.Parse(raw);
        Assert.Equal(ParseStatus.Complete, request.Status);
        var (wire, fromFile) = await HandlerOutput.RunAsync(handler, request);
        byte[] bytes = wire;
        int position = 0;
        var reader = new HttpResponseReader((memory, _) =>
        {
            int n = Math.Min(memory.Length, bytes.Length - position);
            bytes.AsSpan(position, n).CopyTo(memory.Span);
            position += n;
            return new ValueTask<int>(n);
        });
        TestResponse response = await reader.ReadAsync(noBody: request.Head.Method == HttpMethod.Head);
        return new Answer(response, fromFile, reader.Buffered + bytes.Length - position);
    }

    private static string Gunzip(byte[] body)
    {
        using var input = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var text = new StreamReader(input, Encoding.UTF8);
        return text.ReadToEnd();
    }

    private static string[] VaryTokens(TestResponse response) =>
        (response.Header("Vary") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string NotesText(int length)
    {
        var text = new StringBuilder();
        for (int line = 0; text.Length < length; line++) text.Append("note ").Append(line).Append(": the quick brown fox\n");
        return text.ToString(0, length);
    }

    // ---- Other spellings of a path are served, but only the plain one is cached ----

    [Theory]
    [InlineData("/%61.txt")]
    [InlineData("/sub/../a.txt")]
    [InlineData("/./a.txt")]
    public async Task AliasSpelling_IsServed_ButNotEnteredInTheCache(string alias)
    {
        StaticFileHandler handler = Handler();

        // The alias first: before the fix this entered the alias as a cache key.
        Answer first = await RespondAsync(handler, alias);
        Answer plain = await RespondAsync(handler, "/a.txt");
        Answer again = await RespondAsync(handler, alias);

        Assert.Equal((200, TextA), (first.Response.StatusCode, first.Response.BodyText));
        Assert.Equal((200, TextA), (again.Response.StatusCode, again.Response.BodyText));
        Assert.Equal((200, TextA), (plain.Response.StatusCode, plain.Response.BodyText));
        // A cached file's body goes out of memory; a file read from disk goes by sendfile from an open file.
        Assert.False(plain.BodyFromFile, "the plain spelling of a small file is served from the cache");
        Assert.True(first.BodyFromFile, $"'{alias}' was served from the cache: the alias became a cache key");
        Assert.True(again.BodyFromFile, $"'{alias}' was served from the cache the second time");
        Assert.Equal(plain.Response.Header("ETag"), first.Response.Header("ETag")); // same file, same validator
    }

    [Fact]
    public async Task APlainPath_IsStillCached()
    {
        StaticFileHandler handler = Handler();

        Answer first = await RespondAsync(handler, "/sub/index.html");
        Answer second = await RespondAsync(handler, "/sub/index.html");

        Assert.Equal("<p>sub</p>", first.Response.BodyText);
        Assert.False(first.BodyFromFile);
        Assert.False(second.BodyFromFile);
    }

    // ---- A precompressed sidecar is used only when it is inside the root ----

    [Theory]
    [InlineData(256 * 1024)] // notes.txt is small enough for the file cache: the cached file's compressed form
    [InlineData(0)]          // no file cache: the compressed form of a file sent from disk
    public async Task SidecarLinkedOutOfTheRoot_IsIgnored(int maxCachedFileBytes)
    {
        string notes = NotesText(4096);
        string notesPath = _site.File("notes.txt", notes);
        byte[] secret = Encoding.ASCII.GetBytes("OUTSIDE-THE-ROOT-" + Guid.NewGuid().ToString("N"));
        string target = Path.Combine(_outside.Path, "secret.bin");
        File.WriteAllBytes(target, secret);
        File.SetLastWriteTimeUtc(notesPath, DateTime.UtcNow.AddHours(-1)); // the sidecar is the newer: "fresh"
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
        File.CreateSymbolicLink(notesPath + ".gz", target);
        StaticFileHandler handler = Handler(maxCachedFileBytes);

        Answer answer = await RespondAsync(handler, "/notes.txt", "Accept-Encoding: gzip");

        Assert.Equal(200, answer.Response.StatusCode);
        Assert.NotEqual(secret, answer.Response.Body);
        Assert.Equal("gzip", answer.Response.Header("Content-Encoding"));
        Assert.Equal(notes, Gunzip(answer.Response.Body));
    }

    [Theory]
    [InlineData(256 * 1024)]
    [InlineData(0)]
    public async Task FreshSidecarInsideTheRoot_IsServed(int maxCachedFileBytes)
    {
        string notesPath = _site.File("notes.txt", NotesText(4096));
        byte[] sidecar = GzipOf("served from the sidecar\n");
        File.WriteAllBytes(notesPath + ".gz", sidecar);
        File.SetLastWriteTimeUtc(notesPath, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(notesPath + ".gz", DateTime.UtcNow);
        StaticFileHandler handler = Handler(maxCachedFileBytes);

        Answer answer = await RespondAsync(handler, "/notes.txt", "Accept-Encoding: gzip");

        Assert.Equal(200, answer.Response.StatusCode);
        Assert.Equal("gzip", answer.Response.Header("Content-Encoding"));
        Assert.Equal(sidecar, answer.Response.Body);
    }

    [Fact]
    public async Task SidecarLinkedToAFileInsideTheRoot_IsServed()
    {
        // The rule is "inside the root", not "no links": a link that stays inside is followed.
        string notesPath = _site.File("notes.txt", NotesText(4096));
        byte[] sidecar = GzipOf("linked sidecar\n");
        string real = Path.Combine(_site.Path, "sub", "notes.gz.real");
        File.WriteAllBytes(real, sidecar);
        File.SetLastWriteTimeUtc(notesPath, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(real, DateTime.UtcNow);
        File.CreateSymbolicLink(notesPath + ".gz", Path.Combine("sub", "notes.gz.real"));
        StaticFileHandler handler = Handler();

        Answer answer = await RespondAsync(handler, "/notes.txt", "Accept-Encoding: gzip");

        Assert.Equal(sidecar, answer.Response.Body);
    }

    private static byte[] GzipOf(string text)
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return compressed.ToArray();
    }

    // ---- A file that cannot be opened after the head was written: the head is taken back ----

    [Fact]
    public async Task SidecarTurnedUnreadableAfterSelection_GivesOneWholeErrorResponse_NotA200HeadFollowedByAnother()
    {
        // A 2 KB file sent from disk, with a gzip sidecar the handler remembers by path and time. The sidecar is then
        // replaced by a folder with the same time: the remembered form still looks current, the head is written,
        // and opening the "file" to send fails. Before the fix the error page followed the 200 head.
        string path = _site.File("page.txt", NotesText(2048));
        byte[] sidecar = GzipOf("sidecar body\n");
        var fileTime = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var sidecarTime = new DateTime(2024, 1, 2, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, fileTime);
        File.WriteAllBytes(path + ".gz", sidecar);
        File.SetLastWriteTimeUtc(path + ".gz", sidecarTime);
        StaticFileHandler handler = Handler(maxCachedFileBytes: 0);

        Answer before = await RespondAsync(handler, "/page.txt", "Accept-Encoding: gzip");
        Assert.Equal(sidecar, before.Response.Body);
        Assert.True(before.BodyFromFile);

        File.Delete(path + ".gz");
        Directory.CreateDirectory(path + ".gz");
        Directory.SetLastWriteTimeUtc(path + ".gz", sidecarTime);
        Answer broken = await RespondAsync(handler, "/page.txt", "Accept-Encoding: gzip");

        Assert.NotEqual(200, broken.Response.StatusCode);
        Assert.Contains(broken.Response.StatusCode, new[] { 403, 404, 500 });
        Assert.Null(broken.Response.Header("Content-Encoding"));
        Assert.Null(broken.Response.Header("ETag"));
        Assert.Equal(0, broken.LeftoverBytes); // exactly one response: no second head after the first
        Assert.False(broken.BodyFromFile);

        Directory.Delete(path + ".gz");
        Answer after = await RespondAsync(handler, "/page.txt", "Accept-Encoding: gzip");
        Assert.Equal(200, after.Response.StatusCode);
        Assert.Equal(NotesText(2048), after.Response.Header("Content-Encoding") == "gzip" ? Gunzip(after.Response.Body) : after.Response.BodyText);
    }

    // ---- Vary: Origin whenever the answer depends on Origin ----

    public static TheoryData<string, int> EveryKindOfResponse() => new()
    {
        { "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200 },
        { "HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200 },
        { "GET /missing.txt HTTP/1.1\r\nHost: t\r\n\r\n", 404 },
        { "GET /sub HTTP/1.1\r\nHost: t\r\n\r\n", 301 },
        { "GET /a.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n", 206 },
        { "GET /a.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: *\r\n\r\n", 304 },
        { "OPTIONS /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200 },
        { "DELETE /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 405 },
    };

    [Theory]
    [MemberData(nameof(EveryKindOfResponse))]
    public async Task CorsOriginList_VaryOrigin_OnEveryResponse_EvenWithoutAnOriginHeader(string raw, int status)
    {
        StaticFileHandler handler = Handler(corsOrigins: new[] { "http://a.test" });

        TestResponse response = (await RespondRawAsync(handler, raw)).Response;

        Assert.Equal(status, response.StatusCode);
        Assert.Single(VaryTokens(response), t => t.Equals("Origin", StringComparison.OrdinalIgnoreCase));
        Assert.Null(response.Header("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task CorsOriginList_ListedAndUnlistedOrigins_BothVary()
    {
        StaticFileHandler handler = Handler(corsOrigins: new[] { "http://a.test", "https://b.test:8443" });

        TestResponse listed = (await RespondAsync(handler, "/a.txt", "Origin: http://a.test")).Response;
        TestResponse other = (await RespondAsync(handler, "/a.txt", "Origin: http://c.test")).Response;

        Assert.Equal("http://a.test", listed.Header("Access-Control-Allow-Origin"));
        Assert.Single(VaryTokens(listed), t => t == "Origin");
        Assert.Null(other.Header("Access-Control-Allow-Origin"));
        Assert.Single(VaryTokens(other), t => t == "Origin");
    }

    [Fact]
    public async Task CorsAnyOrigin_WithoutAnOriginHeader_HasNoAllowOriginAndNoVaryOrigin()
    {
        StaticFileHandler handler = Handler(corsOrigins: new[] { "*" });

        TestResponse plain = (await RespondAsync(handler, "/a.txt")).Response;
        TestResponse cross = (await RespondAsync(handler, "/a.txt", "Origin: http://c.test")).Response;

        Assert.Null(plain.Header("Access-Control-Allow-Origin"));
        Assert.DoesNotContain("Origin", VaryTokens(plain));
        Assert.Equal("*", cross.Header("Access-Control-Allow-Origin"));
        Assert.DoesNotContain("Origin", VaryTokens(cross)); // "*" is the same answer for everyone
    }

    [Fact]
    public async Task NoCors_NoVaryOrigin()
    {
        StaticFileHandler handler = Handler();

        TestResponse response = (await RespondAsync(handler, "/a.txt", "Origin: http://c.test")).Response;

        Assert.DoesNotContain("Origin", VaryTokens(response));
        Assert.Null(response.Header("Access-Control-Allow-Origin"));
    }
}
