using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Range requests end to end through the connection loop, for a cached file and for one sent from disk.</summary>
public sealed class StaticFileHandlerRangeTests : IDisposable
{
    private readonly ConnectionHarness _h = new();
    private readonly byte[] _small;

    public StaticFileHandlerRangeTests()
    {
        _small = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 200).Select(i => (char)('a' + i % 26))));
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(_h.Site.Path, "small.bin"), _small);
    }

    public void Dispose() => _h.Dispose();

    private static string Get(string path, string extra) => "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";

    private byte[] Content(string path) => path == "/big.bin" ? _h.Big : _small;

    [Theory]
    [InlineData("/small.bin")]
    [InlineData("/big.bin")]
    public async Task SingleRange_Is206_WithThoseBytes(string path)
    {
        var (t, loop) = _h.Open();
        long length = Content(path).LongLength;

        t.Send(Get(path, "Range: bytes=10-19\r\n") + Get(path, "Range: bytes=-5\r\n") + Get(path, ""));
        TestResponse first = await t.Client.ReadAsync();
        TestResponse suffix = await t.Client.ReadAsync();
        TestResponse whole = await t.Client.ReadAsync();

        Assert.Equal(206, first.StatusCode);
        Assert.Equal("bytes 10-19/" + length.ToString(CultureInfo.InvariantCulture), first.Header("Content-Range"));
        Assert.Equal(Content(path).AsSpan(10, 10).ToArray(), first.Body);
        Assert.Equal(206, suffix.StatusCode);
        Assert.Equal(Content(path).AsSpan((int)length - 5).ToArray(), suffix.Body);
        Assert.Equal(200, whole.StatusCode);
        Assert.Equal("bytes", whole.Header("Accept-Ranges"));
        Assert.Equal(length, whole.Body.LongLength);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("/small.bin")]
    [InlineData("/big.bin")]
    public async Task SeveralRanges_AreMultipart_AndFramedExactly(string path)
    {
        var (t, loop) = _h.Open();
        byte[] content = Content(path);

        t.Send(Get(path, "Range: bytes=0-4,150-159\r\n") + Get("/a.txt", ""));
        TestResponse multi = await t.Client.ReadAsync();
        TestResponse next = await t.Client.ReadAsync(); // garbage here if the multipart length were wrong

        Assert.Equal(206, multi.StatusCode);
        string type = multi.Header("Content-Type")!;
        Assert.StartsWith("multipart/byteranges; boundary=", type);
        string boundary = type.Substring(type.IndexOf('=') + 1);
        string body = Encoding.Latin1.GetString(multi.Body);
        Assert.Contains("--" + boundary + "\r\n", body);
        Assert.EndsWith("\r\n--" + boundary + "--\r\n", body);
        Assert.Contains("Content-Range: bytes 0-4/" + content.Length.ToString(CultureInfo.InvariantCulture) + "\r\n\r\n" + Encoding.Latin1.GetString(content, 0, 5), body);
        Assert.Contains("Content-Range: bytes 150-159/" + content.Length.ToString(CultureInfo.InvariantCulture) + "\r\n\r\n" + Encoding.Latin1.GetString(content, 150, 10), body);
        Assert.Equal(ConnectionHarness.TextA, next.BodyText);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("/small.bin")]
    [InlineData("/big.bin")]
    public async Task RangeBeyondTheEnd_Is416_WithTheLength(string path)
    {
        var (t, loop) = _h.Open();

        t.Send(Get(path, "Range: bytes=999999999-\r\n"));
        TestResponse r = await t.Client.ReadAsync();

        Assert.Equal(416, r.StatusCode);
        Assert.Equal("bytes */" + Content(path).Length.ToString(CultureInfo.InvariantCulture), r.Header("Content-Range"));
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task IfRange_WithTheCurrentTag_Is206_WithAnOldOne_IsTheWhole()
    {
        var (t, loop) = _h.Open();
        t.Send(Get("/small.bin", ""));
        string etag = (await t.Client.ReadAsync()).Header("ETag")!;

        t.Send(Get("/small.bin", "Range: bytes=0-1\r\nIf-Range: " + etag + "\r\n")
            + Get("/small.bin", "Range: bytes=0-1\r\nIf-Range: \"old\"\r\n")
            + Get("/small.bin", "Range: bytes=0-1\r\nIf-Range: W/" + etag + "\r\n"));

        Assert.Equal(206, (await t.Client.ReadAsync()).StatusCode);
        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);
        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task MalformedRange_GetsTheWholeFile()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/small.bin", "Range: bytes=9-1\r\n") + Get("/small.bin", "Range: pages=1\r\n"));

        Assert.Equal(_small, (await t.Client.ReadAsync()).Body);
        Assert.Equal(_small, (await t.Client.ReadAsync()).Body);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RangeOnHead_IsIgnored()
    {
        var (t, loop) = _h.Open();

        t.Send("HEAD /small.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1\r\n\r\n" + Get("/a.txt", ""));
        TestResponse head = await t.Client.ReadAsync(noBody: true);

        Assert.Equal(200, head.StatusCode);
        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        t.CloseClientSend();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
