using System;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Deadlines of the connection loop, driven by a test clock and explicit heartbeat checks.</summary>
public sealed class Http1ConnectionTimeoutTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly ConnectionHarness _h = new(new ServerLimits
    {
        HeaderTimeout = TimeSpan.FromSeconds(10),
        KeepAliveTimeout = TimeSpan.FromSeconds(30),
        SendTimeout = TimeSpan.FromSeconds(60),
    });

    public void Dispose() => _h.Dispose();

    private static string Get(string path) => "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";

    private async Task ClosedAsync(MemoryTransport t, Task loop)
    {
        Assert.True(t.Aborted, "the deadline did not abort the connection");
        await loop.WaitAsync(Bound);
        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public async Task IdleConnection_IsClosedAfterTheKeepAliveTimeout_NotBefore()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        _h.AdvanceAndCheck(TimeSpan.FromSeconds(29));
        Assert.False(t.Aborted);

        _h.AdvanceAndCheck(TimeSpan.FromSeconds(2));
        await ClosedAsync(t, loop);
        Assert.Equal(0, t.Client.Buffered); // closed without a word
    }

    [Fact]
    public async Task IdleConnection_IsNotSubjectToTheHeaderTimeout()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        _h.AdvanceAndCheck(TimeSpan.FromSeconds(20));

        Assert.False(t.Aborted);
        t.Send(Get("/a.txt"));
        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);
        t.CloseClientSend();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task KeepAliveTimeout_RestartsAfterEachRequest()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        _h.AdvanceAndCheck(TimeSpan.FromSeconds(20));
        t.Send(Get("/a.txt"));
        await t.Client.ReadAsync();
        await t.WaitForReceiveCallsAsync(2);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(20)); // 40 s since open, 20 s since the request

        Assert.False(t.Aborted);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(11));
        await ClosedAsync(t, loop);
    }

    [Fact]
    public async Task HalfSentHead_IsClosedAfterTheHeaderTimeout_NotBefore()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        t.Send("GET / HTTP/1.1\r\nHo");
        await t.WaitForReceiveCallsAsync(2);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(9));
        Assert.False(t.Aborted);

        _h.AdvanceAndCheck(TimeSpan.FromSeconds(2));
        await ClosedAsync(t, loop);
        Assert.Empty(_h.Log.ReadAll());
    }

    [Fact]
    public async Task TricklingHead_DoesNotExtendTheHeaderTimeout()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        string head = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
        int calls = 1;
        for (int i = 0; i < 3; i++)
        {
            t.Send(head.Substring(i, 1));
            await t.WaitForReceiveCallsAsync(++calls);
            _h.AdvanceAndCheck(TimeSpan.FromSeconds(4)); // a byte every 4 s: each alone is in time, the head is not
            if (i < 2) Assert.False(t.Aborted, $"aborted after {(i + 1) * 4} s");
        }

        await ClosedAsync(t, loop);
    }

    [Fact]
    public async Task HeaderTimeout_RunsFromTheFirstByteOfEachRequest_NotFromTheConnection()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(25)); // idle, within keep-alive

        t.Send("GET /a.txt HTTP/1.1\r\n");
        await t.WaitForReceiveCallsAsync(2);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(9));
        Assert.False(t.Aborted);
        t.Send("Host: t\r\n\r\n");

        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);
        t.CloseClientSend();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task PipelinedLeftover_StartsItsOwnHeaderTimeout()
    {
        var (t, loop) = _h.Open();
        await t.WaitForReceiveCallsAsync(1);

        t.Send(Get("/a.txt") + "GET /sub/ HTTP/1.1\r\nHo");
        Assert.Equal(200, (await t.Client.ReadAsync()).StatusCode);
        await t.WaitForReceiveCallsAsync(2);
        _h.AdvanceAndCheck(TimeSpan.FromSeconds(11)); // past the header timeout, well within keep-alive

        await ClosedAsync(t, loop);
    }

    [Fact]
    public async Task LingerAfterClose_IsBounded_WhenTheClientNeverCloses()
    {
        var (t, loop) = _h.Open();

        // A body too large to read: the server answers 413, sends its FIN, then lingers to drain what is on its way.
        t.Send("POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nhello");
        Assert.Equal(413, (await t.Client.ReadAsync()).StatusCode);
        Assert.True(await t.Client.ClosesWithinAsync(Bound)); // the server's FIN
        Assert.True(t.SentShutdown);
        await t.WaitForReceiveCallsAsync(2);
        Assert.False(loop.IsCompleted);

        _h.AdvanceAndCheck(TimeSpan.FromSeconds(3));
        await loop.WaitAsync(Bound);
        Assert.Equal(0, _h.Manager.Count);
    }

    [Fact]
    public void RegisteredConnection_NotYetRunning_IsNotAbortedByTheHeartbeat()
    {
        // Between Register (on the accept loop) and the first line of the connection's loop (on the thread pool),
        // the connection's deadline must already be a real one: a heartbeat in that window must not abort it.
        var transport = new MemoryTransport();
        Assert.True(_h.Manager.TryReserve());
        var connection = new Http1Connection(transport, _h.Handler, _h.Manager, _h.Log, _h.Statistics, _h.Limits);
        long id = _h.Manager.Register(connection);
        try
        {
            _h.Manager.CheckTimeouts();

            Assert.False(transport.Aborted, "a heartbeat between Register and the loop's start aborted a new connection");
        }
        finally
        {
            _h.Manager.Unregister(id);
        }
    }

    [Fact]
    public async Task Drain_ClosesIdleConnectionsAtOnce()
    {
        var (t, loop) = _h.Open();
        t.Send(Get("/a.txt"));
        await t.Client.ReadAsync();
        await t.WaitForReceiveCallsAsync(2);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        bool graceful = _h.Manager.Drain(TimeSpan.FromSeconds(5));

        Assert.True(graceful);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
        await loop.WaitAsync(Bound);
        Assert.True(await t.Client.ClosesWithinAsync(Bound));
        Assert.False(_h.Manager.TryReserve());
    }
}
