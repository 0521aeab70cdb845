using System;
using System.Diagnostics;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using PSWebServer.TestResponses;
using Xunit;

namespace PSWebServer.Tests;

[Collection(SocketTestCollection.Name)]
public sealed class StaticServerCannedResponseTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private static CannedResponseDefinition Json(string path, int status, string json, params string[] methods)
    {
        var definition = new CannedResponseDefinition
        {
            Path = path, StatusCode = status, Body = Encoding.UTF8.GetBytes(json), ContentType = "application/json",
        };
        foreach (string method in methods) definition.Methods.Add(method);
        return definition;
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task CannedResponses_AnswerBeforeTheFiles_AndEverythingElseIsServedAsBefore(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        server.Responses.Add(Json("/api/items", 200, "[1,2]", "GET"));
        server.Responses.Add(Json("/api/items", 201, "{\"id\":3}", "POST"));
        server.Responses.Add(Json("/a.txt", 500, "{}", "PUT"));
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse list = await client.RequestAsync(TestClient.Get("/api/items"));
        Assert.Equal((200, "[1,2]", "application/json"), (list.StatusCode, list.BodyText, list.Header("Content-Type")));
        TestResponse made = await client.RequestAsync("POST /api/items HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}");
        Assert.Equal((201, "{\"id\":3}"), (made.StatusCode, made.BodyText));
        TestResponse file = await client.RequestAsync(TestClient.Get("/a.txt"));
        Assert.Equal((200, ServerScope.TextA), (file.StatusCode, file.BodyText));
        TestResponse unmatched = await client.RequestAsync("DELETE /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
        Assert.Equal(405, unmatched.StatusCode);
        TestResponse missing = await client.RequestAsync(TestClient.Get("/api/other"));
        Assert.Equal(404, missing.StatusCode);
        Assert.False(missing.SaysClose);

        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 5, TimeSpan.FromSeconds(5)));
        Assert.Equal(2, server.Responses.Snapshot()[0].AnswerCount + server.Responses.Snapshot()[1].AnswerCount);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ADelayedResponse_ParksItsConnection_WhileOthersAreServed(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        var slow = Json("/slow", 200, "\"late\"");
        slow.Delay = TimeSpan.FromMilliseconds(800);
        server.Responses.Add(slow);
        using TestClient waiting = await TestClient.ConnectAsync(server.Port);
        using TestClient other = await TestClient.ConnectAsync(server.Port);

        var clock = Stopwatch.StartNew();
        await waiting.SendAsync(TestClient.Get("/slow"));
        Task<TestResponse> late = waiting.ReadAsync();
        for (int i = 0; i < 5; i++) Assert.Equal(200, (await other.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        TimeSpan othersDone = clock.Elapsed;
        TestResponse answer = await late;

        Assert.Equal("\"late\"", answer.BodyText);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(750), clock.Elapsed.ToString());
        Assert.True(othersDone < TimeSpan.FromMilliseconds(750), "the other connection waited for the delay: " + othersDone);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AThrottledBody_ArrivesWhole_OverAboutTheTimeTheRateGives(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        var trickle = Json("/trickle", 200, "\"" + new string('z', 2998) + "\"");
        trickle.BytesPerSecond = 6000;
        server.Responses.Add(trickle);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        var clock = Stopwatch.StartNew();
        TestResponse answer = await client.RequestAsync(TestClient.Get("/trickle"));
        Assert.Equal(3000, answer.Body.Length);
        Assert.Equal("3000", answer.Header("Content-Length"));
        // 600-byte slices at 6000 B/s, the first at once: the last leaves 0.4 s in (timers may fire a little early).
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), clock.Elapsed.ToString());
        // The connection is still usable for the next request.
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Fact]
    public async Task AFileBody_IsStreamedFromDisk_WithTheGivenStatus()
    {
        StaticServer server = _scope.Start();
        string file = _scope.Site.File("outside/report.csv", "a,b\n1,2\n");
        server.Responses.Add(new CannedResponseDefinition { Path = "/export", StatusCode = 202, BodyFile = file });
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse answer = await client.RequestAsync(TestClient.Get("/export"));
        Assert.Equal((202, "a,b\n1,2\n", "text/csv; charset=utf-8"), (answer.StatusCode, answer.BodyText, answer.Header("Content-Type")));
        TestResponse head = await client.RequestAsync("HEAD /export HTTP/1.1\r\nHost: t\r\n\r\n", noBody: true);
        Assert.Equal("8", head.Header("Content-Length"));
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Theory]
    [InlineData("epoll", false)]
    [InlineData("epoll", true)]
    [InlineData("socket", true)]
    public async Task ACloseMidBodyFault_SendsTheHeadAndPartOfTheBody_ThenCloses(string engine, bool fromFile)
    {
        StaticServer server = _scope.Start(engine: engine);
        string text = new string('q', 40_000);
        var definition = new CannedResponseDefinition { Path = "/cut", Fault = CannedFault.CloseMidBody, Times = 1 };
        if (fromFile) definition.BodyFile = _scope.Site.File("outside/cut.txt", text);
        else definition.Body = Encoding.ASCII.GetBytes(text);
        server.Responses.Add(definition);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        await client.SendAsync(TestClient.Get("/cut"));
        var received = new System.IO.MemoryStream();
        var buffer = new byte[65536];
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await client.Socket.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, timeout.Token)) > 0) received.Write(buffer, 0, n);

        string wire = Encoding.ASCII.GetString(received.ToArray());
        int headEnd = wire.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", wire);
        Assert.Contains("Content-Length: 40000\r\n", wire.Substring(0, headEnd));
        int bodyBytes = wire.Length - headEnd - 4;
        Assert.InRange(bodyBytes, 1, 39_999);

        // Used up: the next connection gets the files' answer (404: /cut is no file).
        using TestClient next = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(404, (await next.RequestAsync(TestClient.Get("/cut"))).StatusCode);
    }

    [Fact]
    public async Task ARemovedResponse_StopsAnswering_AtOnce()
    {
        StaticServer server = _scope.Start();
        CannedResponse canned = server.Responses.Add(Json("/a.txt", 418, "{}"));
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        Assert.Equal(418, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        Assert.True(server.Responses.Remove(canned));
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }
}
