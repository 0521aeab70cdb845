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
/// How <see cref="Http1Connection"/> commits each <see cref="ResponseFault"/> over an in-memory transport: what reaches
/// the wire, that earlier pipelined answers go first, how the connection ends, and what the log says was sent.
/// </summary>
public sealed class Http1ConnectionFaultTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ConnectionHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>/fault answers 200 "0123456789" with the fault asked; other paths go to the files.</summary>
    private sealed class FaultHandler : IRequestHandler
    {
        private readonly IRequestHandler _files;
        public ResponseFault Fault;

        public FaultHandler(IRequestHandler files) => _files = files;

        public bool TryHandle(HttpRequest request, HttpResponse response)
        {
            if (ScriptedFrontHandler.PathOf(request) != "/fault") return _files.TryHandle(request, response);
            response.StatusCode = 200;
            response.SetBytes(Encoding.ASCII.GetBytes("0123456789"));
            response.Fault = Fault;
            return true;
        }

        public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel) => _files.HandleAsync(request, response, cancel);
    }

    private static string Get(string path) => "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";

    private static async Task<string> AllSentAsync(MemoryTransport t) => Encoding.Latin1.GetString(await t.ReadToEndAsync(Bound));

    [Fact]
    public async Task Reset_SendsNothingOfItsOwn_AfterTheEarlierPipelinedAnswer_AndResets()
    {
        var (t, loop) = _h.Open(new FaultHandler(_h.Handler) { Fault = ResponseFault.Reset });

        t.Send(Get("/a.txt") + Get("/fault") + Get("/a.txt"));

        await loop.WaitAsync(Bound);
        string sent = await AllSentAsync(t);
        Assert.True(t.WasReset);
        Assert.False(t.SentShutdown); // no FIN first
        Assert.Single(sent.Split("HTTP/1.1 "), s => s.Length > 0); // the first answer only
        Assert.EndsWith(ConnectionHarness.TextA, sent);
        Assert.Equal(new[] { (200, "/a.txt"), (0, "/fault") }, _h.Log.ReadAll().Select(r => (r.StatusCode, r.Path)));
        Assert.Equal(0, _h.Log.ReadAll()[1].BytesSent);
    }

    [Fact]
    public async Task CloseWithoutResponse_SendsNothing_ThenAFin()
    {
        var (t, loop) = _h.Open(new FaultHandler(_h.Handler) { Fault = ResponseFault.CloseWithoutResponse });

        t.Send(Get("/fault"));

        Assert.Equal("", await AllSentAsync(t));
        await loop.WaitAsync(Bound);
        Assert.False(t.WasReset);
        Assert.Equal((0, 0L), (_h.Log.ReadAll()[0].StatusCode, _h.Log.ReadAll()[0].BytesSent));
    }

    [Fact]
    public async Task CloseMidBody_PromisesTheWholeBody_SendsHalf_ThenAFin()
    {
        var (t, loop) = _h.Open(new FaultHandler(_h.Handler) { Fault = ResponseFault.CloseMidBody });

        t.Send(Get("/fault"));

        string sent = await AllSentAsync(t);
        await loop.WaitAsync(Bound);
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", sent);
        Assert.Contains("Content-Length: 10\r\n", sent);
        Assert.Contains("Connection: close\r\n", sent);
        Assert.EndsWith("\r\n\r\n01234", sent);
        Assert.False(t.WasReset);
        ServerRequest logged = _h.Log.ReadAll()[0];
        Assert.Equal((200, (long)sent.Length), (logged.StatusCode, logged.BytesSent));
    }

    [Fact]
    public async Task CloseMidBody_OnHead_SendsTheHeadOnly()
    {
        var (t, loop) = _h.Open(new FaultHandler(_h.Handler) { Fault = ResponseFault.CloseMidBody });

        t.Send("HEAD /fault HTTP/1.1\r\nHost: t\r\n\r\n");

        Assert.EndsWith("Content-Length: 10\r\nServer: PSWebServer\r\n", (await AllSentAsync(t)).Split("Date:")[0]);
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public async Task MalformedStatusLine_IsSent_ThenAFin()
    {
        var (t, loop) = _h.Open(new FaultHandler(_h.Handler) { Fault = ResponseFault.MalformedStatusLine });

        t.Send(Get("/fault"));

        Assert.Equal("HTTP/1.1 OK\r\n\r\n", await AllSentAsync(t));
        await loop.WaitAsync(Bound);
        Assert.Equal(0, _h.Log.ReadAll()[0].StatusCode);
    }
}
