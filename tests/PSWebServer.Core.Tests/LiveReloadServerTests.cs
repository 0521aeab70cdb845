using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Live reload over real sockets: the client script with its validators, the event stream (an event arrives, a
/// change under the root arrives, a wait longer than the send timeout does not kill it), and Stop, which ends the
/// streams first so they are never connections in flight: a short grace is enough and the stop is graceful.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class LiveReloadServerTests : IDisposable
{
    private static readonly TimeSpan Arrives = TimeSpan.FromSeconds(5);
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private StaticServer Start(string engine = "epoll", bool watch = true, ServerLimits? limits = null, TimeSpan? heartbeat = null,
        System.Collections.Generic.KeyValuePair<string, string>[]? headers = null)
    {
        StaticServerOptions options = _scope.Options(limits, engine: engine == "socket" ? ServerEngine.Socket : ServerEngine.Auto);
        return _scope.Track(StaticServer.Start(new StaticServerOptions
        {
            Root = options.Root,
            Port = 0,
            Name = "lr",
            Limits = options.Limits,
            Engine = options.Engine,
            LiveReload = true,
            LiveReloadWatch = watch,
            LiveReloadHeartbeat = heartbeat,
            Headers = headers ?? Array.Empty<System.Collections.Generic.KeyValuePair<string, string>>(),
        }));
    }

    /// <summary>Opens the event stream and reads its head and first line.</summary>
    private static async Task<(TestClient Client, StreamText Stream)> SubscribeAsync(StaticServer server)
    {
        TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(TestClient.Get("/__pswebserver/events", "Accept: text/event-stream\r\n"));
        var stream = new StreamText(client.Socket);
        string head = await stream.UntilAsync(": pswebserver live reload", Arrives);
        Assert.StartsWith("HTTP/1.1 200", head);
        Assert.Contains("Content-Type: text/event-stream", head);
        Assert.Contains("Transfer-Encoding: chunked", head);
        Assert.Contains("Connection: close", head);
        Assert.True(await ServerScope.EventuallyAsync(() => server.LiveReloadClients > 0, Arrives));
        return (client, stream);
    }

    [Fact]
    public async Task ClientScript_IsServedWithItsETag_AndRevalidates()
    {
        StaticServer server = Start(watch: false, headers: new[] { new System.Collections.Generic.KeyValuePair<string, string>("X-Site", "dev") });
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse script = await client.RequestAsync(TestClient.Get("/__pswebserver/livereload.js"));
        Assert.Equal(200, script.StatusCode);
        Assert.StartsWith("text/javascript", script.Header("Content-Type"));
        Assert.Contains("EventSource", script.BodyText);
        Assert.Equal("dev", script.Header("X-Site")); // the user's -Header fields are on every response
        TestResponse again = await client.RequestAsync(TestClient.Get("/__pswebserver/livereload.js", "If-None-Match: " + script.Header("ETag") + "\r\n"));
        Assert.Equal(304, again.StatusCode);
        Assert.Equal(404, (await client.RequestAsync(TestClient.Get("/__pswebserver/other"))).StatusCode);
        Assert.Equal(405, (await client.RequestAsync("POST /__pswebserver/events HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")).StatusCode);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Reload_ReachesAnOpenStream_AndStylesheetsAreSwapEvents(string engine)
    {
        StaticServer server = Start(engine, watch: false);
        var (client, stream) = await SubscribeAsync(server);
        using (client)
        {
            server.Reload();
            await stream.UntilAsync("data: reload\n\n", Arrives);
            server.Reload(new[] { "css/site.css", "/print.css" });
            await stream.UntilAsync("data: css /print.css\n\n", Arrives);
            Assert.Contains("data: css /css/site.css\n\n", stream.Text);
        }
    }

    [Fact]
    public async Task AChangeUnderTheRoot_ReachesTheStream()
    {
        StaticServer server = Start();
        var (client, stream) = await SubscribeAsync(server);
        using (client)
        {
            File.WriteAllText(Path.Combine(server.Root, "index.html"), "<h1>changed</h1>");
            await stream.UntilAsync("data: reload\n\n", Arrives);
        }
    }

    [Fact]
    public async Task AStreamWaitingLongerThanTheSendTimeout_IsNotAborted()
    {
        StaticServer server = Start(watch: false, limits: new ServerLimits { SendTimeout = TimeSpan.FromMilliseconds(500) });
        var (client, stream) = await SubscribeAsync(server);
        using (client)
        {
            await Task.Delay(2500); // the heartbeat checks deadlines once a second
            Assert.Equal(1, server.LiveReloadClients);
            server.Reload();
            await stream.UntilAsync("data: reload\n\n", Arrives);
        }
    }

    [Fact]
    public async Task AQuietStream_GetsAHeartbeatComment()
    {
        StaticServer server = Start(watch: false, heartbeat: TimeSpan.FromMilliseconds(300));
        var (client, stream) = await SubscribeAsync(server);
        using (client)
        {
            await stream.UntilAsync(": ping\n\n", Arrives);
            server.Reload();
            await stream.UntilAsync("data: reload\n\n", Arrives); // still the same stream after heartbeats
        }
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_EndsTheStreamsAtOnce_AndIsGraceful_WithAShortGrace(string engine)
    {
        StaticServer server = Start(engine);
        var (a, streamA) = await SubscribeAsync(server);
        var (b, _) = await SubscribeAsync(server);
        using (a)
        using (b)
        {
            Assert.True(await ServerScope.EventuallyAsync(() => server.LiveReloadClients == 2, Arrives));
            var clock = Stopwatch.StartNew();

            // From a thread of its own, as the session's pipeline thread calls it: not a pool thread the server needs.
            bool graceful = await ClientThread.Run("stop", () => server.Stop(TimeSpan.FromMilliseconds(500)));

            Assert.True(graceful, "a stream was counted as in flight");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "Stop took " + clock.Elapsed);
            Assert.Equal(0, server.ActiveConnections);
            await streamA.UntilClosedAsync(Arrives);
            Assert.EndsWith("0\r\n\r\n", streamA.Text); // the stream ended properly, not cut
            Assert.Throws<InvalidOperationException>(() => server.Reload());
        }
    }

    /// <summary>Everything a socket has sent so far, as Latin-1 text, read until a marker or the close.</summary>
    private sealed class StreamText
    {
        private readonly Socket _socket;
        private readonly StringBuilder _text = new();
        private readonly byte[] _buffer = new byte[4096];

        public StreamText(Socket socket) => _socket = socket;

        public string Text => _text.ToString();

        public async Task<string> UntilAsync(string marker, TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            while (!_text.ToString().Contains(marker, StringComparison.Ordinal))
            {
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"'{marker.ReplaceLineEndings("\\n")}' did not arrive within {timeout}; got: {_text}");
                }
                if (n == 0) throw new Xunit.Sdk.XunitException($"closed before '{marker}'; got: {_text}");
                _text.Append(Encoding.Latin1.GetString(_buffer, 0, n));
            }
            return _text.ToString();
        }

        public async Task UntilClosedAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            while (true)
            {
                int n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancel.Token);
                if (n == 0) return;
                _text.Append(Encoding.Latin1.GetString(_buffer, 0, n));
            }
        }
    }
}
