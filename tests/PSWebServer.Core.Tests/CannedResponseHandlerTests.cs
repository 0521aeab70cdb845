using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using PSWebServer.TestResponses;
using Xunit;

namespace PSWebServer.Tests;

public sealed class CannedResponseHandlerTests : IDisposable
{
    private readonly CannedResponseTable _table = new(1, "t");
    private readonly CannedResponseHandler _handler;
    private readonly HttpResponse _response = new();
    private readonly TempFolder _folder = new();

    public CannedResponseHandlerTests()
    {
        _handler = new CannedResponseHandler(_table);
    }

    public void Dispose()
    {
        _response.Dispose();
        _folder.Dispose();
    }

    private CannedResponse Add(string path, int status = 200, string? body = null, Action<CannedResponseDefinition>? more = null)
    {
        var definition = new CannedResponseDefinition { Path = path, StatusCode = status };
        if (body is not null)
        {
            definition.Body = Encoding.UTF8.GetBytes(body);
            definition.ContentType = "text/plain; charset=utf-8";
        }
        more?.Invoke(definition);
        return _table.Add(definition);
    }

    private static HttpRequest Request(string method, string target, string headers = "", string body = "")
    {
        ParsedRequest parsed = ParsedRequest.Parse(method + " " + target + " HTTP/1.1\r\nHost: t\r\n" + headers + "\r\n");
        Assert.Equal(ParseStatus.Complete, parsed.Status);
        return new HttpRequest(parsed.Head) { Bytes = parsed.Bytes, Body = Encoding.UTF8.GetBytes(body) };
    }

    private FrontDecision Decide(string method, string target, string headers = "", string body = "")
    {
        _response.Reset();
        return _handler.Decide(Request(method, target, headers, body), _response);
    }

    private string BodyText => Encoding.UTF8.GetString(_response.BodyBytes.Span);

    [Fact]
    public void AnEmptyTable_PassesEverything()
    {
        Assert.Equal(FrontDecision.Pass, Decide("GET", "/a.txt"));
        Assert.Equal(0, _response.StatusCode);
    }

    [Fact]
    public void AMatch_IsAnsweredOnTheLoop_WithItsStatusTypeHeadersBodyAndDescription()
    {
        CannedResponse canned = Add("/api/items", 201, "made", d => d.Headers.Add(new("Location", "/api/items/7")));

        Assert.Equal(FrontDecision.Handled, Decide("POST", "/api/items"));
        Assert.Equal(201, _response.StatusCode);
        Assert.Equal("made", BodyText);
        Assert.Equal(4, _response.ContentLength);
        Assert.Equal(canned.Description, _response.AnsweredBy);
        Assert.Equal(1, _response.BlockCount);
        HeaderBlock block = _response.Block(0);
        Assert.Equal("Content-Type: text/plain; charset=utf-8\r\nLocation: /api/items/7\r\n", Encoding.ASCII.GetString(block.Http1Lines));
    }

    [Fact]
    public void MatchingAndAnsweringFromMemory_AllocatesNothing()
    {
        Add("/api/*", 200, "{}", d =>
        {
            d.Methods.Add("GET");
            d.Query.Add(new("page", "*"));
            d.RequestHeaders.Add(new("Accept", "application/*"));
            d.Headers.Add(new("X-Test", "1"));
        });
        HttpRequest request = Request("GET", "/api/items%2F7?size=10&page=2", "Accept: application/json\r\n");
        _response.Reset();
        Assert.Equal(FrontDecision.Handled, _handler.Decide(request, _response)); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _response.Reset();
            _handler.Decide(request, _response);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(200, _response.StatusCode);
    }

    [Fact]
    public void WantsBody_FromTheHeadAlone_OnlyWhereAResponseWithAUseLeftMatches()
    {
        Assert.False(_handler.WantsBody(Request("POST", "/api/orders"))); // an empty table takes nothing
        Add("/api/orders", 201, more: d =>
        {
            d.Methods.Add("POST");
            d.BodyContains = "\"sku\""; // cannot be judged before the body: counts as met
            d.Times = 1;
        });

        Assert.True(_handler.WantsBody(Request("POST", "/api/orders")));
        Assert.True(_handler.WantsBody(Request("POST", "/api/%6Frders"))); // matched decoded, as Decide does
        Assert.False(_handler.WantsBody(Request("PUT", "/api/orders")));
        Assert.False(_handler.WantsBody(Request("POST", "/api/other")));

        Assert.Equal(FrontDecision.Handled, Decide("POST", "/api/orders", body: "{\"sku\":1}")); // its one use
        Assert.False(_handler.WantsBody(Request("POST", "/api/orders")));
    }

    [Fact]
    public void UnmatchedPathsAndMethods_Pass()
    {
        Add("/api/items", more: d => d.Methods.Add("post"));

        Assert.Equal(FrontDecision.Pass, Decide("GET", "/api/items"));
        Assert.Equal(FrontDecision.Pass, Decide("POST", "/api/items/1"));
        Assert.Equal(FrontDecision.Pass, Decide("POST", "/api/Items"));
        Assert.Equal(FrontDecision.Handled, Decide("POST", "/api/items?x=1"));
    }

    [Fact]
    public void Get_AlsoAnswersHead_ButNotOtherMethods()
    {
        Add("/r", more: d => d.Methods.Add("GET"));

        Assert.Equal(FrontDecision.Handled, Decide("HEAD", "/r"));
        Assert.Equal(FrontDecision.Pass, Decide("DELETE", "/r"));
    }

    [Fact]
    public void TheRequestPath_IsMatchedPercentDecoded()
    {
        Add("/files/a b.txt", body: "x");

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/files/a%20b.txt"));
    }

    [Fact]
    public void ResponsesOnOnePath_AreTriedInTheOrderAdded_AndUsedUpOnesAreSkipped()
    {
        Add("/flaky", 503, more: d => d.Times = 2);
        Add("/flaky", 200, "ok");

        var statuses = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(FrontDecision.Handled, Decide("GET", "/flaky"));
            statuses.Add(_response.StatusCode);
        }
        Assert.Equal(new[] { 503, 503, 200, 200 }, statuses);
        Assert.Equal(0, _table.Snapshot()[0].UsesLeft);
        Assert.Null(_table.Snapshot()[1].UsesLeft);
        Assert.Equal(2, _table.Snapshot()[1].AnswerCount);
    }

    [Fact]
    public void AUsedUpResponse_LeavesTheRequestToTheFiles()
    {
        Add("/a.txt", 500, more: d => d.Times = 1);

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/a.txt"));
        Assert.Equal(FrontDecision.Pass, Decide("GET", "/a.txt"));
    }

    [Fact]
    public void QueryConditions_CompareDecodedParameters()
    {
        Add("/items", body: "page 2", more: d => d.Query.Add(new("page", "2")));
        Add("/items", body: "search", more: d => d.Query.Add(new("q", "hello w*")));
        Add("/items", body: "first");

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/items?size=10&page=2"));
        Assert.Equal("page 2", BodyText);
        Assert.Equal(FrontDecision.Handled, Decide("GET", "/items?page=22"));
        Assert.Equal("first", BodyText);
        Assert.Equal(FrontDecision.Handled, Decide("GET", "/items?q=hello+world"));
        Assert.Equal("search", BodyText);
        Assert.Equal(FrontDecision.Handled, Decide("GET", "/items?q=hello%20wide"));
        Assert.Equal("search", BodyText);
        Assert.Equal(FrontDecision.Handled, Decide("GET", "/items?q=hello%2Bworld"));
        Assert.Equal("first", BodyText);
    }

    [Fact]
    public void HeaderConditions_MatchAnyLineOfThatName_NameInAnyCase()
    {
        Add("/secure", 200, "in", d => d.RequestHeaders.Add(new("Authorization", "Bearer *")));
        Add("/secure", 401);

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/secure", "authorization: Bearer abc\r\n"));
        Assert.Equal(200, _response.StatusCode);
        Assert.Equal(FrontDecision.Handled, Decide("GET", "/secure", "Authorization: Basic abc\r\n"));
        Assert.Equal(401, _response.StatusCode);
        Assert.Equal(FrontDecision.Handled, Decide("GET", "/secure"));
        Assert.Equal(401, _response.StatusCode);
    }

    [Fact]
    public void ABodyCondition_LooksForTheTextInTheRequestBody()
    {
        Add("/orders", 409, more: d => d.BodyContains = "\"sku\":\"gone\"");
        Add("/orders", 201);

        Assert.Equal(FrontDecision.Handled, Decide("POST", "/orders", body: "{\"sku\":\"gone\",\"n\":1}"));
        Assert.Equal(409, _response.StatusCode);
        Assert.Equal(FrontDecision.Handled, Decide("POST", "/orders", body: "{\"sku\":\"here\"}"));
        Assert.Equal(201, _response.StatusCode);
    }

    [Fact]
    public void AResponseWithoutBody_SaysContentLengthZero_AndHasNoContentType()
    {
        Add("/empty", 200);

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/empty"));
        Assert.Equal(0, _response.ContentLength);
        Assert.Equal(0, _response.BlockCount);
    }

    [Fact]
    public void A304_CarriesNeitherBodyNorContentLength()
    {
        Add("/cached", 304, more: d => d.Headers.Add(new("ETag", "\"v1\"")));

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/cached"));
        Assert.Equal(BodyKind.None, _response.Body);
        Assert.Equal(-1, _response.ContentLength);
    }

    [Fact]
    public void AFault_IsHandedToTheConnection()
    {
        Add("/drop", body: "0123456789", more: d => d.Fault = CannedFault.CloseMidBody);

        Assert.Equal(FrontDecision.Handled, Decide("GET", "/drop"));
        Assert.Equal(ResponseFault.CloseMidBody, _response.Fault);
    }

    [Fact]
    public async Task ADelay_IsClaimedOffTheLoop_AndAwaitedBeforeAnswering()
    {
        Add("/slow", 200, "late", d => d.Delay = TimeSpan.FromMilliseconds(300));
        HttpRequest request = Request("GET", "/slow");

        Assert.Equal(FrontDecision.OffLoop, _handler.Decide(request, _response));
        Assert.Equal(0, _response.StatusCode); // Decide fills nothing when it claims
        var clock = Stopwatch.StartNew();
        await _handler.HandleAsync(request, _response, CancellationToken.None);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), clock.Elapsed.ToString());
        Assert.Equal(200, _response.StatusCode);
        Assert.Equal("late", BodyText);
    }

    [Fact]
    public async Task ADelay_EndsAtOnce_WhenTheConnectionIsAborted()
    {
        Add("/slow", more: d => d.Delay = TimeSpan.FromMinutes(5));
        HttpRequest request = Request("GET", "/slow");
        Assert.Equal(FrontDecision.OffLoop, _handler.Decide(request, _response));

        using var abort = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _handler.HandleAsync(request, _response, abort.Token).AsTask());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task AFileBody_IsOpenedPerRequest_WithTheTypeOfItsExtension()
    {
        string file = _folder.File("data.json", "{\"v\":1}");
        Add("/data", more: d => d.BodyFile = file);
        HttpRequest request = Request("GET", "/data");

        Assert.Equal(FrontDecision.OffLoop, _handler.Decide(request, _response));
        await _handler.HandleAsync(request, _response, CancellationToken.None);
        Assert.Equal(BodyKind.File, _response.Body);
        Assert.Equal(7, _response.FileLength);
        Assert.Contains("Content-Type: application/json; charset=utf-8", Encoding.ASCII.GetString(_response.Block(0).Http1Lines));
        _response.Reset();

        File.WriteAllText(file, "{\"v\":22}"); // changed after it was added: each answer reads it again
        Assert.Equal(FrontDecision.OffLoop, _handler.Decide(request, _response));
        await _handler.HandleAsync(request, _response, CancellationToken.None);
        Assert.Equal(8, _response.FileLength);
    }

    [Fact]
    public async Task AThrottledBody_IsAStreamOfKnownLength_SentAtAboutTheRate()
    {
        Add("/trickle", body: new string('x', 1000), more: d => d.BytesPerSecond = 2500);
        HttpRequest request = Request("GET", "/trickle");
        Assert.Equal(FrontDecision.OffLoop, _handler.Decide(request, _response));
        await _handler.HandleAsync(request, _response, CancellationToken.None);
        Assert.Equal(BodyKind.Stream, _response.Body);
        Assert.Equal(1000, _response.ContentLength);

        var sink = new RecordingSink();
        var clock = Stopwatch.StartNew();
        await _response.Writer!.WriteBodyAsync(sink, CancellationToken.None);
        // 1000 bytes at 2500 B/s in slices of 250 bytes, the first at once: the last leaves 0.3 s in.
        Assert.Equal(new string('x', 1000), Encoding.ASCII.GetString(sink.Bytes.ToArray()));
        Assert.True(sink.Flushes >= 4, sink.Flushes.ToString());
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task AThrottledFile_IsReadInSlices_FromTheFileTheResponseOwns()
    {
        string file = _folder.File("t.txt", "abcdefghij");
        Add("/t", more: d => { d.BodyFile = file; d.BytesPerSecond = 50; });
        HttpRequest request = Request("GET", "/t");
        Assert.Equal(FrontDecision.OffLoop, _handler.Decide(request, _response));
        await _handler.HandleAsync(request, _response, CancellationToken.None);

        Assert.NotNull(_response.File); // disposed by the response's Reset, after the body
        var sink = new RecordingSink();
        await _response.Writer!.WriteBodyAsync(sink, CancellationToken.None);
        Assert.Equal("abcdefghij", Encoding.ASCII.GetString(sink.Bytes.ToArray()));
        Assert.Equal(2, sink.Flushes); // 50 B/s: 5-byte slices
        _response.Reset();
        File.Delete(file); // not held open any more (matters on Windows; harmless here)
    }

    private sealed class RecordingSink : IResponseBodySink
    {
        public List<byte> Bytes { get; } = new();
        public int Flushes { get; private set; }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
        {
            Bytes.AddRange(data.ToArray());
            return default;
        }

        public ValueTask FlushAsync()
        {
            Flushes++;
            return default;
        }

        public void AwaitingEvents(bool awaiting)
        {
        }
    }
}
