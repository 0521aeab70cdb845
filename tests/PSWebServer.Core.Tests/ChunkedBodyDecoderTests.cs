using System;
using System.Collections.Generic;
using System.Text;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// The strict chunked decoder (RFC 9112 §7.1): what it accepts, and one case for each thing it refuses, whole and fed
/// a byte at a time (a refusal must not depend on where the bytes were cut).
/// </summary>
public sealed class ChunkedBodyDecoderTests
{
    private const long Limit = 1000;

    private static ChunkedBodyDecoder NewDecoder(long limit = Limit, int trailerBytes = 200, int trailerCount = 3)
    {
        var decoder = new ChunkedBodyDecoder(limit, trailerBytes, trailerCount);
        decoder.Reset();
        return decoder;
    }

    /// <summary>Decodes <paramref name="wire"/> in pieces of <paramref name="piece"/> bytes into a roomy buffer.</summary>
    private static (ChunkedStatus Status, string Data, int Consumed, ChunkedBodyDecoder Decoder) Run(string wire, int piece = int.MaxValue, long limit = Limit)
    {
        ChunkedBodyDecoder decoder = NewDecoder(limit);
        byte[] source = Encoding.Latin1.GetBytes(wire);
        byte[] destination = new byte[4096];
        int at = 0, written = 0;
        ChunkedStatus status = ChunkedStatus.NeedMoreData;
        while (at < source.Length)
        {
            int length = Math.Min(piece, source.Length - at);
            status = decoder.Decode(source.AsSpan(at, length), destination.AsSpan(written), out int consumed, out int produced);
            at += consumed;
            written += produced;
            if (status is ChunkedStatus.Complete or ChunkedStatus.Rejected) break;
            Assert.Equal(ChunkedStatus.NeedMoreData, status);
            Assert.Equal(length, consumed);
        }
        return (status, Encoding.Latin1.GetString(destination, 0, written), at, decoder);
    }

    [Theory]
    [InlineData("0\r\n\r\n", "")]
    [InlineData("5\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world")]
    [InlineData("A\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("a\r\n0123456789\r\n0\r\n\r\n", "0123456789")]
    [InlineData("0005\r\nhello\r\n000\r\n\r\n", "hello")]
    [InlineData("5;name\r\nhello\r\n0\r\n\r\n", "hello")]
    [InlineData("5;name=value;other=\"quoted \\\" ;=\"\r\nhello\r\n0;last\r\n\r\n", "hello")]
    [InlineData("5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Empty:\r\nX-Spaced:  a b \t\r\n\r\n", "hello")]
    [InlineData("3\r\n\r\n\n\r\n0\r\n\r\n", "\r\n\n")] // data is data, CR and LF included
    public void ValidBodies_Decode(string wire, string data)
    {
        foreach (int piece in new[] { int.MaxValue, 1, 2, 3, 7 })
        {
            var (status, decoded, consumed, decoder) = Run(wire, piece);
            Assert.Equal(ChunkedStatus.Complete, status);
            Assert.Equal(data, decoded);
            Assert.Equal(wire.Length, consumed);
            Assert.Equal(data.Length, decoder.DecodedLength);
            Assert.True(decoder.IsComplete);
        }
    }

    [Fact]
    public void BytesAfterTheBody_AreLeftForTheNextRequest()
    {
        const string body = "2\r\nhi\r\n0\r\n\r\n";
        var (status, data, consumed, _) = Run(body + "GET / HTTP/1.1\r\n\r\n");
        Assert.Equal((ChunkedStatus.Complete, "hi", body.Length), (status, data, consumed));
    }

    [Fact]
    public void AFullDestination_StopsWithTheDataStillWaiting()
    {
        ChunkedBodyDecoder decoder = NewDecoder();
        byte[] source = Encoding.ASCII.GetBytes("a\r\n0123456789\r\n0\r\n\r\n");
        byte[] destination = new byte[4];

        Assert.Equal(ChunkedStatus.DestinationFull, decoder.Decode(source, destination, out int consumed, out int written));
        Assert.Equal((3 + 4, 4), (consumed, written));
        Assert.Equal(6, decoder.PendingChunkBytes);
        byte[] rest = new byte[16];
        Assert.Equal(ChunkedStatus.Complete, decoder.Decode(source.AsSpan(consumed), rest, out int consumed2, out int written2));
        Assert.Equal("456789", Encoding.ASCII.GetString(rest, 0, written2));
        Assert.Equal(source.Length, consumed + consumed2);
    }

    public static IEnumerable<object[]> Rejections() => new[]
    {
        // chunk-size: 1*HEXDIG only
        Row("\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("+5\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("-5\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("0x5\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row(" 5\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("5 \r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("5\t\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("g\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("5g\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        // overflow: a size that wraps around 64 bits must not come back small
        Row("10000000000000005\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.ChunkSizeOverflow),
        Row("ffffffffffffffffffffffff\r\n", RequestRejectionReason.ChunkSizeOverflow),
        // the body limit, judged on the size line before any data
        Row("3e9\r\n", RequestRejectionReason.BodyTooLarge),
        Row("1f4\r\n" + new string('x', 500) + "\r\n1f5\r\n", RequestRejectionReason.BodyTooLarge),
        // chunk-ext: ;name[=token|quoted-string], no whitespace, bounded
        Row("5;\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5 ;a\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkSize),
        Row("5; a\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a =b\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a= b\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a=\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a=b c\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a=\"open\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a=\"\0\"\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;a(b\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row("5;" + new string('a', ChunkedBodyDecoder.MaxChunkLineBytes) + "\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        Row(new string('0', ChunkedBodyDecoder.MaxChunkLineBytes) + "5\r\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkExtension),
        // CRLF only
        Row("5\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("5\rhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("5;a\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("5;a=b\nhello\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("5\r\nhello\r\n0\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("5\r\nhello\r\n0\r\n\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("5\r\nhello\r\n0\r\n\rX", RequestRejectionReason.InvalidChunkLineEnding),
        // data followed by exactly CRLF
        Row("5\r\nhello!\r\n0\r\n\r\n", RequestRejectionReason.InvalidChunkDataEnd),
        Row("5\r\nhello\n0\r\n\r\n", RequestRejectionReason.InvalidChunkDataEnd),
        Row("5\r\nhello\r0\r\n\r\n", RequestRejectionReason.InvalidChunkDataEnd),
        Row("5\r\nhello0\r\n\r\n", RequestRejectionReason.InvalidChunkDataEnd),
        // trailers: field lines, bounded
        Row("0\r\nNo-Colon\r\n\r\n", RequestRejectionReason.InvalidTrailer),
        Row("0\r\nX : v\r\n\r\n", RequestRejectionReason.InvalidTrailer),
        Row("0\r\n: v\r\n\r\n", RequestRejectionReason.InvalidTrailer),
        Row("0\r\n folded: v\r\n\r\n", RequestRejectionReason.InvalidTrailer),
        Row("0\r\nX: a\0b\r\n\r\n", RequestRejectionReason.InvalidTrailer),
        Row("0\r\nX: a\rb\r\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("0\r\nX: a\nY: b\r\n\r\n", RequestRejectionReason.InvalidChunkLineEnding),
        Row("0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", RequestRejectionReason.TrailersTooLarge),
        Row("0\r\nX: " + new string('v', 300) + "\r\n\r\n", RequestRejectionReason.TrailersTooLarge),
    };

    private static object[] Row(string wire, RequestRejectionReason reason) => new object[] { wire, reason.ToString() };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void MalformedBodies_AreRefused_WithTheirReason(string wire, string reasonName)
    {
        var reason = Enum.Parse<RequestRejectionReason>(reasonName);
        foreach (int piece in new[] { int.MaxValue, 1 })
        {
            var (status, _, _, decoder) = Run(wire, piece);
            Assert.Equal(ChunkedStatus.Rejected, status);
            Assert.Equal(reason, decoder.Rejection);
        }
        int expected = reason == RequestRejectionReason.BodyTooLarge ? 413 : 400;
        Assert.Equal(expected, RequestRejections.StatusCode(reason));
    }

    [Fact]
    public void ARefusal_Sticks_UntilReset()
    {
        ChunkedBodyDecoder decoder = NewDecoder();
        Assert.Equal(ChunkedStatus.Rejected, decoder.Decode("x"u8, default, out _, out _));
        Assert.Equal(ChunkedStatus.Rejected, decoder.Decode("0\r\n\r\n"u8, default, out _, out _));
        decoder.Reset();
        Assert.Equal(ChunkedStatus.Complete, decoder.Decode("0\r\n\r\n"u8, default, out _, out _));
        Assert.Equal(RequestRejectionReason.None, decoder.Rejection);
    }

    [Fact]
    public void TheBodyLimit_CountsEveryChunk_AndAllowsExactlyTheLimit()
    {
        string exact = "1f4\r\n" + new string('x', 500) + "\r\n1f4\r\n" + new string('y', 500) + "\r\n0\r\n\r\n";
        Assert.Equal(ChunkedStatus.Complete, Run(exact).Status);
        Assert.Equal(ChunkedStatus.Rejected, Run(exact, limit: 999).Status);
    }
}
