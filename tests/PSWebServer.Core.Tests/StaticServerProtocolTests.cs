using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

[Collection(SocketTestCollection.Name)]
public sealed class StaticServerProtocolTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task KeepAlive_SeveralRequests_OnOneSocket(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        string[] paths = { "/a.txt", "/", "/sub/", "/nope", "/a.txt" };
        int[] expected = { 200, 200, 200, 404, 200 };
        for (int i = 0; i < paths.Length; i++)
        {
            TestResponse r = await client.RequestAsync(TestClient.Get(paths[i]));
            Assert.Equal(expected[i], r.StatusCode);
            Assert.False(r.SaysClose);
        }

        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == paths.Length, Bound));
        var log = server.Requests.ReadAll();
        string clientAddress = "127.0.0.1:" + client.LocalPort;
        Assert.All(log, r => Assert.Equal(clientAddress, r.ClientAddress));
        Assert.Equal(paths, log.Select(r => r.Path));
        Assert.Equal(1, server.ActiveConnections);
        Assert.Equal(paths.Length, server.RequestCount);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Pipelining_ThreeRequestsInOneSend_ThreeResponsesInOrder(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        await client.SendAsync(TestClient.Get("/a.txt") + TestClient.Get("/sub/") + TestClient.Get("/nope"));

        TestResponse first = await client.ReadAsync();
        TestResponse second = await client.ReadAsync();
        TestResponse third = await client.ReadAsync();
        Assert.Equal((200, ServerScope.TextA), (first.StatusCode, first.BodyText));
        Assert.Equal((200, "<p>sub</p>"), (second.StatusCode, second.BodyText));
        Assert.Equal(404, third.StatusCode);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Http10_GetsAResponse_ThenTheServerCloses(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse r = await client.RequestAsync("GET /a.txt HTTP/1.0\r\n\r\n");

        Assert.Equal(200, r.StatusCode);
        Assert.Equal(ServerScope.TextA, r.BodyText);
        Assert.True(r.SaysClose);
        Assert.True(await client.Reader.ClosesWithinAsync(Bound));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Head_OverTheWire_HasNoBody(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        await client.SendAsync("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n" + TestClient.Get("/a.txt"));
        TestResponse head = await client.ReadAsync(noBody: true);
        TestResponse get = await client.ReadAsync();

        Assert.Equal(ServerScope.BigLength.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Header("Content-Length"));
        Assert.Equal(ServerScope.TextA, get.BodyText);
    }

    public static TheoryData<string, int, string> BadRequests()
    {
        var rows = new (string Raw, int Status)[]
        {
            ("GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: t\r\n" + string.Concat(Enumerable.Range(0, 40).Select(i => "X-" + i + ": " + new string('v', 1000) + "\r\n")) + "\r\n", 431),
            ("GET / HTTP/1.1\r\nHost: t\r\n" + string.Concat(Enumerable.Range(0, 101).Select(i => "X-" + i + ": v\r\n")) + "\r\n", 431),
            ("GET / HTTP/1.1\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        };
        var data = new TheoryData<string, int, string>();
        foreach (string engine in new[] { "epoll", "socket" })
        {
            foreach ((string raw, int status) in rows) data.Add(raw, status, engine);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequests_GetTheirStatus_OverTheWire(string raw, int status, string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse r = await client.RequestAsync(raw);

        Assert.Equal(status, r.StatusCode);
        Assert.True(r.SaysClose, "a refused head must close the connection");
        Assert.True(await client.Reader.ClosesWithinAsync(Bound));
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 1, Bound));
        Assert.Equal(status, server.Requests.ReadAll()[0].StatusCode);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TraversalAttempt_Is400_AndTheConnectionLivesOn(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse bad = await client.RequestAsync(TestClient.Get("/%2e%2e/%2e%2e/etc/passwd"));
        TestResponse good = await client.RequestAsync(TestClient.Get("/a.txt"));

        Assert.Equal(400, bad.StatusCode);
        Assert.DoesNotContain("passwd", bad.BodyText);
        Assert.Equal(ServerScope.TextA, good.BodyText);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task HeaderTimeout_ClosesASlowlorisConnection(string engine)
    {
        StaticServer server = _scope.Start(new ServerLimits { HeaderTimeout = TimeSpan.FromSeconds(1) }, engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        var clock = Stopwatch.StartNew();
        await client.SendAsync("GET / HTTP/1.1\r\n");

        bool closed = false;
        for (int i = 0; i < 40 && !closed; i++)
        {
            try
            {
                await client.SendAsync("X-" + i + ": y\r\n"); // a header line every 100 ms: never finishing
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }
            closed = await client.Reader.ClosesWithinAsync(TimeSpan.FromMilliseconds(100));
        }
        TimeSpan took = clock.Elapsed;

        Assert.True(closed, "the slow client was never closed");
        Assert.True(took >= TimeSpan.FromMilliseconds(900), "closed before the header timeout: " + took);
        Assert.True(took < TimeSpan.FromSeconds(3.5), "closed too late: " + took);
        Assert.Equal(0, client.Reader.Buffered);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task KeepAliveTimeout_ClosesAnIdleConnection(string engine)
    {
        StaticServer server = _scope.Start(new ServerLimits { KeepAliveTimeout = TimeSpan.FromSeconds(1) }, engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        var clock = Stopwatch.StartNew();

        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(4)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), clock.Elapsed.ToString());
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, Bound));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task LargeFile_ArrivesWhole(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(TestClient.Get("/big.bin"));

        TestResponse r = await client.ReadAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(200, r.StatusCode);
        Assert.Equal(ServerScope.BigLength, r.Body.LongLength);
        Assert.Equal("application/octet-stream", r.Header("Content-Type"));
        Assert.True(r.Body.All(b => b == 0));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task SlowButSteadyReader_IsNotDroppedByTheSendTimeout(string engine)
    {
        // SendTimeout is "time a single send may make no progress". A reader that keeps taking bytes, only slowly,
        // makes progress all along and must get the whole file even when the transfer outlasts the timeout.
        const long length = 24L * 1024 * 1024;
        _scope.Site.SizedFile("steady.bin", length);
        StaticServer server = _scope.Start(new ServerLimits { SendTimeout = TimeSpan.FromSeconds(2) }, engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        client.Socket.ReceiveBufferSize = 256 * 1024;
        await client.SendAsync(TestClient.Get("/steady.bin"));

        var buffer = new byte[64 * 1024];
        long total = 0;
        var clock = Stopwatch.StartNew();
        bool closed = false;
        while (clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            int n;
            try
            {
                n = await client.Socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }
            if (n == 0)
            {
                closed = true;
                break;
            }
            total += n;
            if (total >= length) break; // head bytes make the total a little more than the body
            await Task.Delay(10); // about 6 MB/s at most: the whole file outlasts the send timeout; 2 s leaves room for a loaded CI machine
        }

        Assert.False(closed && total < length, $"the server dropped a reader that was making progress after {clock.Elapsed.TotalSeconds:F1} s and {total} bytes");
        Assert.True(total >= length, $"only {total} of {length} bytes in {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ResponseHead_IsPlainHttp11(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse r = await client.RequestAsync(TestClient.Get("/"));

        Assert.Equal("HTTP/1.1 200 OK", r.StatusLine);
        Assert.Equal("text/html; charset=utf-8", r.Header("Content-Type"));
        Assert.Equal(Encoding.UTF8.GetByteCount("<h1>home</h1>").ToString(System.Globalization.CultureInfo.InvariantCulture), r.Header("Content-Length"));
        Assert.Equal("no-cache", r.Header("Cache-Control"));
    }
}
