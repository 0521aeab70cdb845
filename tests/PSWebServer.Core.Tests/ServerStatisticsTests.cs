using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The counters are striped by core and summed when read: every add must show in the sum, whichever core
/// made it.</summary>
public class ServerStatisticsTests
{
    [Fact]
    public async Task Counts_from_many_threads_sum_to_every_response()
    {
        var statistics = new ServerStatistics();
        const int threads = 8, perThread = 20_000;
        using var start = new ManualResetEventSlim();
        var workers = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            long bytes = t + 1;
            workers[t] = Task.Factory.StartNew(() =>
            {
                start.Wait();
                for (int i = 0; i < perThread; i++) statistics.CountResponse(bytes);
            }, TaskCreationOptions.LongRunning);
        }
        start.Set();
        await Task.WhenAll(workers);

        Assert.Equal((long)threads * perThread, statistics.RequestCount);
        Assert.Equal(perThread * (long)(threads * (threads + 1) / 2), statistics.BytesSent);
    }

    [Fact]
    public void A_new_server_has_counted_nothing()
    {
        var statistics = new ServerStatistics();
        Assert.Equal(0, statistics.RequestCount);
        Assert.Equal(0, statistics.BytesSent);
        Assert.Null(statistics.LastError);
    }
}
