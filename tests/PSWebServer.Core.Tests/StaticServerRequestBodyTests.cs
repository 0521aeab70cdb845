using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Request bodies over real sockets, on both engines: read whole before a front handler sees them (Content-Length,
/// chunked, 100-continue, from curl too), their refusals with their status and the server still serving after, and a
/// POST to a plain file still 405 once its body is read.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class StaticServerRequestBodyTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>/echo answers "length:body" on the loop; everything else goes to the files.</summary>
    private static readonly ScriptedFrontHandler Echo = new()
    {
        OnLoop = (request, response) =>
        {
            if (ScriptedFrontHandler.PathOf(request) != "/echo") return false;
            response.StatusCode = 200;
            response.SetBytes(Encoding.Latin1.GetBytes(request.Body.Length + ":" + Encoding.Latin1.GetString(request.Body.Span)));
            return true;
        },
    };

    private StaticServer Start(string engine, ServerLimits? limits = null) =>
        _scope.Start(limits ?? new ServerLimits { MaxRequestBodyBytes = 1024 * 1024, BodyTimeout = TimeSpan.FromSeconds(1) },
            engine: engine, front: new IFrontHandler[] { Echo });

    private static string Post(string path, string headers, string body = "") => "POST " + path + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n" + body;

    /// <summary>The server still answers a new connection.</summary>
    private static async Task StillServesAsync(StaticServer server)
    {
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(ServerScope.TextA, (await client.RequestAsync(TestClient.Get("/a.txt"))).BodyText);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ContentLengthAndChunkedBodies_ReachTheHandler_AndPipeliningGoesOn(string engine)
    {
        StaticServer server = Start(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        string big = new string('z', 300_000);

        await client.SendAsync(Post("/echo", "Content-Length: 5\r\n", "hello")
            + Post("/echo", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n")
            + TestClient.Get("/a.txt")
            + Post("/echo", "Content-Length: 300000\r\n", big));

        Assert.Equal("5:hello", (await client.ReadAsync()).BodyText);
        Assert.Equal("5:abcde", (await client.ReadAsync()).BodyText);
        Assert.Equal(ServerScope.TextA, (await client.ReadAsync()).BodyText);
        Assert.Equal("300000:" + big, (await client.ReadAsync()).BodyText);
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 4, Bound));
        Assert.Equal(new[] { "POST", "POST", "GET", "POST" }, server.Requests.ReadAll().Select(r => r.Method));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task CurlUploads_WithAndWithout100Continue_AreEchoed(string engine)
    {
        StaticServer server = Start(engine);
        string url = "http://127.0.0.1:" + server.Port + "/echo";
        string body = new string('q', 5000);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        // Without the 100 Continue curl would wait its whole expect timeout (5 s here) before sending the body.
        var expect = await Curl.RunAsync("-H", "Expect: 100-continue", "--expect100-timeout", "5", "--data-binary", body, url);
        TimeSpan took = watch.Elapsed;
        var chunked = await Curl.RunAsync("-H", "Transfer-Encoding: chunked", "--data-binary", "chunked by curl", url);

        Assert.Equal((0, "5000:" + body), (expect.ExitCode, expect.Output));
        Assert.True(took < TimeSpan.FromSeconds(4), $"curl waited {took.TotalSeconds:F2} s: the 100 Continue did not come at once");
        Assert.Equal((0, "15:chunked by curl"), (chunked.ExitCode, chunked.Output));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TooLargeBodies_Are413_BothWays_AndTheServerGoesOn(string engine)
    {
        StaticServer server = Start(engine, new ServerLimits { MaxRequestBodyBytes = 1000 });

        using (TestClient client = await TestClient.ConnectAsync(server.Port))
        {
            TestResponse r = await client.RequestAsync(Post("/echo", "Content-Length: 1001\r\n"));
            Assert.Equal(413, r.StatusCode);
            Assert.True(r.SaysClose);
            Assert.True(await client.Reader.ClosesWithinAsync(Bound));
        }
        using (TestClient client = await TestClient.ConnectAsync(server.Port))
        {
            await client.SendAsync(Post("/echo", "Transfer-Encoding: chunked\r\n"));
            for (int i = 0; i < 3; i++) await client.SendAsync("190\r\n" + new string('c', 400) + "\r\n"); // 1,200 bytes in all
            TestResponse r = await client.ReadAsync();
            Assert.Equal(413, r.StatusCode);
            Assert.True(await client.Reader.ClosesWithinAsync(Bound));
        }
        var curl = await Curl.RunAsync("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", new string('d', 2000), "http://127.0.0.1:" + server.Port + "/echo");
        Assert.Equal("413", curl.Output);
        await StillServesAsync(server);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AMalformedContentLength_Is400(string engine)
    {
        StaticServer server = Start(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse r = await client.RequestAsync(Post("/echo", "Content-Length: -1\r\n"));

        Assert.Equal(400, r.StatusCode);
        Assert.True(await client.Reader.ClosesWithinAsync(Bound));
        await StillServesAsync(server);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AChunkedBodyThatNeverEnds_Is408_AfterTheBodyTimeout(string engine)
    {
        StaticServer server = Start(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await client.SendAsync(Post("/echo", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n"));
        TestResponse r = await client.ReadAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(408, r.StatusCode);
        Assert.True(r.SaysClose);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 4); // the 1 s timeout, seen by a heartbeat that looks once a second
        Assert.True(await client.Reader.ClosesWithinAsync(Bound));
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.ReadAll().Any(q => q.StatusCode == 408 && q.Path == "/echo"), Bound));
        await StillServesAsync(server);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task MalformedChunking_Is400_AndWhatFollowsIsNotAnswered(string engine)
    {
        StaticServer server = Start(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        await client.SendAsync(Post("/echo", "Transfer-Encoding: chunked\r\n", "5\nhello\r\n0\r\n\r\n") + TestClient.Get("/a.txt"));
        TestResponse r = await client.ReadAsync();

        Assert.Equal(400, r.StatusCode);
        Assert.True(await client.Reader.ClosesWithinAsync(Bound));
        Assert.Equal(0, client.Reader.Buffered); // no answer to the smuggled GET
        await StillServesAsync(server);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task APostToAPlainFile_Is405WithAllow_AfterItsBodyIsRead(string engine)
    {
        StaticServer server = Start(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        await client.SendAsync(Post("/a.txt", "Content-Length: 4\r\n", "data") + TestClient.Get("/a.txt"));
        TestResponse refused = await client.ReadAsync();

        Assert.Equal(405, refused.StatusCode);
        Assert.Equal("GET, HEAD, OPTIONS", refused.Header("Allow"));
        Assert.False(refused.SaysClose);
        Assert.Equal(ServerScope.TextA, (await client.ReadAsync()).BodyText);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TheLog_KeepsHeadersAndBodies_CutToTheirCaps(string engine)
    {
        StaticServer server = Start(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        string big = new string('j', 200_000);
        var many = new StringBuilder();
        for (int i = 0; i < 90; i++) many.Append("X-Many-").Append(i).Append(": ").Append('m', 200).Append("\r\n"); // 18 KB of fields

        await client.SendAsync(Post("/echo", "Content-Type: application/json\r\nX-Twice: 1\r\nx-twice: 2\r\nContent-Length: 12\r\n", "{\"a\":\"cafe\"}")
            + Post("/echo", many + "Transfer-Encoding: chunked\r\n", "30d40\r\n" + big + "\r\n0\r\n\r\n"));
        await client.ReadAsync();
        await client.ReadAsync();

        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 2, Bound));
        ServerRequest[] log = server.Requests.ReadAll().ToArray();
        Assert.Equal("application/json", log[0].Headers["content-type"]);
        Assert.Equal("1, 2", log[0].Headers["X-Twice"]);
        Assert.Equal("t", log[0].Headers["Host"]);
        Assert.Equal(("{\"a\":\"cafe\"}", 12L, false), (log[0].Body, log[0].BodyLength, log[0].BodyTruncated));
        Assert.Equal(200_000, log[1].BodyLength);
        Assert.True(log[1].BodyTruncated);
        Assert.Equal(RequestLog.DefaultCapturedBodyBytes, log[1].Body.Length);
        Assert.InRange(log[1].Headers.Count, 30, 45); // 8 KiB of whole field lines
        Assert.False(log[1].Headers.ContainsKey("Transfer-Encoding")); // past the cap
    }
}
