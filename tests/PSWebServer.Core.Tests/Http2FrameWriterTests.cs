using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2FrameWriter"/>: exact octets for the fixed frames, HEADERS split into CONTINUATION at the peer's
/// max frame size, and a property: every frame type written with random lengths, flags and stream ids is read back
/// by <see cref="Http2FrameReader"/> as the same frame, also when cut at a random octet.
/// </summary>
public sealed class Http2FrameWriterTests
{
    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    [Fact]
    public void Fixed_frames_have_the_octets_of_rfc_9113()
    {
        var b = new byte[64];
        Assert.Equal(9, Http2FrameWriter.WriteSettingsAck(b));
        Assert.Equal("000000040100000000", Hex(b.AsSpan(0, 9)));

        int n = Http2FrameWriter.WritePingAck(b, HpackFieldRecorder.Hex("0102030405060708"));
        Assert.Equal("000008060100000000 0102030405060708".Replace(" ", ""), Hex(b.AsSpan(0, n)));

        n = Http2FrameWriter.WriteWindowUpdate(b, 0x80000003, 0x7fffffff);
        Assert.Equal("000004080000000003 7fffffff".Replace(" ", ""), Hex(b.AsSpan(0, n)));

        n = Http2FrameWriter.WriteRstStream(b, 5, Http2ErrorCode.Cancel);
        Assert.Equal("000004030000000005 00000008".Replace(" ", ""), Hex(b.AsSpan(0, n)));

        n = Http2FrameWriter.WriteGoAway(b, 7, Http2ErrorCode.EnhanceYourCalm, "hi"u8);
        Assert.Equal("00000a070000000000 00000007 0000000b 6869".Replace(" ", ""), Hex(b.AsSpan(0, n)));

        n = Http2FrameWriter.WriteSettings(b, new[] { (Http2SettingId.MaxConcurrentStreams, 100u), (Http2SettingId.InitialWindowSize, 1u << 20) });
        Assert.Equal("00000c040000000000 0003 00000064 0004 00100000".Replace(" ", ""), Hex(b.AsSpan(0, n)));

        n = Http2FrameWriter.WriteData(b, 1, "abc"u8, endStream: true);
        Assert.Equal("000003000100000001 616263".Replace(" ", ""), Hex(b.AsSpan(0, n)));
    }

    [Fact]
    public void Writer_refuses_what_a_peer_would_refuse()
    {
        var b = new byte[64];
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteWindowUpdate(b, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteRstStream(b, 0, Http2ErrorCode.Cancel));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteData(b, 0, "a"u8, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteHeaders(b, 0, "a"u8, 16384, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Http2FrameWriter.WriteHeaders(b, 1, "a"u8, 16383, false));
        Assert.Throws<ArgumentException>(() => Http2FrameWriter.WritePing(b, "1234567"u8, false));
        Assert.Throws<ArgumentException>(() => Http2FrameWriter.WriteData(b.AsSpan(0, 11), 1, "abc"u8, false));
        Assert.Throws<ArgumentException>(() => Http2FrameWriter.WriteSettingsAck(b.AsSpan(0, 8)));
    }

    [Theory]
    [InlineData(0, 16384, 1)]
    [InlineData(1, 16384, 1)]
    [InlineData(16384, 16384, 1)]
    [InlineData(16385, 16384, 2)]
    [InlineData(32768, 16384, 2)]
    [InlineData(32769, 16384, 3)]
    [InlineData(100_000, 16384, 7)]
    [InlineData(100_000, 50_000, 2)]
    [InlineData(100_000, 16_777_215, 1)]
    public void Headers_split_into_continuation_at_the_max_frame_size(int blockLength, int maxFrameSize, int frames)
    {
        var block = new byte[blockLength];
        new Random(blockLength).NextBytes(block);
        int size = Http2FrameWriter.HeadersSize(blockLength, maxFrameSize);
        Assert.Equal(blockLength + 9 * frames, size);
        var buffer = new byte[size + 3];
        Assert.Equal(size, Http2FrameWriter.WriteHeaders(buffer, 11, block, maxFrameSize, endStream: true));

        var reader = new Http2FrameReader { MaxFrameSize = maxFrameSize };
        var reassembled = new List<byte>();
        int pos = 0;
        for (int i = 0; i < frames; i++)
        {
            Assert.Equal(Http2ReadStatus.Frame, reader.Read(buffer.AsSpan(pos, size - pos), out Http2FrameHeader header,
                out ReadOnlySpan<byte> payload, out int consumed, out _));
            Assert.Equal(i == 0 ? Http2FrameType.Headers : Http2FrameType.Continuation, header.Type);
            Assert.Equal(11u, header.StreamId);
            Assert.Equal(i == frames - 1, header.HasFlag(Http2Flags.EndHeaders));
            // END_STREAM belongs to the HEADERS frame only (§6.2); on CONTINUATION 0x1 is undefined.
            Assert.Equal(i == 0 ? Http2Flags.EndStream : 0, header.Flags & Http2Flags.EndStream);
            Assert.True(header.Length <= maxFrameSize);
            if (i < frames - 1)
                Assert.Equal(maxFrameSize, header.Length);
            reassembled.AddRange(payload.ToArray());
            pos += consumed;
        }
        Assert.Equal(size, pos);
        Assert.Equal(block, reassembled.ToArray());
    }

    // One frame to write, as the reader must see it again.
    private sealed record Case(Http2FrameType Type, byte Flags, uint StreamId, byte[] Payload, int MaxFrameSize);

    private static readonly Gen<uint> StreamGen = Gen.UInt[1, 0x7fffffff];

    private static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (5, Gen.Byte.Array[0, 300]),
        (1, Gen.Byte.Array[0, 16384]));

    private static readonly Gen<Case> CaseGen = Gen.OneOf(
        Gen.Select(StreamGen, Bytes, Gen.Bool, (s, d, end) =>
            new Case(Http2FrameType.Data, end ? Http2Flags.EndStream : (byte)0, s, d, 16384)),
        Gen.Select(Gen.Select(Http2SettingIdGen(), Gen.UInt).Array[0, 20], settings =>
            new Case(Http2FrameType.Settings, 0, 0, SettingsPayload(settings), 16384)),
        Gen.Const(new Case(Http2FrameType.Settings, Http2Flags.Ack, 0, Array.Empty<byte>(), 16384)),
        Gen.Select(Gen.Byte.Array[8], Gen.Bool, (o, ack) => new Case(Http2FrameType.Ping, ack ? Http2Flags.Ack : (byte)0, 0, o, 16384)),
        Gen.Select(Gen.UInt[0, 0x7fffffff], Gen.Int[1, int.MaxValue], (s, inc) =>
            new Case(Http2FrameType.WindowUpdate, 0, s, Be32((uint)inc), 16384)),
        Gen.Select(StreamGen, Gen.UInt, (s, code) => new Case(Http2FrameType.RstStream, 0, s, Be32(code), 16384)),
        Gen.Select(Gen.UInt[0, 0x7fffffff], Gen.UInt, Gen.Byte.Array[0, 100], (last, code, debug) =>
            new Case(Http2FrameType.GoAway, 0, 0, Be32(last).Concat(Be32(code)).Concat(debug).ToArray(), 16384)),
        Gen.Select(StreamGen, Gen.UInt[0, 0x7fffffff], Gen.Byte, (s, dep, w) =>
            new Case(Http2FrameType.Priority, 0, s, Be32(dep == s ? dep ^ 1 : dep).Append(w).ToArray(), 16384)),
        Gen.Select(Gen.Byte[0x0a, 0xff], Gen.Byte, Gen.UInt[0, 0x7fffffff], Gen.Byte.Array[0, 50], (t, f, s, p) =>
            new Case((Http2FrameType)t, f, s, p, 16384)));

    private static Gen<Http2SettingId> Http2SettingIdGen() => Gen.OneOfConst(
        Http2SettingId.HeaderTableSize, Http2SettingId.MaxConcurrentStreams, Http2SettingId.MaxHeaderListSize,
        (Http2SettingId)0x0, (Http2SettingId)0x7, (Http2SettingId)0xffff);

    private static byte[] SettingsPayload((Http2SettingId, uint)[] settings)
    {
        var b = new byte[Http2FrameWriter.SettingsSize(settings.Length)];
        Http2FrameWriter.WriteSettings(b, settings);
        return b.AsSpan(9).ToArray();
    }

    private static byte[] Be32(uint v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };

    // Writes a case with the helper for its type, so the property covers the writer, not only WriteFrame.
    private static byte[] Write(Case c)
    {
        var b = new byte[9 + c.Payload.Length];
        int n = c.Type switch
        {
            Http2FrameType.Data => Http2FrameWriter.WriteData(b, c.StreamId, c.Payload, c.Flags == Http2Flags.EndStream),
            Http2FrameType.Settings when c.Flags == Http2Flags.Ack => Http2FrameWriter.WriteSettingsAck(b),
            Http2FrameType.Ping => Http2FrameWriter.WritePing(b, c.Payload, c.Flags == Http2Flags.Ack),
            Http2FrameType.WindowUpdate => Http2FrameWriter.WriteWindowUpdate(b, c.StreamId, (int)BitConverter.ToUInt32(c.Payload.Reverse().ToArray())),
            Http2FrameType.RstStream => Http2FrameWriter.WriteRstStream(b, c.StreamId, (Http2ErrorCode)BitConverter.ToUInt32(c.Payload.Reverse().ToArray())),
            Http2FrameType.GoAway => Http2FrameWriter.WriteGoAway(b, Http2Payload.GetGoAwayLastStreamId(c.Payload),
                Http2Payload.GetGoAwayCode(c.Payload), Http2Payload.GetGoAwayDebugData(c.Payload)),
            _ => Http2FrameWriter.WriteFrame(b, c.Type, c.Flags, c.StreamId, c.Payload),
        };
        Assert.Equal(b.Length, n);
        return b;
    }

    [Fact]
    public void Every_frame_type_round_trips_through_the_reader_also_when_cut()
    {
        Gen.Select(CaseGen, Gen.Int[0, int.MaxValue]).Sample((c, cutAt) =>
        {
            byte[] wire = Write(c);
            var reader = new Http2FrameReader();
            int cut = cutAt % wire.Length; // any strict prefix
            if (reader.Read(wire.AsSpan(0, cut), out _, out _, out _, out _) != Http2ReadStatus.NeedMore)
                return false;
            Http2ReadStatus status = reader.Read(wire, out Http2FrameHeader header, out ReadOnlySpan<byte> payload,
                out int consumed, out _);
            bool known = c.Type <= Http2FrameType.Continuation;
            return status == (known ? Http2ReadStatus.Frame : Http2ReadStatus.Ignored)
                && consumed == wire.Length
                && header.Type == c.Type && header.Flags == c.Flags && header.StreamId == c.StreamId
                && header.Length == c.Payload.Length
                && payload.SequenceEqual(c.Payload);
        }, iter: 2000);
    }

    [Fact]
    public void Headers_of_any_length_reassemble_and_respect_the_frame_size()
    {
        Gen.Select(Gen.Int[0, 70_000], Gen.Int[16384, 40_000], StreamGen, Gen.Bool).Sample((length, max, stream, end) =>
        {
            var block = new byte[length];
            new Random(length).NextBytes(block);
            var buffer = new byte[Http2FrameWriter.HeadersSize(length, max)];
            int written = Http2FrameWriter.WriteHeaders(buffer, stream, block, max, end);
            var reader = new Http2FrameReader { MaxFrameSize = max };
            var got = new List<byte>();
            int pos = 0;
            bool first = true, ended = false;
            while (pos < written)
            {
                if (ended || reader.Read(buffer.AsSpan(pos, written - pos), out Http2FrameHeader h,
                        out ReadOnlySpan<byte> p, out int used, out _) != Http2ReadStatus.Frame)
                    return false;
                if (h.Type != (first ? Http2FrameType.Headers : Http2FrameType.Continuation) || h.StreamId != stream)
                    return false;
                if (first && h.HasFlag(Http2Flags.EndStream) != end)
                    return false;
                ended = h.HasFlag(Http2Flags.EndHeaders);
                got.AddRange(p.ToArray());
                pos += used;
                first = false;
            }
            return ended && written == buffer.Length && got.SequenceEqual(block);
        }, iter: 200);
    }

    [Fact]
    public void Writing_and_reading_frames_allocates_nothing()
    {
        var buffer = new byte[1 << 16];
        var block = new byte[40_000];
        byte[] opaque = new byte[8];
        var settings = new[] { (Http2SettingId.MaxConcurrentStreams, 100u) };
        var reader = new Http2FrameReader();
        var peer = new Http2Settings();
        long Run()
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int n = Http2FrameWriter.WriteSettings(buffer, settings);
            reader.Read(buffer.AsSpan(0, n), out _, out ReadOnlySpan<byte> payload, out _, out _);
            peer.TryApply(payload, out _, out _);
            n = Http2FrameWriter.WriteHeaders(buffer, 1, block, 16384, endStream: false);
            reader.Read(buffer.AsSpan(0, n), out _, out _, out _, out _);
            n = Http2FrameWriter.WriteData(buffer, 1, block.AsSpan(0, 16384), endStream: true);
            reader.Read(buffer.AsSpan(0, n), out _, out _, out _, out _);
            Http2FrameWriter.WritePingAck(buffer, opaque);
            Http2FrameWriter.WriteWindowUpdate(buffer, 0, 1000);
            Http2FrameWriter.WriteRstStream(buffer, 1, Http2ErrorCode.Cancel);
            n = Http2FrameWriter.WriteGoAway(buffer, 1, Http2ErrorCode.ProtocolError, opaque);
            reader.Read(buffer.AsSpan(0, 9), out _, out _, out _, out _);
            // An error result carries a constant reason: reporting it allocates nothing either.
            buffer[5] = 1;
            reader.Read(buffer.AsSpan(0, n), out _, out _, out _, out _);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Run(); // first calls may allocate in the runtime (tiering, statics)
        Assert.Equal(0, Run());
    }
}
