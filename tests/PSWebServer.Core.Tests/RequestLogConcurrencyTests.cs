using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class RequestLogConcurrencyTests
{
    private const int Writers = 8;
    private const int PerWriter = 10_000;
    private const int Capacity = 1_000;

    /// <summary>Each record says who wrote it in three places; a torn slot would disagree with itself.</summary>
    private static void Write(RequestLog log, int writer, int sequence)
    {
        string tag = writer.ToString(CultureInfo.InvariantCulture) + "-" + sequence.ToString(CultureInfo.InvariantCulture);
        LogWriter.Record(log, "/w" + tag, status: 200 + writer, bytes: sequence, userAgent: "ua" + tag, referer: "ref" + tag);
    }

    private static (int Writer, int Sequence) Check(ServerRequest r)
    {
        string tag = r.Path.Substring(2);
        string[] parts = tag.Split('-');
        int writer = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int sequence = int.Parse(parts[1], CultureInfo.InvariantCulture);
        Assert.Equal(200 + writer, r.StatusCode);
        Assert.Equal(sequence, r.BytesSent);
        Assert.Equal("ua" + tag, r.UserAgent);
        Assert.Equal("ref" + tag, r.Referer);
        return (writer, sequence);
    }

    [Fact]
    public async Task ConcurrentWriters_LoseNothingRetained_AndIdsAreUniqueAndIncreasing()
    {
        var log = new RequestLog(Capacity, "s");
        using var start = new Barrier(Writers + 1);
        var seen = new List<long>();
        bool readerOk = true;
        string readerProblem = "";

        Task[] writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            for (int i = 0; i < PerWriter; i++) Write(log, w, i);
        }, TaskCreationOptions.LongRunning)).ToArray();

        // A reader tails the log while the writers run: what it sees must be in order, whole, never twice.
        using var done = new CancellationTokenSource();
        Task reader = Task.Factory.StartNew(() =>
        {
            long after = 0;
            while (!done.IsCancellationRequested)
            {
                IReadOnlyList<ServerRequest> batch = log.ReadAfter(after);
                foreach (ServerRequest r in batch)
                {
                    if (r.Id <= after) { readerOk = false; readerProblem = $"id {r.Id} after {after}"; return; }
                    Check(r);
                    after = r.Id;
                    seen.Add(r.Id);
                }
                if (batch.Count == 0) Thread.Yield();
            }
        }, TaskCreationOptions.LongRunning);

        start.SignalAndWait(TimeSpan.FromSeconds(10));
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        done.Cancel();
        await reader.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(readerOk, readerProblem);
        Assert.Equal((long)Writers * PerWriter, log.LastId);
        Assert.Equal(Capacity, log.Count);

        IReadOnlyList<ServerRequest> all = log.ReadAll();
        Assert.Equal(Capacity, all.Count);
        long first = (long)Writers * PerWriter - Capacity + 1;
        Assert.Equal(Enumerable.Range(0, Capacity).Select(i => first + i), all.Select(r => r.Id));

        // Every retained record is whole, and each writer's records are in the order it wrote them.
        var lastByWriter = new Dictionary<int, int>();
        var tags = new HashSet<(int, int)>();
        foreach (ServerRequest r in all)
        {
            (int writer, int sequence) = Check(r);
            Assert.True(tags.Add((writer, sequence)), $"record {writer}-{sequence} retained twice");
            if (lastByWriter.TryGetValue(writer, out int previous)) Assert.True(sequence > previous, $"writer {writer}: {sequence} after {previous}");
            lastByWriter[writer] = sequence;
        }
        Assert.Equal(seen.Distinct().Count(), seen.Count);
    }

    [Fact]
    public async Task ConcurrentWriters_AndWaiters_AllWaitersWake()
    {
        var log = new RequestLog(100, "s");
        Task<bool>[] waiters = Enumerable.Range(0, 4)
            .Select(_ => Task.Factory.StartNew(() => log.WaitForNew(0, TimeSpan.FromSeconds(10), CancellationToken.None), TaskCreationOptions.LongRunning))
            .ToArray();
        await Task.Delay(100);

        Task[] writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < 100; i++) Write(log, w, i);
        })).ToArray();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(10));

        bool[] woke = await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(woke, Assert.True);
        Assert.Equal(400, log.LastId);
    }
}
