using System;
using CsCheck;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2FlowWindow"/>: the §6.9 limits with their codes and scopes, the §6.9.2 delta (negative allowed),
/// the receive check, and the WINDOW_UPDATE policy.
/// </summary>
public sealed class Http2FlowWindowTests
{
    [Fact]
    public void Starts_at_the_initial_size()
    {
        Assert.Equal(65535, new Http2FlowWindow().Available);
        Assert.Equal(10, new Http2FlowWindow(10).Available);
    }

    [Fact]
    public void Window_update_to_exactly_the_maximum_is_fine()
    {
        var w = new Http2FlowWindow(0);
        Assert.True(w.TryIncrease(int.MaxValue, 1, out _));
        Assert.Equal(int.MaxValue, w.Available);
    }

    [Fact]
    public void Window_update_past_the_maximum_on_stream_0_is_a_connection_flow_control_error()
    {
        var w = new Http2FlowWindow();
        Assert.False(w.TryIncrease(int.MaxValue - 65534, 0, out var error));
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.True(error.IsConnectionError);
        Assert.Equal(65535, w.Available);
    }

    [Fact]
    public void Window_update_past_the_maximum_on_a_stream_is_a_stream_flow_control_error()
    {
        var w = new Http2FlowWindow();
        Assert.False(w.TryIncrease(int.MaxValue, 5, out var error));
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.False(error.IsConnectionError);
        Assert.Equal(5u, error.StreamId);
    }

    [Fact]
    public void Initial_window_delta_may_make_the_window_negative_and_an_update_recovers_it()
    {
        var w = new Http2FlowWindow();
        w.Consume(60000);
        Assert.True(w.TryApplyInitialWindowDelta(-65535 + 1000, 1, out _));
        Assert.Equal(5535 - 64535, w.Available);
        Assert.Equal(0, w.Allowed(100));
        Assert.True(w.TryIncrease(60000, 1, out _));
        Assert.Equal(1000, w.Allowed(5000));
    }

    [Fact]
    public void Initial_window_delta_past_the_maximum_is_a_connection_flow_control_error()
    {
        var w = new Http2FlowWindow();
        Assert.True(w.TryIncrease(int.MaxValue - 65535, 3, out _));
        Assert.False(w.TryApplyInitialWindowDelta(1, 3, out var error));
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void Data_beyond_the_receive_window_is_flow_control_error_scoped_by_stream()
    {
        var w = new Http2FlowWindow(100);
        Assert.True(w.TryReceive(100, 1, out _));
        Assert.False(w.TryReceive(1, 1, out var error));
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.False(error.IsConnectionError);

        var c = new Http2FlowWindow(10);
        Assert.False(c.TryReceive(11, 0, out error));
        Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
        Assert.True(error.IsConnectionError);
        Assert.Equal(10, c.Available);
    }

    [Fact]
    public void Window_update_is_sent_once_half_the_window_is_released()
    {
        var w = new Http2FlowWindow(1000);
        Assert.True(w.TryReceive(400, 1, out _));
        w.Release(400);
        Assert.Equal(0, w.TakeWindowUpdate());
        Assert.True(w.TryReceive(200, 1, out _));
        Assert.Equal(0, w.TakeWindowUpdate()); // received, not yet released
        w.Release(200);
        Assert.Equal(600, w.TakeWindowUpdate());
        Assert.Equal(1000, w.Available);
        Assert.Equal(0, w.TakeWindowUpdate());
    }

    [Fact]
    public void Consume_more_than_allowed_throws()
    {
        var w = new Http2FlowWindow(10);
        Assert.Equal(10, w.Allowed(50));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.Consume(11));
    }

    [Fact]
    public void Window_never_leaves_its_range_silently()
    {
        // Random operations: every accepted change keeps the window within [-(2^31-1), 2^31-1], every refused one leaves it as it was.
        var op = Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Bool);
        op.Array[1, 60].Sample(ops =>
        {
            var w = new Http2FlowWindow(65535);
            long setting = 65535; // deltas come from SETTINGS_INITIAL_WINDOW_SIZE changes, as on a real connection
            foreach (var (kind, n, conn) in ops)
            {
                long before = w.Available;
                bool ok;
                Http2FrameError error;
                switch (kind)
                {
                    case 0:
                        ok = w.TryIncrease(Math.Max(1, n), conn ? 0u : 1u, out error);
                        break;
                    case 1:
                        ok = w.TryApplyInitialWindowDelta(n - setting, 1, out error);
                        if (ok)
                            setting = n;
                        break;
                    case 2:
                        ok = w.TryReceive(n % 100_000, 1, out error);
                        break;
                    default:
                        int allowed = w.Allowed(n % 100_000);
                        w.Consume(allowed);
                        ok = true;
                        error = default;
                        break;
                }
                Assert.InRange(w.Available, -2L * int.MaxValue, int.MaxValue);
                if (!ok)
                {
                    Assert.Equal(before, w.Available);
                    Assert.Equal(Http2ErrorCode.FlowControlError, error.Code);
                }
            }
        });
    }
}
