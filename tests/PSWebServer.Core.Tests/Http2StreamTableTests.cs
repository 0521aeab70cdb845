using System;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2StreamTable"/>: the server side of the RFC 9113 §5.1 state machine, each rule with its code and
/// scope, the concurrency limit (§5.1.2), the GOAWAY id, and the bounded memory of closed streams.
/// </summary>
public sealed class Http2StreamTableTests
{
    private static void AssertError(Http2StreamVerdict verdict, Http2FrameError error, Http2ErrorCode code, bool connection)
    {
        Assert.Equal(Http2StreamVerdict.Error, verdict);
        Assert.Equal(code, error.Code);
        Assert.Equal(connection, error.IsConnectionError);
    }

    [Fact]
    public void Headers_opens_and_end_stream_half_closes()
    {
        var t = new Http2StreamTable();
        Assert.Equal(Http2StreamState.Idle, t.GetState(1));
        Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(1, false, 0, out _));
        Assert.Equal(Http2StreamState.Open, t.GetState(1));
        Assert.Equal(Http2StreamVerdict.Accept, t.OnData(1, false, out _));
        Assert.Equal(Http2StreamVerdict.Accept, t.OnData(1, true, out _));
        Assert.Equal(Http2StreamState.HalfClosedRemote, t.GetState(1));
        Assert.Equal(1, t.ActiveCount);
        t.Close(1, reset: false);
        Assert.Equal(Http2StreamState.Closed, t.GetState(1));
        Assert.Equal(0, t.ActiveCount);
        Assert.Equal(1u, t.LastProcessedStreamId);
    }

    [Fact]
    public void Headers_with_end_stream_is_half_closed_at_once()
    {
        var t = new Http2StreamTable();
        Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(3, true, 0, out _));
        Assert.Equal(Http2StreamState.HalfClosedRemote, t.GetState(3));
    }

    [Fact]
    public void Even_stream_id_is_a_connection_protocol_error()
    {
        var t = new Http2StreamTable();
        AssertError(t.OnHeaders(2, true, 0, out var e), e, Http2ErrorCode.ProtocolError, true);
    }

    [Fact]
    public void Lower_stream_id_for_a_new_stream_is_a_connection_protocol_error()
    {
        var t = new Http2StreamTable();
        Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(7, true, 0, out _));
        // 5 was skipped (implicitly closed, §5.1.1) and is not remembered: HEADERS on it is a lower id.
        AssertError(t.OnHeaders(5, true, 0, out var e), e, Http2ErrorCode.ProtocolError, true);
        Assert.Equal(Http2StreamState.Closed, t.GetState(5));
    }

    [Theory]
    [InlineData((byte)Http2FrameType.Data)]
    [InlineData((byte)Http2FrameType.WindowUpdate)]
    [InlineData((byte)Http2FrameType.RstStream)]
    public void Frames_on_an_idle_stream_are_a_connection_protocol_error(byte typeByte)
    {
        var type = (Http2FrameType)typeByte;
        var t = new Http2StreamTable();
        Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(1, true, 0, out _));
        Http2FrameError e;
        var v = type switch
        {
            Http2FrameType.Data => t.OnData(3, false, out e),
            Http2FrameType.WindowUpdate => t.OnWindowUpdate(3, out e),
            _ => t.OnRstStream(3, out _, out e),
        };
        AssertError(v, e, Http2ErrorCode.ProtocolError, true);
    }

    [Fact]
    public void Data_or_headers_after_end_stream_is_a_stream_closed_stream_error()
    {
        var t = new Http2StreamTable();
        t.OnHeaders(1, true, 0, out _);
        AssertError(t.OnData(1, false, out var e), e, Http2ErrorCode.StreamClosed, false);
        Assert.Equal(1u, e.StreamId);
        AssertError(t.OnHeaders(1, true, 0, out e), e, Http2ErrorCode.StreamClosed, false);
        // WINDOW_UPDATE and RST_STREAM stay fine on a half-closed (remote) stream.
        Assert.Equal(Http2StreamVerdict.Accept, t.OnWindowUpdate(1, out _));
        Assert.Equal(Http2StreamVerdict.Accept, t.OnRstStream(1, out _, out _));
    }

    [Fact]
    public void Trailers_must_end_the_stream()
    {
        var t = new Http2StreamTable();
        t.OnHeaders(1, false, 0, out _);
        AssertError(t.OnHeaders(1, false, 0, out var e), e, Http2ErrorCode.ProtocolError, false);
        Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(1, true, 0, out _));
        Assert.Equal(Http2StreamState.HalfClosedRemote, t.GetState(1));
    }

    [Fact]
    public void On_a_closed_stream_window_update_and_rst_are_ignored_and_data_is_stream_closed()
    {
        var t = new Http2StreamTable();
        t.OnHeaders(1, true, 0, out _);
        t.Close(1, reset: false);
        Assert.Equal(Http2StreamVerdict.Ignore, t.OnWindowUpdate(1, out _));
        Assert.Equal(Http2StreamVerdict.Ignore, t.OnRstStream(1, out _, out _));
        AssertError(t.OnData(1, false, out var e), e, Http2ErrorCode.StreamClosed, false);
        AssertError(t.OnHeaders(1, true, 0, out e), e, Http2ErrorCode.StreamClosed, false);
    }

    [Fact]
    public void After_our_reset_late_data_and_headers_are_ignored()
    {
        var t = new Http2StreamTable();
        t.OnHeaders(1, false, 0, out _);
        t.Close(1, reset: true);
        Assert.Equal(Http2StreamVerdict.Ignore, t.OnData(1, false, out _));
        Assert.Equal(Http2StreamVerdict.Ignore, t.OnHeaders(1, true, 0, out _));
    }

    [Fact]
    public void Client_reset_closes_the_stream_and_reports_its_opening_time()
    {
        var t = new Http2StreamTable();
        t.OnHeaders(1, false, 12345, out _);
        Assert.Equal(Http2StreamVerdict.Accept, t.OnRstStream(1, out long openedAt, out _));
        Assert.Equal(12345, openedAt);
        Assert.Equal(Http2StreamState.Closed, t.GetState(1));
        Assert.Equal(0, t.ActiveCount);
    }

    [Fact]
    public void Headers_beyond_max_concurrent_streams_is_refused_stream_and_not_processed()
    {
        var t = new Http2StreamTable(maxConcurrentStreams: 2);
        t.OnHeaders(1, false, 0, out _);
        t.OnHeaders(3, true, 0, out _);
        AssertError(t.OnHeaders(5, false, 0, out var e), e, Http2ErrorCode.RefusedStream, false);
        Assert.Equal(5u, e.StreamId);
        Assert.Equal(3u, t.LastProcessedStreamId);
        Assert.Equal(5u, t.HighestStreamId);
        // DATA the client sent before seeing our RST_STREAM is dropped, not failed.
        Assert.Equal(Http2StreamVerdict.Ignore, t.OnData(5, true, out _));
        // A slot frees: the next id opens.
        t.Close(3, reset: false);
        Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(7, false, 0, out _));
        Assert.Equal(7u, t.LastProcessedStreamId);
        Assert.Equal(2, t.ActiveCount);
    }

    [Fact]
    public void Closed_streams_are_remembered_only_within_the_window()
    {
        var t = new Http2StreamTable(maxConcurrentStreams: 4, recentlyClosed: 4);
        for (uint id = 1; id <= 21; id += 2)
        {
            Assert.Equal(Http2StreamVerdict.Accept, t.OnHeaders(id, true, 0, out _));
            t.Close(id, reset: false);
        }
        // 21, 19, 17, 15 are remembered: HEADERS on them is STREAM_CLOSED on the stream.
        Assert.Equal(Http2StreamVerdict.Error, t.OnHeaders(15, true, 0, out var e));
        Assert.Equal(Http2ErrorCode.StreamClosed, e.Code);
        Assert.False(e.IsConnectionError);
        // 1 has fallen out: a HEADERS on it is a lower id, connection PROTOCOL_ERROR.
        AssertError(t.OnHeaders(1, true, 0, out e), e, Http2ErrorCode.ProtocolError, true);
        // DATA on a long-closed stream is still STREAM_CLOSED on the stream.
        AssertError(t.OnData(1, true, out e), e, Http2ErrorCode.StreamClosed, false);
    }

    [Fact]
    public void Initial_window_delta_reaches_every_active_stream()
    {
        var t = new Http2StreamTable();
        t.OnHeaders(1, false, 0, out _);
        t.OnHeaders(3, false, 0, out _);
        t.SendWindow(1)!.Consume(65535);
        Assert.True(t.TryApplyInitialWindowDelta(-1000, out _));
        Assert.Equal(-1000, t.SendWindow(1)!.Available);
        Assert.Equal(64535, t.SendWindow(3)!.Available);
        t.OnHeaders(5, false, 0, out _);
        Assert.Equal(64535, t.SendWindow(5)!.Available);

        Assert.True(t.SendWindow(3)!.TryIncrease(int.MaxValue - 64535, 3, out _));
        Assert.False(t.TryApplyInitialWindowDelta(1, out var e));
        Assert.Equal(Http2ErrorCode.FlowControlError, e.Code);
        Assert.True(e.IsConnectionError);
    }

    [Fact]
    public void Stream_checks_allocate_nothing()
    {
        var t = new Http2StreamTable();
        uint id = 1;
        void One()
        {
            t.OnHeaders(id, false, 0, out _);
            t.OnData(id, true, out _);
            t.OnWindowUpdate(id, out _);
            t.Close(id, reset: false);
            id += 2;
        }
        One();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
            One();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
