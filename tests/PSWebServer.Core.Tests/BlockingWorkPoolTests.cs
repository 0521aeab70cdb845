using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

public sealed class BlockingWorkPoolTests
{
    private static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    [Fact]
    public void BlockingItems_EachGetAThreadAtOnce_NotOneAfterAnother()
    {
        var pool = new BlockingWorkPool(maxThreads: 8, idleTimeout: TimeSpan.FromSeconds(5));
        using var allStarted = new CountdownEvent(4);
        using var release = new ManualResetEventSlim(false);
        for (int i = 0; i < 4; i++)
        {
            pool.Queue(_ =>
            {
                allStarted.Signal();
                release.Wait(TimeSpan.FromSeconds(10));
            }, null);
        }

        bool concurrent = allStarted.Wait(TimeSpan.FromSeconds(5)); // would never reach 4 if they ran in turn
        release.Set();
        Assert.True(concurrent, "four blocking items should run side by side");
    }

    [Fact]
    public void ManyItemsFromManyProducers_AllRun_NoWakeUpIsLost()
    {
        var pool = new BlockingWorkPool(maxThreads: 4, idleTimeout: TimeSpan.FromSeconds(5));
        const int Producers = 4, PerProducer = 5_000;
        var box = new StrongBox();
        Parallel.For(0, Producers, _ =>
        {
            for (int i = 0; i < PerProducer; i++) pool.Queue(static s => Interlocked.Increment(ref ((StrongBox)s!).Value), box);
        });

        Assert.True(WaitUntil(() => Volatile.Read(ref box.Value) == Producers * PerProducer, TimeSpan.FromSeconds(20)),
            $"ran {Volatile.Read(ref box.Value)} of {Producers * PerProducer}");
        Assert.InRange(pool.Threads, 1, 4);
    }

    private sealed class StrongBox
    {
        public int Value;
    }

    [Fact]
    public void IdleThreads_End_AfterTheIdleTimeout_AndANewItemStillRuns()
    {
        var pool = new BlockingWorkPool(maxThreads: 4, idleTimeout: TimeSpan.FromMilliseconds(200));
        using var done = new ManualResetEventSlim(false);
        pool.Queue(_ => done.Set(), null);
        Assert.True(done.Wait(TimeSpan.FromSeconds(5)));

        Assert.True(WaitUntil(() => pool.Threads == 0, TimeSpan.FromSeconds(5)), $"{pool.Threads} threads still alive");

        using var again = new ManualResetEventSlim(false);
        pool.Queue(_ => again.Set(), null);
        Assert.True(again.Wait(TimeSpan.FromSeconds(5)), "an item queued after every thread left must still run");
    }

    [Fact]
    public async Task SwitchTo_ContinuesOnAPoolThread()
    {
        var pool = new BlockingWorkPool(maxThreads: 2, idleTimeout: TimeSpan.FromSeconds(5));
        await pool.SwitchTo();
        Assert.Equal("PSWS work", Thread.CurrentThread.Name);
    }
}
