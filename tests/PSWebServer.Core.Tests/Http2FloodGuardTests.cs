using System;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2FloodGuard"/>: each counter breaks at its limit within an interval with a connection
/// ENHANCE_YOUR_CALM, starts over in the next interval, and Rapid Reset counts only early resets.
/// </summary>
public sealed class Http2FloodGuardTests
{
    // Time that moves only when the test says.
    private sealed class SteppedTime : TimeProvider
    {
        public long Ticks { get; set; } = 1_000_000;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    private delegate bool Hit(Http2FloodGuard guard, out Http2FrameError error);

    public static TheoryData<string> Kinds => new() { "ping", "settings", "empty", "continuation" };

    private static Hit For(string kind) => kind switch
    {
        "ping" => (Http2FloodGuard g, out Http2FrameError e) => g.OnPing(out e),
        "settings" => (Http2FloodGuard g, out Http2FrameError e) => g.OnSettings(out e),
        "empty" => (Http2FloodGuard g, out Http2FrameError e) => g.OnEmptyFrame(out e),
        _ => (Http2FloodGuard g, out Http2FrameError e) => g.OnContinuation(out e),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Breaking_a_limit_within_the_interval_is_enhance_your_calm(string kind)
    {
        var time = new SteppedTime();
        var guard = new Http2FloodGuard(time, TimeSpan.FromSeconds(10), pingLimit: 5, settingsLimit: 5,
            emptyFrameLimit: 5, continuationLimit: 5);
        var hit = For(kind);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(hit(guard, out _));
            time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.False(hit(guard, out var error));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_count_starts_over_in_the_next_interval(string kind)
    {
        var time = new SteppedTime();
        var guard = new Http2FloodGuard(time, TimeSpan.FromSeconds(10), pingLimit: 5, settingsLimit: 5,
            emptyFrameLimit: 5, continuationLimit: 5);
        var hit = For(kind);
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < 5; i++)
                Assert.True(hit(guard, out _));
            time.Advance(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public void Counters_are_independent()
    {
        var time = new SteppedTime();
        var guard = new Http2FloodGuard(time, pingLimit: 2, settingsLimit: 2);
        Assert.True(guard.OnPing(out _));
        Assert.True(guard.OnPing(out _));
        Assert.True(guard.OnSettings(out _));
        Assert.True(guard.OnSettings(out _));
        Assert.False(guard.OnPing(out _));
    }

    [Fact]
    public void Rapid_reset_counts_only_streams_reset_soon_after_opening()
    {
        var time = new SteppedTime();
        var guard = new Http2FloodGuard(time, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), rapidResetLimit: 3);
        // Late resets (a long download cancelled) never count.
        long old = guard.Now();
        time.Advance(TimeSpan.FromSeconds(2));
        for (int i = 0; i < 50; i++)
            Assert.True(guard.OnStreamReset(old, out _));
        // Early resets do.
        for (int i = 0; i < 3; i++)
            Assert.True(guard.OnStreamReset(guard.Now(), out _));
        Assert.False(guard.OnStreamReset(guard.Now(), out var error));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void Defaults_allow_a_normal_connection()
    {
        var time = new SteppedTime();
        var guard = new Http2FloodGuard(time);
        for (int i = 0; i < Http2FloodGuard.DefaultRapidResetLimit; i++)
            Assert.True(guard.OnStreamReset(guard.Now(), out _));
        for (int i = 0; i < Http2FloodGuard.DefaultPingLimit; i++)
            Assert.True(guard.OnPing(out _));
        Assert.False(guard.OnPing(out _));
        Assert.False(guard.OnStreamReset(guard.Now(), out _));
    }

    [Fact]
    public void Counting_allocates_nothing()
    {
        var guard = new Http2FloodGuard(new SteppedTime(), pingLimit: 1_000_000);
        guard.OnPing(out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            guard.OnPing(out _);
            guard.OnStreamReset(-1, out _);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
