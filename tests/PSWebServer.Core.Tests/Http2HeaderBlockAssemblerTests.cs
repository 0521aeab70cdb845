using System;
using System.Linq;
using CsCheck;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2HeaderBlockAssembler"/>: reassembly of HEADERS + CONTINUATION, the §6.10 ordering rules (connection
/// PROTOCOL_ERROR) and the size and CONTINUATION-count bounds (connection ENHANCE_YOUR_CALM).
/// </summary>
public sealed class Http2HeaderBlockAssemblerTests
{
    private static Http2FrameHeader Frame(Http2FrameType type, uint stream, int length = 0, byte flags = 0) =>
        new(length, type, flags, stream);

    [Fact]
    public void Single_headers_with_end_headers_is_complete()
    {
        using var a = new Http2HeaderBlockAssembler();
        Assert.True(a.TryBegin(1, new byte[] { 1, 2, 3 }, endHeaders: true, out _));
        Assert.True(a.IsComplete);
        Assert.False(a.IsOpen);
        Assert.Equal(new byte[] { 1, 2, 3 }, a.Block.ToArray());
        Assert.Equal(1u, a.StreamId);
    }

    [Fact]
    public void Continuations_are_joined_in_order()
    {
        using var a = new Http2HeaderBlockAssembler();
        Assert.True(a.TryBegin(3, new byte[] { 1 }, false, out _));
        Assert.True(a.CheckOrder(Frame(Http2FrameType.Continuation, 3), out _));
        Assert.True(a.TryContinue(3, new byte[] { 2, 3 }, false, out _));
        Assert.False(a.IsComplete);
        Assert.True(a.TryContinue(3, new byte[] { 4 }, true, out _));
        Assert.True(a.IsComplete);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, a.Block.ToArray());
        a.Reset();
        Assert.False(a.IsComplete);
        Assert.Equal(0, a.Block.Length);
    }

    [Theory]
    [InlineData((byte)Http2FrameType.Data, 1u)]
    [InlineData((byte)Http2FrameType.Headers, 1u)]
    [InlineData((byte)Http2FrameType.Ping, 0u)]
    [InlineData((byte)Http2FrameType.Settings, 0u)]
    [InlineData((byte)Http2FrameType.Priority, 1u)]
    [InlineData((byte)Http2FrameType.WindowUpdate, 1u)]
    [InlineData((byte)Http2FrameType.RstStream, 1u)]
    public void Any_other_frame_inside_a_block_is_a_connection_protocol_error(byte typeByte, uint stream)
    {
        var type = (Http2FrameType)typeByte;
        using var a = new Http2HeaderBlockAssembler();
        Assert.True(a.TryBegin(1, new byte[] { 1 }, false, out _));
        Assert.False(a.CheckOrder(Frame(type, stream), out var error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void Continuation_on_another_stream_inside_a_block_is_a_connection_protocol_error()
    {
        using var a = new Http2HeaderBlockAssembler();
        Assert.True(a.TryBegin(1, new byte[] { 1 }, false, out _));
        Assert.False(a.CheckOrder(Frame(Http2FrameType.Continuation, 3), out var error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
        Assert.True(error.IsConnectionError);
        Assert.False(a.TryContinue(3, new byte[] { 1 }, true, out error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void Continuation_without_an_open_block_is_a_connection_protocol_error()
    {
        using var a = new Http2HeaderBlockAssembler();
        Assert.False(a.CheckOrder(Frame(Http2FrameType.Continuation, 1), out var error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
        Assert.True(error.IsConnectionError);
        Assert.False(a.TryContinue(1, new byte[] { 1 }, true, out error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
        Assert.True(error.IsConnectionError);

        // And after a block has ended.
        Assert.True(a.TryBegin(1, new byte[] { 1 }, true, out _));
        Assert.False(a.CheckOrder(Frame(Http2FrameType.Continuation, 1), out error));
        Assert.Equal(Http2ErrorCode.ProtocolError, error.Code);
    }

    [Fact]
    public void Frames_outside_a_block_pass_the_order_check()
    {
        using var a = new Http2HeaderBlockAssembler();
        Assert.True(a.CheckOrder(Frame(Http2FrameType.Data, 1), out _));
        Assert.True(a.CheckOrder(Frame(Http2FrameType.Headers, 5), out _));
        Assert.True(a.CheckOrder(Frame(Http2FrameType.Ping, 0), out _));
    }

    [Fact]
    public void A_block_over_the_size_bound_is_enhance_your_calm()
    {
        using var a = new Http2HeaderBlockAssembler(maxBlockSize: 100);
        Assert.True(a.TryBegin(1, new byte[60], false, out _));
        Assert.True(a.TryContinue(1, new byte[40], false, out _));
        Assert.False(a.TryContinue(1, new byte[1], false, out var error));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, error.Code);
        Assert.True(error.IsConnectionError);
        Assert.False(a.IsOpen);

        Assert.False(a.TryBegin(3, new byte[101], true, out error));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, error.Code);
        Assert.True(error.IsConnectionError);
    }

    [Fact]
    public void Too_many_continuations_even_empty_is_enhance_your_calm()
    {
        using var a = new Http2HeaderBlockAssembler(maxBlockSize: 1000, maxContinuations: 8);
        Assert.True(a.TryBegin(1, new byte[] { 1 }, false, out _));
        for (int i = 0; i < 8; i++)
            Assert.True(a.TryContinue(1, ReadOnlySpan<byte>.Empty, false, out _));
        Assert.False(a.TryContinue(1, ReadOnlySpan<byte>.Empty, true, out var error));
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, error.Code);
        Assert.True(error.IsConnectionError);
        Assert.Equal(1u, error.StreamId);
    }

    [Fact]
    public void The_continuation_count_starts_over_per_block()
    {
        using var a = new Http2HeaderBlockAssembler(maxContinuations: 2);
        for (int block = 0; block < 5; block++)
        {
            uint id = (uint)(2 * block + 1);
            Assert.True(a.TryBegin(id, new byte[] { 1 }, false, out _));
            Assert.True(a.TryContinue(id, new byte[] { 2 }, false, out _));
            Assert.True(a.TryContinue(id, new byte[] { 3 }, true, out _));
            Assert.Equal(new byte[] { 1, 2, 3 }, a.Block.ToArray());
            a.Reset();
        }
    }

    [Theory]
    [InlineData(uint.MaxValue, Http2HeaderBlockAssembler.DefaultMaxBlockSize)]
    [InlineData(16384u, 16384)]
    [InlineData(10u, 1024)]
    [InlineData(100_000_000u, 1024 * 1024)]
    public void Block_bound_follows_max_header_list_size(uint listSize, int expected) =>
        Assert.Equal(expected, Http2HeaderBlockAssembler.MaxBlockSizeFor(listSize));

    [Fact]
    public void Any_split_of_a_block_reassembles_to_the_block()
    {
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[1, 400].Array[0, 12]).Sample((block, cuts) =>
        {
            using var a = new Http2HeaderBlockAssembler(maxBlockSize: 4096, maxContinuations: 16);
            var points = cuts.Select(c => c % (block.Length + 1)).Append(0).Append(block.Length).Distinct().OrderBy(c => c).ToArray();
            // pieces between consecutive points; the first is the HEADERS fragment.
            int pieces = points.Length - 1;
            if (pieces == 0)
            {
                Assert.True(a.TryBegin(1, block, true, out _));
            }
            else
            {
                for (int i = 0; i < pieces; i++)
                {
                    var part = block.AsSpan(points[i], points[i + 1] - points[i]);
                    bool last = i == pieces - 1;
                    if (i == 0)
                        Assert.True(a.TryBegin(7, part, last, out _));
                    else
                        Assert.True(a.TryContinue(7, part, last, out _));
                }
            }
            Assert.True(a.IsComplete);
            Assert.Equal(block, a.Block.ToArray());
        });
    }

    [Fact]
    public void Steady_blocks_allocate_nothing_after_the_first()
    {
        using var a = new Http2HeaderBlockAssembler();
        var part = new byte[3000];
        void One()
        {
            a.TryBegin(1, part, false, out _);
            a.TryContinue(1, part, false, out _);
            a.TryContinue(1, part, true, out _);
            a.Reset();
        }
        One();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            One();
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
