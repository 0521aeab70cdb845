using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// How the connection frames each kind of body a handler can describe, and how it runs handlers that wait: the
/// seams canned responses and event streams build on, driven by small handlers of the test's own.
/// </summary>
public sealed class Http1ConnectionBodyTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ConnectionHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Get(string path, string version = "HTTP/1.1", string extra = "") =>
        "GET " + path + " " + version + "\r\nHost: t\r\n" + extra + "\r\n";

    /// <summary>A body written in pieces over time; <see cref="Declared"/> is its Content-Length, or -1 for unknown.</summary>
    private sealed class PiecesWriter : IResponseBodyWriter
    {
        public string[] Pieces = Array.Empty<string>();

        public async ValueTask WriteBodyAsync(IResponseBodySink sink, CancellationToken cancel)
        {
            foreach (string piece in Pieces)
            {
                await sink.WriteAsync(Encoding.ASCII.GetBytes(piece));
                await sink.FlushAsync();
                await Task.Delay(5, cancel);
            }
        }
    }

    /// <summary>Answers every request off the loop after <see cref="Delay"/>, with a streamed or fixed body.</summary>
    private sealed class TestHandler : IRequestHandler
    {
        public TimeSpan Delay;
        public long Declared = -1;
        public string[]? Pieces;
        public int OnLoop, OffLoop;

        public bool TryHandle(HttpRequest request, HttpResponse response)
        {
            Interlocked.Increment(ref OnLoop);
            return false;
        }

        public async ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel)
        {
            Interlocked.Increment(ref OffLoop);
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancel);
            response.StatusCode = 200;
            if (Pieces is null)
            {
                response.SetBytes(Encoding.ASCII.GetBytes("waited"));
                return;
            }
            response.Body = BodyKind.Stream;
            response.ContentLength = Declared;
            response.Writer = new PiecesWriter { Pieces = Pieces };
        }
    }

    [Fact]
    public async Task StreamOfUnknownLength_IsChunked_OnHttp11_AndTheConnectionLivesOn()
    {
        var handler = new TestHandler { Pieces = new[] { "data: one\n\n", "data: two\n\n" } };
        var (t, loop) = _h.Open(handler);

        t.Send(Get("/events"));
        TestResponse first = await t.Client.ReadAsync();
        t.Send(Get("/events"));
        TestResponse second = await t.Client.ReadAsync();

        Assert.Equal("chunked", first.Header("Transfer-Encoding"));
        Assert.Null(first.Header("Content-Length"));
        Assert.Equal("data: one\n\ndata: two\n\n", first.BodyText);
        Assert.Equal("data: one\n\ndata: two\n\n", second.BodyText);
        t.CloseClientSend();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task StreamOfUnknownLength_OnHttp10_RunsToTheClose()
    {
        var handler = new TestHandler { Pieces = new[] { "a", "b", "c" } };
        var (t, loop) = _h.Open(handler);

        t.Send(Get("/events", "HTTP/1.0", "Connection: keep-alive\r\n"));
        TestResponse response = await t.Client.ReadAsync();

        Assert.Null(response.Header("Transfer-Encoding"));
        Assert.True(response.SaysClose);
        Assert.Equal("abc", response.BodyText);
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task StreamOfKnownLength_IsSentAsItIs()
    {
        var handler = new TestHandler { Pieces = new[] { "12345", "678" }, Declared = 8 };
        var (t, loop) = _h.Open(handler);

        t.Send(Get("/fixed"));
        TestResponse response = await t.Client.ReadAsync();

        Assert.Equal("8", response.Header("Content-Length"));
        Assert.Equal("12345678", response.BodyText);
        t.CloseClientSend();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task AWriterThatBreaksItsContentLength_EndsTheConnection_NotTheServer()
    {
        var handler = new TestHandler { Pieces = new[] { "12345", "678" }, Declared = 20 };
        var (t, loop) = _h.Open(handler);

        t.Send(Get("/short"));

        await loop.WaitAsync(Bound); // the connection ends rather than leave the client waiting for 12 more bytes
        Assert.True(t.Disposed);
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public async Task AHandlerThatWaits_HoldsOnlyItsOwnConnection()
    {
        var slow = new TestHandler { Delay = TimeSpan.FromSeconds(2) };
        var (waiting, waitingLoop) = _h.Open(slow);
        var (other, otherLoop) = _h.Open();

        waiting.Send(Get("/slow"));
        await Task.Delay(50);
        other.Send(Get("/a.txt"));
        TestResponse quick = await other.Client.ReadAsync(timeout: TimeSpan.FromSeconds(1));
        TestResponse late = await waiting.Client.ReadAsync();

        Assert.Equal(ConnectionHarness.TextA, quick.BodyText);
        Assert.Equal("waited", late.BodyText);
        Assert.Equal(1, slow.OnLoop);
        Assert.Equal(1, slow.OffLoop);
        waiting.CloseClientSend();
        other.CloseClientSend();
        await Task.WhenAll(waitingLoop, otherLoop).WaitAsync(Bound);
    }

    [Fact]
    public async Task AbortingAConnection_CancelsTheHandlerItWaitsOn()
    {
        var slow = new TestHandler { Delay = TimeSpan.FromMinutes(5) };
        var (t, loop) = _h.Open(slow);
        t.Send(Get("/slow"));
        await ServerScope.EventuallyAsync(() => slow.OffLoop == 1, Bound);

        _h.Manager.Drain(TimeSpan.Zero); // stop: the busy connection is aborted after the (zero) grace period

        await loop.WaitAsync(Bound);
        Assert.True(t.Aborted);
    }

    [Fact]
    public async Task ALargeCachedBody_IsSentFromTheCache_NotCopiedIntoTheConnection()
    {
        string text = new string('z', 200 * 1024);
        _h.Site.File("large.txt", text);
        var (t, loop) = _h.Open();

        t.Send(Get("/large.txt"));
        TestResponse first = await t.Client.ReadAsync();
        t.Send(Get("/large.txt"));
        TestResponse second = await t.Client.ReadAsync();

        Assert.Equal(text, first.BodyText);
        Assert.Equal(text, second.BodyText);
        // The body went out as one send of exactly its bytes, from an array of its own length: the cache's copy.
        ReadOnlyMemory<byte>[] bodies = t.Sends.Where(s => s.Length == text.Length).ToArray();
        Assert.Equal(2, bodies.Length);
        Assert.True(MemoryMarshal.TryGetArray(bodies[0], out ArraySegment<byte> a));
        Assert.True(MemoryMarshal.TryGetArray(bodies[1], out ArraySegment<byte> b));
        Assert.Same(a.Array, b.Array);
        Assert.Equal(text.Length, a.Array!.Length);
        t.CloseClientSend();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task ARequestLineWithoutVersion_IsRejectedAtOnce_NotAfterTheHeaderTimeout()
    {
        var (t, loop) = _h.Open();

        t.Send("GET /\r\n");
        TestResponse response = await t.Client.ReadAsync(timeout: TimeSpan.FromSeconds(2)); // the test clock never reaches the timeout

        Assert.Equal(400, response.StatusCode);
        Assert.True(response.SaysClose);
        Assert.True(await ServerScope.EventuallyAsync(() => t.SentShutdown, Bound)); // the answer is followed by a FIN
        t.CloseClientSend(); // the server lingers for the client's close (so no reset destroys the answer)
        await loop.WaitAsync(Bound);
    }
}
