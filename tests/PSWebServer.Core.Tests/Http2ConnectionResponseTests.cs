using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using PSWebServer.TestResponses;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The same handler behind the HTTP/2 encoder: ranges, validators, compression, interim 100, trailers, large request
/// header blocks, the stream limit, and the canned faults as HTTP/2 commits them (a stream reset, not the connection).
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class Http2ConnectionResponseTests : IDisposable
{
    private const int LargeLength = 300_000;
    private readonly ServerScope _scope = new();
    private readonly byte[] _large = new byte[LargeLength];
    private readonly string _text = string.Concat(Enumerable.Range(0, 2000).Select(i => "line " + i + " of a text file\n"));

    public Http2ConnectionResponseTests()
    {
        new Random(5).NextBytes(_large);
        File.WriteAllBytes(Path.Combine(_scope.Root, "large.bin"), _large);
        _scope.Site.File("page.txt", _text);
    }

    public void Dispose() => _scope.Dispose();

    private static async Task<ServerRequest> LoggedAsync(StaticServer server, Func<ServerRequest, bool> match)
    {
        ServerRequest? found = null;
        Assert.True(await ServerScope.EventuallyAsync(() => (found = server.Requests.ReadAll().LastOrDefault(match)) != null, TimeSpan.FromSeconds(5)),
            "no such request in the log: " + string.Join(", ", server.Requests.ReadAll()));
        return found!;
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ARange_Is206WithTheRightBytes_AndMultipleRangesAreMultipart(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse single = await client.GetAsync("/large.bin", new[] { ("range", "bytes=1000-100999") });
        Http2TestResponse multi = await client.GetAsync("/large.bin", new[] { ("range", "bytes=0-9,200000-200009") });

        Assert.Equal(206, single.Status);
        Assert.Equal("bytes 1000-100999/" + LargeLength, single.Header("content-range"));
        Assert.True(_large.AsSpan(1000, 100_000).SequenceEqual(single.Body), single.ToString());
        Assert.Equal(206, multi.Status);
        Assert.StartsWith("multipart/byteranges", multi.Header("content-type"));
        string hex = Convert.ToHexString(multi.Body);
        Assert.Contains(Convert.ToHexString(_large, 0, 10), hex);
        Assert.Contains(Convert.ToHexString(_large, 200_000, 10), hex);
        if (multi.Header("content-length") is string length) Assert.Equal(multi.BodyLength.ToString(), length);
        Assert.Null(client.Violation);
    }

    [Fact]
    public async Task AMatchingIfNoneMatch_Is304WithoutData()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        Http2TestResponse first = await client.GetAsync("/a.txt");
        string etag = first.Header("etag") ?? throw new Xunit.Sdk.XunitException("no etag");

        Http2TestResponse again = await client.GetAsync("/a.txt", new[] { ("if-none-match", etag) });

        Assert.Equal(304, again.Status);
        Assert.Empty(again.DataFrames);
        Assert.True(again.Ended);
        Assert.Equal(etag, again.Header("etag"));
    }

    [Fact]
    public async Task AcceptEncodingGzip_GetsACompressedBody_ThatInflatesToTheFile()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse response = await client.GetAsync("/page.txt", new[] { ("accept-encoding", "gzip") });
        if (response.Header("content-encoding") is null) response = await client.GetAsync("/page.txt", new[] { ("accept-encoding", "gzip") });

        Assert.Equal(200, response.Status);
        Assert.Equal("gzip", response.Header("content-encoding"));
        Assert.Equal(response.BodyLength.ToString(), response.Header("content-length"));
        using var inflate = new GZipStream(new MemoryStream(response.Body), CompressionMode.Decompress);
        using var text = new StreamReader(inflate, Encoding.UTF8);
        Assert.Equal(_text, text.ReadToEnd());
        Assert.Contains("accept-encoding", response.Header("vary") ?? "", StringComparison.OrdinalIgnoreCase);
        ServerRequest logged = await LoggedAsync(server, r => r.ContentEncoding == "gzip");
        Assert.Equal(("HTTP/2", response.BodyLength), (logged.Protocol, logged.BytesSent));
    }

    [Fact]
    public async Task ExpectContinue_GetsAnInterim100_ThenTheFinalAnswer()
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Post("/api/upload", 201, "stored"));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        uint id = client.NextStreamId();

        Http2TestResponse response = await client.SendHeadersAsync(id,
            Http2TestClient.RequestFields("POST", "/api/upload", new[] { ("expect", "100-continue"), ("content-length", "5") }), endStream: false);
        Assert.True(await ServerScope.EventuallyAsync(() => response.InterimStatuses.Count > 0, TimeSpan.FromSeconds(2)), "no 100: " + response);
        await client.SendDataAsync(id, Encoding.ASCII.GetBytes("hello"), endStream: true);
        await Http2TestClient.WaitAsync(response);

        Assert.Equal(new[] { 100 }, response.InterimStatuses);
        Assert.Equal((201, "stored"), (response.Status, response.BodyText));
    }

    [Fact]
    public async Task RequestTrailers_EndTheRequest_AndAreNotTheHead()
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Post("/api/upload", 201, "stored"));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        uint id = client.NextStreamId();

        Http2TestResponse response = await client.SendHeadersAsync(id,
            Http2TestClient.RequestFields("POST", "/api/upload", new[] { ("te", "trailers") }), endStream: false);
        await client.SendDataAsync(id, Encoding.ASCII.GetBytes("body"), endStream: false);
        await client.SendHeadersAsync(id, new[] { ("x-checksum", "1234") }, endStream: true);
        await Http2TestClient.WaitAsync(response);

        Assert.Equal(201, response.Status);
        ServerRequest logged = await LoggedAsync(server, r => r.Method == "POST");
        Assert.Equal("body", logged.Body);
        Assert.False(logged.Headers.ContainsKey("x-checksum"));
    }

    [Fact]
    public async Task APseudoHeaderInRequestTrailers_IsRstStreamProtocolError()
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Post("/api/upload", 201, "stored"));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        uint id = client.NextStreamId();

        Http2TestResponse response = await client.SendHeadersAsync(id, Http2TestClient.RequestFields("POST", "/api/upload"), endStream: false);
        await client.SendDataAsync(id, Encoding.ASCII.GetBytes("body"), endStream: false);
        await client.SendHeadersAsync(id, new[] { (":path", "/other") }, endStream: true);
        await Http2TestClient.WaitAsync(response);

        Assert.Equal((Http2ErrorCode?)Http2ErrorCode.ProtocolError, response.ResetCode);
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task ARequestHeaderBlockOverContinuationFrames_IsServed()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        var fields = Enumerable.Range(0, 20).Select(i => ("x-big-" + i, new string('v', 1000))).ToArray(); // 20 KB: HEADERS + CONTINUATION

        Http2TestResponse response = await client.SendRequestAsync("GET", "/a.txt", fields);
        await Http2TestClient.WaitAsync(response);

        Assert.Equal((200, ServerScope.TextA), (response.Status, response.BodyText));
        ServerRequest logged = await LoggedAsync(server, r => r.Path == "/a.txt");
        Assert.Equal(new string('v', 1000), logged.Headers["x-big-7"]);
    }

    [Fact]
    public async Task TooManyFields_Get431_AndTheConnectionGoesOn()
    {
        StaticServer server = _scope.Start(limits: new ServerLimits { MaxHeaderCount = 10 });
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse response = await client.GetAsync("/a.txt", Enumerable.Range(0, 20).Select(i => ("x-f" + i, "v")));

        Assert.Equal(431, response.Status);
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task TheHundredAndFirstOpenStream_IsRefused_TheOthersAreServed()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port, new[] { (Http2SettingId.InitialWindowSize, 1u) });
        client.AutoWindowUpdate = false;

        var open = new Http2TestResponse[100];
        for (int i = 0; i < 100; i++) open[i] = await client.SendRequestAsync("GET", "/large.bin"); // each stalls after 1 octet
        Assert.True(await ServerScope.EventuallyAsync(() => open.All(r => r.Status == 200), TimeSpan.FromSeconds(5)), "not all 100 answered");
        Http2TestResponse refused = await client.SendRequestAsync("GET", "/a.txt");
        await Http2TestClient.WaitAsync(refused);

        Assert.Equal((Http2ErrorCode?)Http2ErrorCode.RefusedStream, refused.ResetCode);
        Assert.False(client.GoAwayReceived);
        foreach (Http2TestResponse r in open.Take(5)) await client.SendRstStreamAsync(r.StreamId, Http2ErrorCode.Cancel);
        await client.PingAsync();
        Http2TestResponse after = await client.SendRequestAsync("GET", "/a.txt");
        await client.SendWindowUpdateAsync(after.StreamId, 100);
        await Http2TestClient.WaitAsync(after);
        Assert.Equal((200, ServerScope.TextA), (after.Status, after.BodyText));
    }

    [Fact]
    public async Task AResponseHeaderBlockLargerThanAFrame_IsSplitIntoContinuation()
    {
        StaticServer server = _scope.Start();
        var definition = new CannedResponseDefinition { Path = "/many-headers", Body = Encoding.ASCII.GetBytes("ok"), ContentType = "text/plain" };
        for (int i = 0; i < 24; i++) definition.Headers.Add(new("X-Big-" + i, new string((char)('a' + i), 1000)));
        server.Responses.Add(definition);
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse response = await client.GetAsync("/many-headers");

        Assert.Equal((200, "ok"), (response.Status, response.BodyText));
        for (int i = 0; i < 24; i++) Assert.Equal(new string((char)('a' + i), 1000), response.Header("x-big-" + i));
        Assert.Null(client.Violation);
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status); // the HPACK state and the framing are still in step
    }

    [Fact]
    public async Task AHeaderListOverTheLimit_IsRefused_AndOtherClientsAreServed()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        var fields = Enumerable.Range(0, 60).Select(i => ("x-huge-" + i, new string('h', 1000))).ToArray(); // 60 KB > 32 + 8 KiB

        Http2TestResponse response = await client.SendRequestAsync("GET", "/a.txt", fields);
        await Http2TestClient.WaitAsync(response);

        // 431 on the stream (as HTTP/1.1 answers), or a stream or connection error: never served.
        Assert.NotEqual(200, response.Status);
        using Http2TestClient other = await Http2TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await other.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task AHeaderListJustOverTheLimit_Gets431_AndTheConnectionGoesOn()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        Http2TestResponse before = await client.GetAsync("/a.txt");
        // 40 fields of 1 KB: a list of ~41.6 KB (name + value + 32 each) past our 40 KiB, in a block of ~31 KB (Huffman).
        var fields = Enumerable.Range(0, 40).Select(i => ("x-cookie-" + i, new string('h', 1000))).ToArray();

        Http2TestResponse response = await client.SendRequestAsync("GET", "/a.txt", fields);
        await Http2TestClient.WaitAsync(response);

        // RFC 9113 §10.5.1: a server may answer a field block larger than it will handle with 431; HTTP/1.1 here does.
        // The HPACK state is intact (the block decodes), so nothing obliges the connection's other streams to die with it.
        Assert.Equal(431, response.Status);
        Assert.False(client.GoAwayReceived, "the connection was ended for one stream's headers");
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Theory]
    [InlineData("authority")]
    [InlineData("fields")]
    [InlineData("connect")]
    public async Task ARefusedRequestThatHadEnded_GetsItsAnswer_AndNoResetAfterIt(string what)
    {
        StaticServer server = _scope.Start(limits: new ServerLimits { MaxHeaderCount = 10 });
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse response = what switch
        {
            "authority" => await client.SendRequestAsync("GET", "/a.txt", authority: "bad host"),
            "fields" => await client.SendRequestAsync("GET", "/a.txt", Enumerable.Range(0, 20).Select(i => ("x-f" + i, "v"))),
            _ => await client.SendHeadersAsync(client.NextStreamId(), new[] { (":method", "CONNECT"), (":authority", "example.test:443") }, endStream: true),
        };
        await Http2TestClient.WaitAsync(response);
        await client.PingAsync();

        Assert.True(response.Ended, response.ToString());
        Assert.Contains(response.Status, new[] { 400, 431, 501 });
        // Both sides sent END_STREAM: the stream is closed (§5.1), and only PRIORITY may be sent on a closed stream.
        Assert.DoesNotContain(client.FramesSoFar(), f => f.Type == Http2FrameType.RstStream && f.StreamId == response.StreamId);
    }

    [Fact]
    public async Task AnInvalidAuthority_Is400()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse response = await client.SendRequestAsync("GET", "/a.txt", authority: "bad host");
        await Http2TestClient.WaitAsync(response);

        Assert.True(response.Status == 400 || response.ResetCode == Http2ErrorCode.ProtocolError, response.ToString());
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task WindowUpdateAndRstStream_OnAStreamJustClosed_AreIgnored()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        Http2TestResponse done = await client.GetAsync("/a.txt");

        await client.SendWindowUpdateAsync(done.StreamId, 1000);
        await client.SendRstStreamAsync(done.StreamId, Http2ErrorCode.Cancel);
        await client.PingAsync();

        Assert.False(client.GoAwayReceived);
        Assert.DoesNotContain(client.FramesSoFar(), f => f.Type == Http2FrameType.RstStream);
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task DataAfterTheClientsEndStream_IsStreamClosed()
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Slow("/slow", 1000));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        Http2TestResponse slow = await client.SendRequestAsync("GET", "/slow"); // half-closed (remote) while it is answered

        await client.SendDataAsync(slow.StreamId, new byte[10], endStream: false);
        Http2TestFrame error = await client.NextFrameAsync(f => f.Type is Http2FrameType.RstStream or Http2FrameType.GoAway);

        Assert.Equal(Http2ErrorCode.StreamClosed, error.ErrorCode);
        Assert.Equal(Http2FrameType.RstStream, error.Type); // §5.1 half-closed (remote): a stream error
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task FiveHundredSequentialRequests_OnOneConnection_AllServed()
    {
        StaticServer server = _scope.Start();
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        for (int i = 0; i < 500; i++)
        {
            Http2TestResponse response = await client.GetAsync(i % 2 == 0 ? "/a.txt" : "/index.html");
            Assert.Equal(200, response.Status);
        }

        Assert.False(client.GoAwayReceived);
        Assert.Null(client.Violation);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TwentyConnections_FiveStreamsEach_AtOnce(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        var clients = new Http2TestClient[20];
        try
        {
            for (int i = 0; i < clients.Length; i++) clients[i] = await Http2TestClient.ConnectAsync(server.Port);
            var responses = new System.Collections.Generic.List<Http2TestResponse>();
            for (int j = 0; j < 5; j++)
            {
                foreach (Http2TestClient c in clients) responses.Add(await c.SendRequestAsync("GET", j == 0 ? "/large.bin" : "/a.txt"));
            }
            foreach (Http2TestResponse response in responses) await Http2TestClient.WaitAsync(response, TimeSpan.FromSeconds(10));

            foreach (Http2TestResponse response in responses)
            {
                Assert.Equal(200, response.Status);
                if (response.BodyLength > 100) Assert.True(_large.AsSpan().SequenceEqual(response.Body));
                else Assert.Equal(ServerScope.TextA, response.BodyText);
            }
            Assert.Equal(20, server.ActiveConnections);
        }
        finally
        {
            foreach (Http2TestClient? c in clients) c?.Dispose();
        }
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(5)), "connections left: " + server.ActiveConnections);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TheClientVanishingMidDownload_FreesTheConnection(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);
        client.AutoWindowUpdate = false;
        Http2TestResponse download = await client.SendRequestAsync("GET", "/large.bin");
        Assert.True(await ServerScope.EventuallyAsync(() => download.BodyLength == 65535, TimeSpan.FromSeconds(5)));
        Http2TestResponse pending = await client.SendRequestAsync("GET", "/small.txt");

        client.Dispose(); // RST: the socket goes with data unread

        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(5)), "connections left: " + server.ActiveConnections);
        ServerRequest logged = await LoggedAsync(server, r => r.Path == "/large.bin");
        Assert.True(logged.BytesSent <= 65535, "BytesSent " + logged.BytesSent);
        using Http2TestClient other = await Http2TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await other.GetAsync("/a.txt")).Status);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task TheLiveReloadEventStream_OverH2_GetsItsEvents_AndStopEndsItGracefully(string engine)
    {
        StaticServerOptions options = _scope.Options(engine: engine == "socket" ? ServerEngine.Socket : ServerEngine.Auto);
        StaticServer server = _scope.Track(StaticServer.Start(new StaticServerOptions
        {
            Root = options.Root, Port = 0, Name = "lr", Limits = options.Limits, Engine = options.Engine,
            LiveReload = true, LiveReloadWatch = false,
        }));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse events = await client.SendRequestAsync("GET", "/__pswebserver/events", new[] { ("accept", "text/event-stream") });
        Assert.True(await ServerScope.EventuallyAsync(() => events.Status != 0 && server.LiveReloadClients == 1, TimeSpan.FromSeconds(5)), events.ToString());
        Http2TestResponse page = await client.GetAsync("/a.txt"); // the same connection goes on beside the open stream
        server.Reload();
        bool reloaded = await ServerScope.EventuallyAsync(() => events.BodyText.Contains("data: reload\n\n"), TimeSpan.FromSeconds(5));

        Assert.Equal(200, events.Status);
        Assert.StartsWith("text/event-stream", events.Header("content-type"));
        AssertNoH1Fields(events);
        Assert.True(reloaded, "no reload event: " + events.BodyText);
        Assert.Equal(200, page.Status);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool graceful = await ClientThread.Run("stop", () => server.Stop(TimeSpan.FromMilliseconds(500)));
        Assert.True(graceful, "Stop was not graceful with an event stream open");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), "Stop took " + clock.Elapsed);
        await Http2TestClient.WaitAsync(events);
        Assert.True(events.Ended || events.ResetCode != null || events.ConnectionLost, events.ToString());
    }

    private static void AssertNoH1Fields(Http2TestResponse response)
    {
        foreach (string name in new[] { "connection", "keep-alive", "transfer-encoding" }) Assert.Null(response.Header(name));
    }

    private static CannedResponseDefinition Slow(string path, int length) => new()
    {
        Path = path, Body = new byte[length], BytesPerSecond = length, ContentType = "application/octet-stream",
    };

    private static CannedResponseDefinition Post(string path, int status, string body)
    {
        var definition = new CannedResponseDefinition { Path = path, StatusCode = status, Body = Encoding.UTF8.GetBytes(body), ContentType = "text/plain" };
        definition.Methods.Add("POST");
        return definition;
    }

    private static CannedResponseDefinition Faulty(string path, CannedFault fault, int bodyLength = 0) => new()
    {
        Path = path, Fault = fault, Body = bodyLength > 0 ? new byte[bodyLength] : Encoding.ASCII.GetBytes("x"), ContentType = "application/octet-stream",
    };

    [Theory]
    [InlineData(CannedFault.Reset)]
    [InlineData(CannedFault.CloseWithoutResponse)]
    public async Task AResetFault_IsRstStreamInternalError_OnThatStreamOnly(CannedFault fault)
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Faulty("/broken", fault));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse broken = await client.GetAsync("/broken");
        Http2TestResponse fine = await client.GetAsync("/a.txt");

        Assert.Equal((Http2ErrorCode?)Http2ErrorCode.InternalError, broken.ResetCode);
        Assert.Equal(0, broken.Status);
        Assert.Equal(200, fine.Status);
        Assert.False(client.GoAwayReceived);
        ServerRequest logged = await LoggedAsync(server, r => r.Path == "/broken");
        Assert.Equal((fault.ToString(), "HTTP/2"), (logged.Fault, logged.Protocol));
    }

    [Fact]
    public async Task CloseMidBody_SendsHalfTheDataThenRstStream()
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Faulty("/half", CannedFault.CloseMidBody, 10_000));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse half = await client.GetAsync("/half");

        Assert.Equal(200, half.Status);
        Assert.Equal("10000", half.Header("content-length"));
        Assert.Equal(5000, half.BodyLength);
        Assert.False(half.Ended);
        Assert.Equal((Http2ErrorCode?)Http2ErrorCode.InternalError, half.ResetCode);
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
    }

    [Fact]
    public async Task MalformedStatusLine_IsAMalformedResponseOnThatStreamOnly()
    {
        StaticServer server = _scope.Start();
        server.Responses.Add(Faulty("/garbled", CannedFault.MalformedStatusLine));
        using Http2TestClient client = await Http2TestClient.ConnectAsync(server.Port);

        Http2TestResponse garbled = await client.GetAsync("/garbled");

        // The HTTP/2 form of HTTP/1.1's "HTTP/1.1 OK": a :status that is not three digits, which a client must treat
        // as a malformed response (§8.3.2), on that stream only.
        Assert.Equal(-1, garbled.Status);
        Assert.Equal("OK", garbled.Header(":status"));
        Assert.True(garbled.Ended, garbled.ToString());
        Assert.Equal(200, (await client.GetAsync("/a.txt")).Status);
        Assert.False(client.GoAwayReceived);
    }
}
