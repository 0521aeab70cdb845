using System;
using System.Diagnostics;
using System.Threading.Tasks;
using PSWebServer.Connections;
using Xunit;

namespace PSWebServer.Tests;

public sealed class GracePeriodTests
{
    [Fact]
    public void WaitUntil_ReturnsTrue_AsSoonAsTheConditionHolds()
    {
        var grace = new GracePeriod(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        Assert.True(grace.WaitUntil(() => clock.ElapsedMilliseconds >= 50));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        Assert.False(grace.HasEnded);
    }

    [Fact]
    public void WaitUntil_ReturnsFalse_WhenTheGraceEnds()
    {
        var grace = new GracePeriod(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();

        Assert.False(grace.WaitUntil(() => false));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(90), clock.Elapsed.ToString());
        Assert.True(grace.HasEnded);
    }

    [Fact]
    public async Task EndNow_FromAnotherThread_WakesTheWait()
    {
        var grace = new GracePeriod(TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        Task<bool> waiting = Task.Run(() => grace.WaitUntil(() => false));
        await Task.Delay(100);

        grace.EndNow();

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public void Shorten_NeverLengthens()
    {
        var grace = new GracePeriod(TimeSpan.Zero);

        grace.Shorten(TimeSpan.FromHours(1));

        Assert.True(grace.HasEnded);
    }

    [Fact]
    public void AnEnormousGrace_DoesNotOverflowIntoThePast()
    {
        var grace = new GracePeriod(TimeSpan.MaxValue);

        Assert.False(grace.HasEnded);
        grace.Shorten(TimeSpan.FromMilliseconds(1));
        var clock = Stopwatch.StartNew();
        Assert.False(grace.WaitUntil(() => false));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
    }

    [Fact]
    public void Remaining_CountsDown_AndIsZeroOnceShortenedToNow()
    {
        var grace = new GracePeriod(TimeSpan.FromSeconds(30));
        Assert.InRange(grace.Remaining, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));

        grace.Shorten(TimeSpan.FromSeconds(2));
        Assert.InRange(grace.Remaining, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        grace.EndNow();
        Assert.Equal(TimeSpan.Zero, grace.Remaining);
    }
}
