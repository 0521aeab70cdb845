using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// What the handler answers on an event-loop thread (<see cref="StaticFileHandler.TryHandle"/>) and what it leaves for
/// the thread pool: only memory on the loop; the disk, first compressions and listings off it.
/// </summary>
public sealed class StaticFileHandlerLoopTests : IDisposable
{
    private readonly TempFolder _site = new();
    private readonly ManualTimeProvider _clock = new();

    public StaticFileHandlerLoopTests()
    {
        _site.File("a.txt", "Hello A");
        _site.File("app.js", new string('x', 4000) + "console.log(1);\n");
    }

    public void Dispose() => _site.Dispose();

    private StaticFileHandler Handler(bool browse = false) =>
        new(_site.Path, new StaticServerOptions { Root = _site.Path, Browse = browse }, _clock);

    private static HttpRequest Request(string path, params string[] headerLines)
    {
        var text = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: t\r\n");
        foreach (string line in headerLines) text.Append(line).Append("\r\n");
        ParsedRequest parsed = ParsedRequest.Parse(text.Append("\r\n").ToString());
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        return new HttpRequest(parsed.Head) { Bytes = parsed.Bytes };
    }

    private static void AssertUntouched(HttpResponse response)
    {
        Assert.Equal(0, response.StatusCode);
        Assert.Equal(0, response.BlockCount);
        Assert.Equal(0, response.Headers.Count);
        Assert.Equal(BodyKind.None, response.Body);
    }

    private static async Task<int> OffLoopAsync(StaticFileHandler handler, HttpRequest request)
    {
        using var response = new HttpResponse();
        await handler.HandleAsync(request, response, CancellationToken.None);
        return response.StatusCode;
    }

    [Fact]
    public async Task ColdFile_IsLeftForThePool_ThenAHit_IsAnsweredOnTheLoop_FromMemory()
    {
        StaticFileHandler handler = Handler();
        using var response = new HttpResponse();

        Assert.False(handler.TryHandle(Request("/a.txt"), response));
        AssertUntouched(response);

        Assert.Equal(200, await OffLoopAsync(handler, Request("/a.txt")));
        Assert.True(handler.TryHandle(Request("/a.txt"), response));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(BodyKind.Bytes, response.Body);
        Assert.Equal("Hello A", Encoding.ASCII.GetString(response.BodyBytes.Span));
    }

    [Fact]
    public async Task AHit_DueForItsOnceASecondCheck_GoesOffTheLoop_ToLookAtTheDisk()
    {
        StaticFileHandler handler = Handler();
        await OffLoopAsync(handler, Request("/a.txt"));
        using var response = new HttpResponse();

        _clock.Advance(TimeSpan.FromMilliseconds(FileCache.RecheckMilliseconds + 1));

        Assert.False(handler.TryHandle(Request("/a.txt"), response));
        AssertUntouched(response);
        Assert.Equal(200, await OffLoopAsync(handler, Request("/a.txt"))); // revalidated: unchanged
        Assert.True(handler.TryHandle(Request("/a.txt"), response));
    }

    [Fact]
    public async Task AMissingPath_Is404OnTheLoop_ForASecond_ThenLookedUpAgain()
    {
        StaticFileHandler handler = Handler();
        using var response = new HttpResponse();

        Assert.False(handler.TryHandle(Request("/later.txt"), response));
        Assert.Equal(404, await OffLoopAsync(handler, Request("/later.txt")));
        Assert.True(handler.TryHandle(Request("/later.txt"), response));
        Assert.Equal(404, response.StatusCode);

        _site.File("later.txt", "now here");
        response.Reset();
        _clock.Advance(TimeSpan.FromMilliseconds(FileCache.RecheckMilliseconds + 1));
        Assert.False(handler.TryHandle(Request("/later.txt"), response));
        Assert.Equal(200, await OffLoopAsync(handler, Request("/later.txt")));
    }

    [Fact]
    public async Task Fifo_Is404_AndThenKnownMissing_OnTheLoop()
    {
        if (!OperatingSystem.IsLinux()) return;
        RegularFileTests.MakeFifo(Path.Combine(_site.Path, "pipe"));
        StaticFileHandler handler = Handler();

        Task<int> first = OffLoopAsync(handler, Request("/pipe"));
        Assert.True(await Task.WhenAny(first, Task.Delay(TimeSpan.FromSeconds(5))) == first, "opening the FIFO blocked");
        Assert.Equal(404, await first);
        using var response = new HttpResponse();
        Assert.True(handler.TryHandle(Request("/pipe"), response));
        Assert.Equal(404, response.StatusCode);
    }

    [Fact]
    public async Task FirstCompression_IsMadeOffTheLoop_ThenServedFromMemory()
    {
        StaticFileHandler handler = Handler();
        await OffLoopAsync(handler, Request("/app.js")); // identity now cached
        using var response = new HttpResponse();

        Assert.False(handler.TryHandle(Request("/app.js", "Accept-Encoding: br"), response));
        AssertUntouched(response);
        Assert.Equal(200, await OffLoopAsync(handler, Request("/app.js", "Accept-Encoding: br")));
        Assert.True(handler.TryHandle(Request("/app.js", "Accept-Encoding: br"), response));
        Assert.Equal("br", response.ContentEncoding);
        Assert.True(response.BodyBytes.Length < 4000);
    }

    [Fact]
    public void ListingsAndRedirects_AreNeverMadeOnTheLoop()
    {
        _site.File("docs/x.txt", "x");
        StaticFileHandler handler = Handler(browse: true);
        using var response = new HttpResponse();

        Assert.False(handler.TryHandle(Request("/docs/"), response));
        Assert.False(handler.TryHandle(Request("/docs"), response));
        AssertUntouched(response);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("DELETE")]
    [InlineData("BREW")]
    public void OtherMethods_Are405_OnTheLoop(string method)
    {
        StaticFileHandler handler = Handler();
        ParsedRequest parsed = ParsedRequest.Parse(method + " /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        using var response = new HttpResponse();

        Assert.True(handler.TryHandle(new HttpRequest(parsed.Head) { Bytes = parsed.Bytes }, response));
        Assert.Equal(405, response.StatusCode);
    }
}
