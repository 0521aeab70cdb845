using System;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2Settings"/>: the RFC 9113 initial values, SETTINGS applied in order, unknown ids ignored, and the
/// §6.5.2 value checks with the codes the RFC names (all connection errors).
/// </summary>
public sealed class Http2SettingsTests
{
    private static byte[] Payload(params (ushort Id, uint Value)[] settings)
    {
        var b = new byte[6 * settings.Length];
        for (int i = 0; i < settings.Length; i++)
        {
            b[6 * i] = (byte)(settings[i].Id >> 8);
            b[6 * i + 1] = (byte)settings[i].Id;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(6 * i + 2), settings[i].Value);
        }
        return b;
    }

    [Fact]
    public void Initial_values_are_the_rfc_defaults()
    {
        var s = new Http2Settings();
        Assert.Equal(4096u, s.HeaderTableSize);
        Assert.True(s.EnablePush);
        Assert.Equal(uint.MaxValue, s.MaxConcurrentStreams);
        Assert.Equal(65535u, s.InitialWindowSize);
        Assert.Equal(16384u, s.MaxFrameSize);
        Assert.Equal(uint.MaxValue, s.MaxHeaderListSize);
    }

    [Fact]
    public void Values_apply_in_order_and_unknown_ids_are_ignored()
    {
        var s = new Http2Settings();
        byte[] p = Payload((1, 0), (2, 0), (3, 100), (4, 1_000_000), (5, 16_777_215), (6, 8192), (0xabcd, 5),
            (0, 1), (4, 70_000), (8, 1));
        Assert.True(s.TryApply(p, out long delta, out _));
        Assert.Equal(0u, s.HeaderTableSize);
        Assert.False(s.EnablePush);
        Assert.Equal(100u, s.MaxConcurrentStreams);
        Assert.Equal(70_000u, s.InitialWindowSize); // the last value of a repeated id wins (§6.5.3: in order)
        Assert.Equal(16_777_215u, s.MaxFrameSize);
        Assert.Equal(8192u, s.MaxHeaderListSize);
        Assert.True(s.EnableConnectProtocol);
        Assert.Equal(70_000 - 65_535, delta);

        Assert.True(s.TryApply(Payload((4, 0)), out delta, out _));
        Assert.Equal(-70_000, delta);
        Assert.True(s.TryApply(ReadOnlySpan<byte>.Empty, out delta, out _));
        Assert.Equal(0, delta);
    }

    [Theory]
    [InlineData(2, 2u, (uint)Http2ErrorCode.ProtocolError)]
    [InlineData(2, uint.MaxValue, (uint)Http2ErrorCode.ProtocolError)]
    [InlineData(4, 0x80000000u, (uint)Http2ErrorCode.FlowControlError)]
    [InlineData(4, uint.MaxValue, (uint)Http2ErrorCode.FlowControlError)]
    [InlineData(5, 16383u, (uint)Http2ErrorCode.ProtocolError)]
    [InlineData(5, 0u, (uint)Http2ErrorCode.ProtocolError)]
    [InlineData(5, 16_777_216u, (uint)Http2ErrorCode.ProtocolError)]
    [InlineData(8, 2u, (uint)Http2ErrorCode.ProtocolError)]
    public void Bad_value_is_a_connection_error_with_the_rfc_code(ushort id, uint value, uint code)
    {
        var s = new Http2Settings();
        Assert.False(s.TryApply(Payload((id, value)), out _, out Http2FrameError error));
        Assert.Equal((Http2ErrorCode)code, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Theory]
    [InlineData(2, 1u)]
    [InlineData(4, 0x7fffffffu)]
    [InlineData(5, 16384u)]
    [InlineData(1, uint.MaxValue)]
    [InlineData(3, 0u)]
    public void Boundary_values_are_accepted(ushort id, uint value)
    {
        Assert.True(new Http2Settings().TryApply(Payload((id, value)), out _, out _));
    }

    [Fact]
    public void Settings_written_by_the_writer_apply()
    {
        var b = new byte[Http2FrameWriter.SettingsSize(2)];
        Http2FrameWriter.WriteSettings(b, new[] { (Http2SettingId.MaxConcurrentStreams, 128u), (Http2SettingId.EnablePush, 0u) });
        var reader = new Http2FrameReader();
        Assert.Equal(Http2ReadStatus.Frame, reader.Read(b, out _, out ReadOnlySpan<byte> payload, out _, out _));
        var s = new Http2Settings();
        Assert.True(s.TryApply(payload, out _, out _));
        Assert.Equal(128u, s.MaxConcurrentStreams);
        Assert.False(s.EnablePush);
        Assert.False(s.TryApply(payload.Slice(0, 5), out _, out Http2FrameError error));
        Assert.Equal(Http2ErrorCode.FrameSizeError, error.Code);
    }
}
