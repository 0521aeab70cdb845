using System;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2FrameReader"/>: every per-frame rule of RFC 9113 §4.2 and §6 with the exact error code and its
/// scope (connection or stream), unknown types ignored (§5.5), the reserved bit masked, and incremental reading:
/// a frame cut at every octet is NeedMore until its last octet arrives.
/// </summary>
public sealed class Http2FrameReaderTests
{
    private static byte[] Frame(Http2FrameType type, byte flags, uint stream, string payloadHex)
    {
        byte[] payload = HpackFieldRecorder.Hex(payloadHex);
        var buffer = new byte[Http2FrameHeader.Size + payload.Length];
        Http2FrameWriter.WriteFrame(buffer, type, flags, stream, payload);
        return buffer;
    }

    private static byte[] Frame(Http2FrameType type, byte flags, uint stream, int payloadLength)
    {
        var buffer = new byte[Http2FrameHeader.Size + payloadLength];
        new Http2FrameHeader(payloadLength, type, flags, stream).Write(buffer);
        return buffer;
    }

    public static TheoryData<string, byte[], uint, bool> Violations() => new()
    {
        // Stream frames on stream 0 (§6.1, §6.2, §6.3, §6.4, §6.6, §6.10).
        { "DATA on 0", Frame(Http2FrameType.Data, 0, 0, "00"), (uint)Http2ErrorCode.ProtocolError, true },
        { "HEADERS on 0", Frame(Http2FrameType.Headers, 4, 0, "88"), (uint)Http2ErrorCode.ProtocolError, true },
        { "PRIORITY on 0", Frame(Http2FrameType.Priority, 0, 0, "00000003 10"), (uint)Http2ErrorCode.ProtocolError, true },
        { "RST_STREAM on 0", Frame(Http2FrameType.RstStream, 0, 0, "00000008"), (uint)Http2ErrorCode.ProtocolError, true },
        { "PUSH_PROMISE on 0", Frame(Http2FrameType.PushPromise, 4, 0, "00000002"), (uint)Http2ErrorCode.ProtocolError, true },
        { "CONTINUATION on 0", Frame(Http2FrameType.Continuation, 4, 0, "88"), (uint)Http2ErrorCode.ProtocolError, true },
        // Connection frames on a stream (§6.5, §6.7, §6.8).
        { "SETTINGS on 1", Frame(Http2FrameType.Settings, 0, 1, ""), (uint)Http2ErrorCode.ProtocolError, true },
        { "PING on 1", Frame(Http2FrameType.Ping, 0, 1, "0102030405060708"), (uint)Http2ErrorCode.ProtocolError, true },
        { "GOAWAY on 1", Frame(Http2FrameType.GoAway, 0, 1, "00000000 00000000"), (uint)Http2ErrorCode.ProtocolError, true },
        // Lengths.
        { "SETTINGS length 5", Frame(Http2FrameType.Settings, 0, 0, "0001000010"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "SETTINGS length 7", Frame(Http2FrameType.Settings, 0, 0, "00010000100000"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "SETTINGS ACK with payload", Frame(Http2FrameType.Settings, 1, 0, "000100001000"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "PING length 7", Frame(Http2FrameType.Ping, 0, 0, "01020304050607"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "PING length 9", Frame(Http2FrameType.Ping, 0, 0, "010203040506070809"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "PING ACK length 0", Frame(Http2FrameType.Ping, 1, 0, ""), (uint)Http2ErrorCode.FrameSizeError, true },
        { "GOAWAY length 7", Frame(Http2FrameType.GoAway, 0, 0, "00000000 000000"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "RST_STREAM length 3", Frame(Http2FrameType.RstStream, 0, 1, "000008"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "RST_STREAM length 5", Frame(Http2FrameType.RstStream, 0, 1, "0000000800"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "PRIORITY length 4", Frame(Http2FrameType.Priority, 0, 1, "00000003"), (uint)Http2ErrorCode.FrameSizeError, false },
        { "PRIORITY length 6", Frame(Http2FrameType.Priority, 0, 1, "00000003 1000"), (uint)Http2ErrorCode.FrameSizeError, false },
        { "WINDOW_UPDATE length 3", Frame(Http2FrameType.WindowUpdate, 0, 0, "000001"), (uint)Http2ErrorCode.FrameSizeError, true },
        { "WINDOW_UPDATE length 5 on a stream", Frame(Http2FrameType.WindowUpdate, 0, 1, "0000000100"), (uint)Http2ErrorCode.FrameSizeError, true },
        // WINDOW_UPDATE increment 0 (§6.9): scope follows the stream.
        { "WINDOW_UPDATE 0 on the connection", Frame(Http2FrameType.WindowUpdate, 0, 0, "00000000"), (uint)Http2ErrorCode.ProtocolError, true },
        { "WINDOW_UPDATE 0 on a stream", Frame(Http2FrameType.WindowUpdate, 0, 3, "00000000"), (uint)Http2ErrorCode.ProtocolError, false },
        { "WINDOW_UPDATE 0 with the reserved bit", Frame(Http2FrameType.WindowUpdate, 0, 3, "80000000"), (uint)Http2ErrorCode.ProtocolError, false },
        // Padding (§6.1, §6.2).
        { "DATA pad 3 of payload 3", Frame(Http2FrameType.Data, Http2Flags.Padded, 1, "03 0000"), (uint)Http2ErrorCode.ProtocolError, true },
        { "DATA pad 255 of payload 1", Frame(Http2FrameType.Data, Http2Flags.Padded, 1, "ff"), (uint)Http2ErrorCode.ProtocolError, true },
        { "DATA padded, empty", Frame(Http2FrameType.Data, Http2Flags.Padded, 1, ""), (uint)Http2ErrorCode.FrameSizeError, true },
        { "HEADERS pad past the block", Frame(Http2FrameType.Headers, Http2Flags.Padded | Http2Flags.EndHeaders, 1, "03 88 00"), (uint)Http2ErrorCode.ProtocolError, true },
        { "HEADERS pad eats the priority", Frame(Http2FrameType.Headers, Http2Flags.Padded | Http2Flags.Priority | 4, 1, "02 00000000 10 00"), (uint)Http2ErrorCode.ProtocolError, true },
        { "HEADERS priority too short", Frame(Http2FrameType.Headers, Http2Flags.Priority | 4, 1, "00000000"), (uint)Http2ErrorCode.FrameSizeError, true },
        // Self-dependency (§5.3.1) is a stream error.
        { "HEADERS depends on itself", Frame(Http2FrameType.Headers, Http2Flags.Priority | 4, 5, "00000005 10 88"), (uint)Http2ErrorCode.ProtocolError, false },
        { "PRIORITY depends on itself", Frame(Http2FrameType.Priority, 0, 7, "80000007 10"), (uint)Http2ErrorCode.ProtocolError, false },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Violation_gets_the_code_the_rfc_names(string name, byte[] frame, uint code, bool connection)
    {
        var reader = new Http2FrameReader();
        Http2ReadStatus status = reader.Read(frame, out Http2FrameHeader header, out _, out int consumed,
            out Http2FrameError error);
        Assert.True(status == Http2ReadStatus.Error, name);
        Assert.Equal((Http2ErrorCode)code, error.Code);
        Assert.Equal(connection, error.IsConnectionError);
        Assert.Equal(header.StreamId, error.StreamId);
        Assert.False(string.IsNullOrEmpty(error.Reason));
        // A stream error lets the connection skip exactly this frame; a connection error consumes nothing.
        Assert.Equal(connection ? 0 : frame.Length, consumed);
    }

    [Fact]
    public void Frame_larger_than_max_frame_size_is_refused_from_its_header_alone()
    {
        var reader = new Http2FrameReader();
        byte[] frame = Frame(Http2FrameType.Data, 0, 1, 16385);
        Http2ReadStatus status = reader.Read(frame.AsSpan(0, Http2FrameHeader.Size), out _, out _, out _,
            out Http2FrameError error);
        Assert.Equal(Http2ReadStatus.Error, status);
        Assert.Equal(Http2ErrorCode.FrameSizeError, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void Max_frame_size_is_accepted_and_can_be_raised()
    {
        var reader = new Http2FrameReader();
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(Frame(Http2FrameType.Data, 0, 1, 16384), out _, out _, out _, out _));
        byte[] big = Frame(Http2FrameType.Data, 0, 1, 100_000);
        Assert.Equal(Http2ReadStatus.Error, reader.Read(big, out _, out _, out _, out _));
        reader.MaxFrameSize = 100_000;
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(big, out _, out ReadOnlySpan<byte> payload, out int consumed, out _));
        Assert.Equal(100_000, payload.Length);
        Assert.Equal(big.Length, consumed);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.MaxFrameSize = 16383);
        Assert.Throws<ArgumentOutOfRangeException>(() => reader.MaxFrameSize = 1 << 24);
    }

    [Theory]
    [InlineData(0x0a, 0u, 0)]
    [InlineData(0x0a, 5u, 3)]
    [InlineData(0xff, 0u, 40)]
    [InlineData(0x10, 0x7fffffffu, 1)]
    public void Unknown_type_is_ignored_whatever_its_stream_and_length(byte type, uint stream, int length)
    {
        var reader = new Http2FrameReader();
        byte[] frame = Frame((Http2FrameType)type, 0xff, stream, length);
        Assert.Equal(Http2ReadStatus.Ignored, reader.Read(frame, out Http2FrameHeader header, out _, out int consumed, out _));
        Assert.Equal(frame.Length, consumed);
        Assert.Equal(stream, header.StreamId);
    }

    [Fact]
    public void Reserved_bit_of_the_stream_id_is_masked()
    {
        byte[] frame = Frame(Http2FrameType.Data, 0, 1, "");
        frame[5] |= 0x80;
        var reader = new Http2FrameReader();
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(frame, out Http2FrameHeader header, out _, out _, out _));
        Assert.Equal(1u, header.StreamId);

        // A stream frame whose only id bit is the reserved one is on stream 0.
        byte[] zero = Frame(Http2FrameType.Data, 0, 0, "");
        zero[5] = 0x80;
        Assert.Equal(Http2ReadStatus.Error, reader.Read(zero, out _, out _, out _, out Http2FrameError error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
    }

    [Fact]
    public void Undefined_flags_are_ignored()
    {
        var reader = new Http2FrameReader();
        byte[] ping = Frame(Http2FrameType.Ping, 0xfe, 0, "0102030405060708");
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(ping, out Http2FrameHeader header, out _, out _, out _));
        Assert.Equal(0xfe, header.Flags);
        Assert.False(header.HasFlag(Http2Flags.Ack));
    }

    public static TheoryData<byte[]> ValidFrames() => new()
    {
        Frame(Http2FrameType.Data, Http2Flags.Padded | Http2Flags.EndStream, 1, "04 616263 00000000"),
        Frame(Http2FrameType.Headers, Http2Flags.Padded | Http2Flags.Priority | Http2Flags.EndHeaders, 3, "02 80000001 ff 8286 0000"),
        Frame(Http2FrameType.Settings, 0, 0, "000100001000 000400010000"),
        Frame(Http2FrameType.Ping, 0, 0, "0102030405060708"),
        Frame(Http2FrameType.GoAway, 0, 0, "00000007 0000000b 6869"),
        Frame(Http2FrameType.WindowUpdate, 0, 0, "7fffffff"),
        Frame(Http2FrameType.RstStream, 0, 9, "00000008"),
        Frame(Http2FrameType.Priority, 0, 9, "00000003 20"),
        Frame(Http2FrameType.Continuation, Http2Flags.EndHeaders, 9, "88"),
    };

    [Theory]
    [MemberData(nameof(ValidFrames))]
    public void Frame_cut_at_every_octet_needs_more_until_complete(byte[] frame)
    {
        var reader = new Http2FrameReader();
        for (int cut = 0; cut < frame.Length; cut++)
        {
            Assert.Equal(Http2ReadStatus.NeedMore, reader.Read(frame.AsSpan(0, cut), out _, out _, out int consumed, out _));
            Assert.Equal(0, consumed);
        }
        // Followed by part of the next frame: the reader stops at this one's end.
        var twice = new byte[frame.Length + 5];
        frame.CopyTo(twice, 0);
        frame.AsSpan(0, 5).CopyTo(twice.AsSpan(frame.Length));
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(twice, out Http2FrameHeader header, out ReadOnlySpan<byte> payload,
            out int used, out _));
        Assert.Equal(frame.Length, used);
        Assert.Equal(frame.AsSpan(Http2FrameHeader.Size).ToArray(), payload.ToArray());
        Assert.Equal(frame.Length - Http2FrameHeader.Size, header.Length);
    }

    [Fact]
    public void Stream_error_waits_for_the_whole_frame_so_it_can_be_skipped()
    {
        byte[] frame = Frame(Http2FrameType.Priority, 0, 1, "00000003 1000");
        var reader = new Http2FrameReader();
        for (int cut = 0; cut < frame.Length; cut++)
            Assert.Equal(Http2ReadStatus.NeedMore, reader.Read(frame.AsSpan(0, cut), out _, out _, out _, out _));
        Assert.Equal(Http2ReadStatus.Error, reader.Read(frame, out _, out _, out int consumed, out _));
        Assert.Equal(frame.Length, consumed);
    }

    [Fact]
    public void Connection_error_from_the_header_is_reported_before_the_payload()
    {
        byte[] frame = Frame(Http2FrameType.Ping, 0, 1, "0102030405060708");
        var reader = new Http2FrameReader();
        for (int cut = 0; cut < Http2FrameHeader.Size; cut++)
            Assert.Equal(Http2ReadStatus.NeedMore, reader.Read(frame.AsSpan(0, cut), out _, out _, out _, out _));
        for (int cut = Http2FrameHeader.Size; cut <= frame.Length; cut++)
            Assert.Equal(Http2ReadStatus.Error, reader.Read(frame.AsSpan(0, cut), out _, out _, out _, out _));
    }

    [Fact]
    public void Padded_data_and_headers_give_their_content()
    {
        byte[] data = Frame(Http2FrameType.Data, Http2Flags.Padded, 1, "04 616263 00000000");
        var reader = new Http2FrameReader();
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(data, out Http2FrameHeader header, out ReadOnlySpan<byte> payload, out _, out _));
        Assert.True(Http2Payload.TryGetData(header, payload, out ReadOnlySpan<byte> content, out _));
        Assert.Equal("abc"u8.ToArray(), content.ToArray());

        // Padding of exactly the rest of the payload: empty data, valid.
        byte[] allPad = Frame(Http2FrameType.Data, Http2Flags.Padded, 1, "02 0000");
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(allPad, out header, out payload, out _, out _));
        Assert.True(Http2Payload.TryGetData(header, payload, out content, out _));
        Assert.Equal(0, content.Length);

        byte[] headers = Frame(Http2FrameType.Headers, Http2Flags.Padded | Http2Flags.Priority | Http2Flags.EndHeaders, 3,
            "02 80000001 ff 8286 0000");
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(headers, out header, out payload, out _, out _));
        Assert.True(Http2Payload.TryGetHeaderBlockFragment(header, payload, out ReadOnlySpan<byte> fragment, out _));
        Assert.Equal(new byte[] { 0x82, 0x86 }, fragment.ToArray());

        byte[] plain = Frame(Http2FrameType.Headers, Http2Flags.EndHeaders, 3, "8286");
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(plain, out header, out payload, out _, out _));
        Assert.True(Http2Payload.TryGetHeaderBlockFragment(header, payload, out fragment, out _));
        Assert.Equal(new byte[] { 0x82, 0x86 }, fragment.ToArray());
    }
}
