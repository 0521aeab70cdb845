using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The body phase of <see cref="Http1Connection"/> over an in-memory transport: bodies read whole before the handler
/// (Content-Length and chunked, in place or arriving later), their bounds (413, 408, 417, 400 for bad framing, each
/// closing), 100 Continue, and the connection kept in step for a pipelined request after a body.
/// </summary>
public sealed class Http1ConnectionRequestBodyTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ConnectionHarness _h = new(new ServerLimits { MaxRequestBodyBytes = 64 * 1024, BodyTimeout = TimeSpan.FromSeconds(5) });

    public void Dispose() => _h.Dispose();

    private static string Get(string path) => "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";

    private static string Post(string headers, string body = "") => "POST /echo HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n" + body;

    /// <summary>Answers every request on the loop with "method length:body" (the body as the handler sees it).</summary>
    private sealed class EchoHandler : IRequestHandler
    {
        public int Calls;

        public bool TryHandle(HttpRequest request, HttpResponse response)
        {
            Interlocked.Increment(ref Calls);
            string text = Encoding.Latin1.GetString(request.Span.Slice(request.Head.MethodText.Start, request.Head.MethodText.Length))
                + " " + request.Body.Length + ":" + Encoding.Latin1.GetString(request.Body.Span);
            response.StatusCode = 200;
            response.SetBytes(Encoding.Latin1.GetBytes(text));
            return true;
        }

        public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel) =>
            throw new InvalidOperationException("answered on the loop");

        public bool WantsBody(HttpRequest request) => true; // it echoes bodies: a client waiting for 100 Continue gets it
    }

    private async Task EndsAsync(MemoryTransport t, Task loop)
    {
        t.CloseClientSend();
        await loop.WaitAsync(Bound);
        Assert.Equal(0, _h.Manager.Count);
    }

    /// <summary>A refusal: its status, Connection: close, a FIN, and the connection over once the client closes.</summary>
    private async Task<TestResponse> RefusedAsync(MemoryTransport t, Task loop, int status)
    {
        TestResponse r = await t.Client.ReadAsync();
        Assert.Equal(status, r.StatusCode);
        Assert.True(r.SaysClose);
        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        await EndsAsync(t, loop);
        return r;
    }

    [Fact]
    public async Task AContentLengthBody_ArrivedWithItsHead_IsSeenByTheHandler()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 11\r\n", "hello world"));

        Assert.Equal("POST 11:hello world", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task AContentLengthBody_ArrivingInPieces_IsReadWhole()
    {
        var (t, loop) = _h.Open(new EchoHandler());
        string body = new string('b', 40_000);

        t.Send(Post("Content-Length: 40000\r\n", body.Substring(0, 100)));
        await t.WaitForReceiveCallsAsync(2);
        t.Send(body.Substring(100, 20_000));
        await t.WaitForReceiveCallsAsync(3);
        t.Send(body.Substring(20_100) + Get("/next"));

        Assert.Equal("POST 40000:" + body, (await t.Client.ReadAsync()).BodyText);
        Assert.Equal("GET 0:", (await t.Client.ReadAsync()).BodyText); // in step: the pipelined request after the body
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task AChunkedBody_IsDecoded_AndTheNextRequestFollows()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n1;ext=\"v\"\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n") + Get("/next"));

        Assert.Equal("POST 11:hello world", (await t.Client.ReadAsync()).BodyText);
        TestResponse next = await t.Client.ReadAsync();
        Assert.Equal("GET 0:", next.BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task AChunkedBody_TrickledAByteAtATime_IsDecoded()
    {
        var (t, loop) = _h.Open(new EchoHandler());
        string wire = "a\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n";

        t.Send(Post("Transfer-Encoding: chunked\r\n"));
        for (int i = 0; i < wire.Length; i++)
        {
            await t.WaitForReceiveCallsAsync(i + 2);
            t.Send(wire[i].ToString());
        }

        Assert.Equal("POST 13:0123456789abc", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task ALargeChunkedBody_GrowsItsBuffer_UpToTheLimit()
    {
        var (t, loop) = _h.Open(new EchoHandler());
        var wire = new StringBuilder();
        var body = new StringBuilder();
        for (int i = 0; i < 60; i++)
        {
            string piece = new string((char)('a' + i % 26), 1000);
            wire.Append("3e8\r\n").Append(piece).Append("\r\n");
            body.Append(piece);
        }

        t.Send(Post("Transfer-Encoding: chunked\r\n", wire.Append("0\r\n\r\n").ToString()));

        Assert.Equal("POST 60000:" + body, (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task AnEmptyChunkedBody_IsAnEmptyBody()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Transfer-Encoding: chunked\r\n", "0\r\n\r\n") + Get("/next"));

        Assert.Equal("POST 0:", (await t.Client.ReadAsync()).BodyText);
        Assert.Equal("GET 0:", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task AContentLengthOverTheLimit_Is413AtOnce_WithoutReadingIt()
    {
        var handler = new EchoHandler();
        var (t, loop) = _h.Open(handler);

        t.Send(Post("Content-Length: 65537\r\n", "only the start"));

        await RefusedAsync(t, loop, 413);
        Assert.Equal(0, handler.Calls);
        ServerRequest logged = Assert.Single(_h.Log.ReadAll());
        Assert.Equal(("POST", "/echo", 413), (logged.Method, logged.Path, logged.StatusCode));
    }

    [Fact]
    public async Task AContentLengthOfExactlyTheLimit_IsRead()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 65536\r\n", new string('x', 65536)));

        Assert.StartsWith("POST 65536:xxx", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task AChunkedBodyPassingTheLimit_Is413_BeforeItsDataIsRead()
    {
        var handler = new EchoHandler();
        var (t, loop) = _h.Open(handler);

        t.Send(Post("Transfer-Encoding: chunked\r\n", "8000\r\n" + new string('x', 0x8000) + "\r\n8001\r\n"));

        await RefusedAsync(t, loop, 413);
        Assert.Equal(0, handler.Calls);
    }

    [Theory]
    [InlineData("-5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("5\nhello\r\n0\r\n\r\n")]
    [InlineData("5\r\nhello!\r\n0\r\n\r\n")]
    [InlineData("ffffffffffffffffff\r\n")]
    [InlineData("5 ;x\r\nhello\r\n0\r\n\r\n")]
    [InlineData("0\r\nBad Trailer\r\n\r\n")]
    public async Task MalformedChunking_Is400_AndCloses(string body)
    {
        var handler = new EchoHandler();
        var (t, loop) = _h.Open(handler);

        t.Send(Post("Transfer-Encoding: chunked\r\n", body) + Get("/smuggled"));

        await RefusedAsync(t, loop, 400);
        Assert.Equal(0, handler.Calls); // neither the request nor what followed it was answered
    }

    [Fact]
    public async Task AMalformedContentLength_Is400()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 5x\r\n", "hello"));

        await RefusedAsync(t, loop, 400);
    }

    [Fact]
    public async Task ABodyThatStalls_Gets408_AfterTheBodyTimeout_NotBefore()
    {
        var handler = new EchoHandler();
        var (t, loop) = _h.Open(handler);

        t.Send(Post("Transfer-Encoding: chunked\r\n", "5\r\nhel"));
        await t.WaitForReceiveCallsAsync(2);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(4));
        t.Send("lo\r\n"); // progress renews the body timeout
        await t.WaitForReceiveCallsAsync(3);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(4));
        Assert.Equal(0, t.SendCalls);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(2)); // 6 s without a byte: past the 5 s body timeout

        await RefusedAsync(t, loop, 408);
        Assert.Equal(0, handler.Calls);
        Assert.Equal(408, Assert.Single(_h.Log.ReadAll()).StatusCode);
    }

    [Fact]
    public async Task ABodyThatStalls_AndAClientThatNeverCloses_IsAbortedAfterTheLinger()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 10\r\n", "abc"));
        await t.WaitForReceiveCallsAsync(2);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(6));
        Assert.Equal(408, (await t.Client.ReadAsync()).StatusCode);
        Assert.True(await t.Client.ClosesWithinAsync(Bound)); // the FIN after the 408
        Assert.False(loop.IsCompleted);

        await ServerScope.EventuallyAsync(() => { _h.AdvanceAndCheck(TimeSpan.FromSeconds(3)); return loop.IsCompleted; }, Bound);
        await loop.WaitAsync(Bound);
        Assert.True(t.Aborted);
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public async Task Expect100Continue_GetsContinue_ThenTheAnswer()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 5\r\nExpect: 100-Continue\r\n"));
        TestResponse interim = await t.Client.ReadAsync();
        Assert.Equal(100, interim.StatusCode);
        t.Send("hello");

        Assert.Equal("POST 5:hello", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Expect100Continue_WithTheBodyAlreadySent_GetsNoContinue()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 5\r\nExpect: 100-continue\r\n", "hello"));

        TestResponse r = await t.Client.ReadAsync();
        Assert.Equal(200, r.StatusCode);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task Expect100Continue_OnHttp10_GetsNoContinue()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send("POST /echo HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
        await t.WaitForReceiveCallsAsync(2);
        Assert.Equal(0, t.SendCalls);
        t.Send("hi");

        Assert.Equal("POST 2:hi", (await t.Client.ReadAsync()).BodyText);
        await loop.WaitAsync(Bound); // HTTP/1.0 without keep-alive: closed after the answer
    }

    [Fact]
    public async Task Expect100Continue_OverTheLimit_Is413_WithoutContinue()
    {
        var (t, loop) = _h.Open(new EchoHandler());

        t.Send(Post("Content-Length: 1000000\r\nExpect: 100-continue\r\n"));

        await RefusedAsync(t, loop, 413); // the first response read is the 413, not a 100
    }

    [Theory]
    [InlineData("Content-Length: 5\r\n")]
    [InlineData("")]
    public async Task AnotherExpectation_Is417(string length)
    {
        var handler = new EchoHandler();
        var (t, loop) = _h.Open(handler);

        t.Send(Post(length + "Expect: 200-ok\r\n", length.Length > 0 ? "hello" : ""));

        await RefusedAsync(t, loop, 417);
        Assert.Equal(0, handler.Calls);
    }

    [Fact]
    public async Task APostToAFile_WithoutAFrontHandler_Is405WithAllow_AfterItsBody()
    {
        var (t, loop) = _h.Open();

        t.Send("POST /a.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + Get("/a.txt"));

        TestResponse refused = await t.Client.ReadAsync();
        Assert.Equal(405, refused.StatusCode);
        Assert.Equal("GET, HEAD, OPTIONS", refused.Header("Allow"));
        Assert.False(refused.SaysClose);
        Assert.Equal(ConnectionHarness.TextA, (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }

    [Fact]
    public async Task ClientLeavingMidBody_EndsTheConnection_WithoutAnAnswer()
    {
        var handler = new EchoHandler();
        var (t, loop) = _h.Open(handler);

        t.Send(Post("Content-Length: 100\r\n", "partial"));
        t.CloseClientSend();

        await loop.WaitAsync(Bound);
        Assert.Equal(0, handler.Calls);
        Assert.Equal(0, t.SendCalls);
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public async Task ABigHead_ThenAChunkedBody_StillFindsRoomToReceive()
    {
        var (t, loop) = _h.Open(new EchoHandler());
        string padding = "X-Pad: " + new string('p', 4000) + "\r\n"; // the head fills the first input buffer

        t.Send(Post(padding + "Transfer-Encoding: chunked\r\n"));
        await t.WaitForReceiveCallsAsync(2);
        t.Send("3\r\nabc\r\n0\r\n\r\n");

        Assert.Equal("POST 3:abc", (await t.Client.ReadAsync()).BodyText);
        await EndsAsync(t, loop);
    }
}
