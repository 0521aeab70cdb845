using System;
using System.Linq;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class Http1ConnectionTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ConnectionHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Get(string path, string extra = "") => "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";

    private async Task EndsAsync(MemoryTransport transport, Task loop)
    {
        transport.CloseClientSend();
        await loop.WaitAsync(Bound);
        Assert.True(transport.Disposed);
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public async Task KeepAlive_SeveralRequests_OnOneConnection()
    {
        var (t, loop) = _h.Open();

        for (int i = 0; i < 3; i++)
        {
            t.Send(Get("/a.txt"));
            TestResponse r = await t.Client.ReadAsync();
            Assert.Equal(200, r.StatusCode);
            Assert.Equal(ConnectionHarness.TextA, r.BodyText);
            Assert.False(r.SaysClose);
        }

        Assert.False(loop.IsCompleted);
        Assert.False(t.Disposed);
        Assert.Equal(1, _h.Manager.Count);
        await EndsAsync(t, loop);
        Assert.Equal(3, _h.Statistics.RequestCount);
    }

    [Fact]
    public async Task Pipelined_ThreeRequests_AnsweredInOrder_InOneSend()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        t.Send(Get("/a.txt") + Get("/missing.txt") + Get("/sub/"));

        TestResponse first = await t.Client.ReadAsync();
        TestResponse second = await t.Client.ReadAsync();
        TestResponse third = await t.Client.ReadAsync();
        Assert.Equal(200, first.StatusCode);
        Assert.Equal(ConnectionHarness.TextA, first.BodyText);
        Assert.Equal(404, second.StatusCode);
        Assert.Equal(200, third.StatusCode);
        Assert.Equal("<p>sub</p>", third.BodyText);
        Assert.Equal(1, t.SendCalls);
        Assert.Equal(new[] { "/a.txt", "/missing.txt", "/sub/" }, _h.Log.ReadAll().Select(r => r.Path));
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Pipelined_WithAFileBodyInTheMiddle_KeepsOrderAndFraming()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/a.txt") + Get("/big.bin") + Get("/a.txt"));

        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        TestResponse big = await t.Client.ReadAsync();
        Assert.Equal(200, big.StatusCode);
        Assert.Equal(_h.Big, big.Body);
        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        Assert.Equal(0, t.Client.Buffered);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Pipelined_ManyRequestsInOneBurst_AllAnsweredInOrder()
    {
        // More requests than fit the input buffer, more answers than fit one flush: heads straddle buffer refills.
        const int count = 600;
        var (t, loop) = _h.Open();
        var burst = new System.Text.StringBuilder();
        for (int i = 0; i < count; i++) burst.Append(Get(i % 2 == 0 ? "/a.txt?n=" + i : "/sub/?n=" + i));

        t.Send(burst.ToString());

        for (int i = 0; i < count; i++)
        {
            TestResponse r = await t.Client.ReadAsync();
            Assert.Equal(200, r.StatusCode);
            Assert.Equal(i % 2 == 0 ? ConnectionHarness.TextA : "<p>sub</p>", r.BodyText);
        }
        Assert.Equal(count, _h.Statistics.RequestCount);
        var log = _h.Log.ReadAll();
        Assert.Equal("n=" + (count - 1), log[log.Count - 1].Query);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Pipelined_RequestSplitAcrossWrites_IsAnsweredOnce()
    {
        var (t, loop) = _h.Open();
        string both = Get("/a.txt") + Get("/sub/");
        int cut = both.Length - 7;

        t.Send(both.Substring(0, cut));
        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);
        await t.WaitForReceiveCallsAsync(2);
        t.Send(both.Substring(cut));
        Assert.Equal("<p>sub</p>", (await t.Client.ReadAsync()).BodyText);
        Assert.Equal(2, _h.Log.Count);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Http10_WithoutKeepAlive_GetsAnAnswerAndTheConnectionCloses()
    {
        var (t, loop) = _h.Open();

        t.Send("GET /a.txt HTTP/1.0\r\n\r\n");
        TestResponse r = await t.Client.ReadAsync();

        Assert.Equal(200, r.StatusCode);
        Assert.StartsWith("HTTP/1.1 200", r.StatusLine);
        Assert.Equal(ConnectionHarness.TextA, r.BodyText);
        Assert.True(r.SaysClose);
        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        await loop.WaitAsync(Bound);
        Assert.True(t.Disposed); // nothing left unread: closed at once, no lingering
        Assert.Equal("HTTP/1.0", Assert.Single(_h.Log.ReadAll()).Protocol);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Http10_WithKeepAlive_StaysOpen()
    {
        var (t, loop) = _h.Open();

        t.Send("GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        TestResponse first = await t.Client.ReadAsync();
        t.Send("GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        TestResponse second = await t.Client.ReadAsync();

        Assert.Equal("keep-alive", first.Header("Connection"));
        Assert.Equal(200, second.StatusCode);
        Assert.False(loop.IsCompleted);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Http11_ConnectionClose_IsHonoured_AndLaterPipelinedRequestsIgnored()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/a.txt", "Connection: close\r\n") + Get("/sub/"));
        TestResponse r = await t.Client.ReadAsync();

        Assert.True(r.SaysClose);
        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        Assert.Equal(0, t.Client.Buffered);
        Assert.Single(_h.Log.ReadAll());
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Head_HasTheHeadersOfGet_ButNoBody()
    {
        var (t, loop) = _h.Open();

        t.Send("HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n" + "HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/a.txt"));
        TestResponse head = await t.Client.ReadAsync(noBody: true);
        TestResponse bigHead = await t.Client.ReadAsync(noBody: true);
        TestResponse get = await t.Client.ReadAsync();

        Assert.Equal(200, head.StatusCode);
        Assert.Equal(ConnectionHarness.TextA.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("Content-Length"));
        Assert.Equal(get.Header("ETag"), head.Header("ETag"));
        Assert.Equal(get.Header("Content-Type"), head.Header("Content-Type"));
        Assert.Equal(ConnectionHarness.BigLength.ToString(System.Globalization.CultureInfo.InvariantCulture), bigHead.Header("Content-Length"));
        Assert.Equal(ConnectionHarness.TextA, get.BodyText); // it would be garbage had a body followed a HEAD
        Assert.Equal(0, t.Client.Buffered);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Head_OfAMissingFile_Is404WithoutBody()
    {
        var (t, loop) = _h.Open();

        t.Send("HEAD /nope HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/a.txt"));

        Assert.Equal(404, (await t.Client.ReadAsync(noBody: true)).StatusCode);
        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("get")]
    public async Task OtherMethods_Get405WithAllow_AfterTheirBodyIsRead(string method)
    {
        var (t, loop) = _h.Open();

        t.Send(method + " /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" + Get("/a.txt"));
        TestResponse refused = await t.Client.ReadAsync();
        TestResponse next = await t.Client.ReadAsync();

        Assert.Equal(405, refused.StatusCode);
        Assert.Equal("GET, HEAD, OPTIONS", refused.Header("Allow"));
        Assert.False(refused.SaysClose);
        Assert.Equal(ConnectionHarness.TextA, next.BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task BodyArrivingLater_IsReadBeforeTheAnswer_AndTheNextRequestFollows()
    {
        var (t, loop) = _h.Open();

        t.Send("POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
        await t.WaitForReceiveCallsAsync(2);
        Assert.Equal(0, t.SendCalls); // no answer before the whole body is in
        t.Send("defghij" + Get("/a.txt"));

        Assert.Equal(405, (await t.Client.ReadAsync()).StatusCode);
        TestResponse next = await t.Client.ReadAsync();
        Assert.Equal(200, next.StatusCode);
        Assert.Equal(2, _h.Log.Count);
        await EndsAsync(t, loop);
    }

    [Theory]
    [InlineData("Content-Length: 5\r\n", "hello")]
    [InlineData("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n")]
    public async Task AGetWithABody_HasItRead_AndIsServed(string headers, string body)
    {
        var (t, loop) = _h.Open();

        t.Send("GET /a.txt HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n" + body + Get("/sub/"));

        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        Assert.Equal("<p>sub</p>", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Options_Is200WithAllowAndAZeroContentLength()
    {
        var (t, loop) = _h.Open();

        t.Send("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n" + "OPTIONS /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        TestResponse star = await t.Client.ReadAsync();
        TestResponse file = await t.Client.ReadAsync();

        // 200 with Content-Length: 0, as lighttpd answers: a bodiless 204 leaves clients that read to the close waiting.
        Assert.Equal(200, star.StatusCode);
        Assert.Equal("GET, HEAD, OPTIONS", star.Header("Allow"));
        Assert.Equal("0", star.Header("Content-Length"));
        Assert.Equal(200, file.StatusCode);
        Assert.Equal("0", file.Header("Content-Length"));
        await EndsAsync(t, loop);
    }

    [Theory]
    [InlineData("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505)]
    [InlineData("GET / HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400)]
    public async Task BadRequest_IsAnsweredWithItsStatus_ThenClosed(string raw, int status)
    {
        var (t, loop) = _h.Open();

        t.Send(raw + Get("/a.txt"));
        TestResponse r = await t.Client.ReadAsync();

        Assert.Equal(status, r.StatusCode);
        Assert.True(r.SaysClose);
        Assert.Equal("text/html; charset=utf-8", r.Header("Content-Type"));
        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        Assert.Equal(0, t.Client.Buffered);
        Assert.Equal(status, Assert.Single(_h.Log.ReadAll()).StatusCode);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task OversizedHead_Is431_AndTheBufferStaysBounded()
    {
        var (t, loop) = _h.Open();

        t.Send("GET / HTTP/1.1\r\nHost: t\r\n");
        for (int i = 0; i < 50; i++) t.Send("X-Fill-" + i + ": " + new string('v', 1000) + "\r\n");
        TestResponse r = await t.Client.ReadAsync();

        Assert.Equal(431, r.StatusCode);
        Assert.True(r.SaysClose);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task FolderWithoutSlash_RedirectsAndKeepsTheQuery()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/sub?x=1") + Get("//sub"));
        TestResponse r = await t.Client.ReadAsync();
        TestResponse twoSlashes = await t.Client.ReadAsync();

        Assert.Equal(301, r.StatusCode);
        Assert.Equal("/sub/?x=1", r.Header("Location"));
        Assert.Equal("/sub/", twoSlashes.Header("Location"));
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task IfNoneMatch_WithTheETag_Is304WithoutBody()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/a.txt"));
        TestResponse first = await t.Client.ReadAsync();
        string etag = first.Header("ETag")!;
        t.Send(Get("/a.txt", "If-None-Match: " + etag + "\r\n") + Get("/big.bin", "If-None-Match: *\r\n") + Get("/a.txt"));

        TestResponse notModified = await t.Client.ReadAsync();
        TestResponse bigNotModified = await t.Client.ReadAsync();
        TestResponse again = await t.Client.ReadAsync();
        Assert.Equal(304, notModified.StatusCode);
        Assert.Equal(etag, notModified.Header("ETag"));
        Assert.Equal(304, bigNotModified.StatusCode);
        Assert.Equal(ConnectionHarness.TextA, again.BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task IfMatch_NotMatching_Is412()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/a.txt", "If-Match: \"nope\"\r\n") + Get("/big.bin", "If-Match: \"nope\"\r\n"));

        Assert.Equal(412, (await t.Client.ReadAsync()).StatusCode);
        Assert.Equal(412, (await t.Client.ReadAsync()).StatusCode);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Responses_CarryDateServerAndContentType()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/a.txt"));
        TestResponse r = await t.Client.ReadAsync();

        Assert.Equal("text/plain; charset=utf-8", r.Header("Content-Type"));
        Assert.Equal("PSWebServer", r.Header("Server"));
        Assert.True(PSWebServer.StaticFiles.HttpDate.TryParse(System.Text.Encoding.ASCII.GetBytes(r.Header("Date")!), out DateTime date));
        Assert.InRange(date, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.NotNull(r.Header("Last-Modified"));
        Assert.NotNull(r.Header("ETag"));
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Log_AndCounters_DescribeWhatWasSent()
    {
        var (t, loop) = _h.Open();

        t.Send(Get("/a.txt?q=1", "User-Agent: tester/1\r\nReferer: http://r/\r\n") + Get("/nope"));
        await t.Client.ReadAsync();
        await t.Client.ReadAsync();
        await EndsAsync(t, loop);

        var all = _h.Log.ReadAll();
        Assert.Equal(2, all.Count);
        Assert.Equal("GET", all[0].Method);
        Assert.Equal("/a.txt", all[0].Path);
        Assert.Equal("q=1", all[0].Query);
        Assert.Equal(200, all[0].StatusCode);
        Assert.Equal("tester/1", all[0].UserAgent);
        Assert.Equal("http://r/", all[0].Referer);
        Assert.Equal("192.0.2.7:40000", all[0].ClientAddress);
        Assert.Equal(404, all[1].StatusCode);
        Assert.Equal(2, _h.Statistics.RequestCount);
        Assert.Equal(all.Sum(r => r.BytesSent), _h.Statistics.BytesSent);
        Assert.Null(_h.Statistics.LastError);
    }

    [Fact]
    public async Task ClientClosingMidHead_EndsTheConnectionSilently()
    {
        var (t, loop) = _h.Open();

        t.Send("GET /a.txt HTTP/1.1\r\nHo");
        await t.WaitForReceiveCallsAsync(2);
        await EndsAsync(t, loop);

        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        Assert.Equal(0, t.Client.Buffered);
        Assert.Empty(_h.Log.ReadAll());
        Assert.Null(_h.Statistics.LastError);
    }
}
