using System;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using PSWebServer.TestResponses;
using Xunit;

namespace PSWebServer.Tests;

public sealed class CannedResponseTableTests
{
    private static CannedResponseDefinition Definition(string path, int? times = null) => new() { Path = path, Times = times };

    [Fact]
    public void Add_NumbersResponsesInOrder_AndSnapshotKeepsThatOrder()
    {
        var table = new CannedResponseTable(3, "srv");
        CannedResponse a = table.Add(Definition("/a"));
        CannedResponse b = table.Add(Definition("/b", 2));

        Assert.Equal(new[] { 1, 2 }, table.Snapshot().Select(r => r.Id));
        Assert.Equal(("srv", 3), (b.ServerName, b.ServerId));
        Assert.Null(a.UsesLeft);
        Assert.Equal(2, b.UsesLeft);
        Assert.Equal("#2 * /b 200", b.Description);
    }

    [Fact]
    public void Remove_TakesOutOneResponse_AndIdsAreNotReused()
    {
        var table = new CannedResponseTable(1, "t");
        CannedResponse a = table.Add(Definition("/a"));
        table.Add(Definition("/b"));

        Assert.True(table.Remove(a));
        Assert.False(table.Remove(a));
        Assert.Equal(3, table.Add(Definition("/c")).Id);
        Assert.Equal(new[] { "/b", "/c" }, table.Snapshot().Select(r => r.Path));
        Assert.True(table.Remove(3));
        Assert.Equal(1, table.Clear());
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void ARefusedDefinition_AddsNothing()
    {
        var table = new CannedResponseTable(1, "t");
        var bad = Definition("/a");
        bad.Headers.Add(new("X-Bad", "a\r\nSet-Cookie: evil=1"));

        Assert.Throws<ArgumentException>(() => table.Add(bad));
        Assert.Equal(0, table.Count);
        Assert.Equal(1, table.Add(Definition("/a")).Id);
    }

    [Fact]
    public void ASnapshot_TakenBeforeAChange_DoesNotSeeIt()
    {
        var table = new CannedResponseTable(1, "t");
        table.Add(Definition("/a"));
        var before = table.Snapshot();
        table.Add(Definition("/b"));
        table.Clear();

        Assert.Single(before);
    }

    [Fact]
    public async Task Times_UnderConcurrentRequests_GivesEachUseToExactlyOneRequest()
    {
        const int uses = 50, threads = 8, perThread = 200;
        var table = new CannedResponseTable(1, "t");
        table.Add(new CannedResponseDefinition { Path = "/x", StatusCode = 503, Times = uses });
        table.Add(new CannedResponseDefinition { Path = "/x", StatusCode = 200 });
        var handler = new CannedResponseHandler(table);
        int answered503 = 0, answered200 = 0;
        using var start = new ManualResetEventSlim();

        Task[] workers = Enumerable.Range(0, threads).Select(_ => Task.Factory.StartNew(() =>
        {
            ParsedRequest parsed = ParsedRequest.Parse("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
            var request = new HttpRequest(parsed.Head) { Bytes = parsed.Bytes };
            using var response = new HttpResponse();
            start.Wait();
            for (int i = 0; i < perThread; i++)
            {
                response.Reset();
                Assert.Equal(FrontDecision.Handled, handler.Decide(request, response));
                if (response.StatusCode == 503) Interlocked.Increment(ref answered503);
                else Interlocked.Increment(ref answered200);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        start.Set();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(uses, answered503);
        Assert.Equal(threads * perThread - uses, answered200);
        Assert.Equal(0, table.Snapshot()[0].UsesLeft);
        Assert.Equal(uses, table.Snapshot()[0].AnswerCount);
    }

    [Fact]
    public async Task AddAndRemove_WhileRequestsAreMatched_NeverBreakAMatch()
    {
        var table = new CannedResponseTable(1, "t");
        table.Add(new CannedResponseDefinition { Path = "/stable", StatusCode = 200, Body = Encoding.ASCII.GetBytes("ok") });
        var handler = new CannedResponseHandler(table);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        Task churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                CannedResponse extra = table.Add(Definition("/other"));
                table.Remove(extra);
            }
        });
        Task match = Task.Run(() =>
        {
            ParsedRequest parsed = ParsedRequest.Parse("GET /stable HTTP/1.1\r\nHost: t\r\n\r\n");
            var request = new HttpRequest(parsed.Head) { Bytes = parsed.Bytes };
            using var response = new HttpResponse();
            while (!stop.IsCancellationRequested)
            {
                response.Reset();
                Assert.Equal(FrontDecision.Handled, handler.Decide(request, response));
                Assert.Equal(200, response.StatusCode);
            }
        });
        await Task.WhenAll(churn, match).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
