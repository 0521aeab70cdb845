using System;
using System.Text;
using CsCheck;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Properties of <see cref="ChunkedBodyDecoder"/>: any valid chunking of any bytes (sizes in either case, leading
/// zeros, extensions, trailers), fed in pieces cut anywhere and decoded into room given a little at a time, decodes
/// back to exactly those bytes and consumes exactly the body; and arbitrary bytes never throw.
/// </summary>
public sealed class ChunkedBodyDecoderPropertyTests
{
    private static readonly Gen<string> Extension = Gen.OneOfConst("", ";a", ";a=b", ";name=\"q \\\" v\"", ";x;y=1");
    private static readonly Gen<string> Trailers = Gen.OneOfConst("", "X-Sum: 1\r\n", "A: b\r\nC:\r\n");

    /// <summary>The bytes, the sizes of the chunks they are cut into, and how each size line is spelled.</summary>
    private static readonly Gen<(byte[] Data, string Wire)> Chunked =
        Gen.Select(Gen.Byte.Array[0, 600], Gen.Int[1, 200].Array[1, 40], Gen.Bool.Array[40], Gen.Int[0, 2].Array[40],
            Extension.Array[41], Trailers).Select((data, sizes, upper, zeros, extensions, trailers) =>
        {
            var wire = new StringBuilder();
            int at = 0, i = 0;
            while (at < data.Length)
            {
                int size = Math.Min(sizes[i % sizes.Length], data.Length - at);
                string hex = size.ToString(upper[i % 40] ? "X" : "x");
                wire.Append('0', zeros[i % 40]).Append(hex).Append(extensions[i % 41]).Append("\r\n");
                wire.Append(Encoding.Latin1.GetString(data, at, size)).Append("\r\n");
                at += size;
                i++;
            }
            wire.Append('0').Append(extensions[40]).Append("\r\n").Append(trailers).Append("\r\n");
            return (data, wire.ToString());
        });

    [Fact]
    public void AnyValidChunking_SplitAnywhere_DecodesToTheBytes()
    {
        Gen.Select(Chunked, Gen.Int[1, 64].Array[1, 20], Gen.Int[1, 100]).Sample((body, cuts, room) =>
        {
            byte[] wire = Encoding.Latin1.GetBytes(body.Wire + "GET /next HTTP/1.1\r\n\r\n");
            int bodyLength = Encoding.Latin1.GetByteCount(body.Wire);
            var decoder = new ChunkedBodyDecoder(long.MaxValue, 1024, 10);
            decoder.Reset();
            byte[] output = new byte[body.Data.Length + 1];
            int fed = 0, available = 0, read = 0, written = 0, cut = 0;
            ChunkedStatus status = ChunkedStatus.NeedMoreData;
            while (status != ChunkedStatus.Complete)
            {
                if (status == ChunkedStatus.NeedMoreData || read == available)
                {
                    Assert.True(available < wire.Length, "the decoder wanted more than the body");
                    available = Math.Min(wire.Length, available + cuts[cut++ % cuts.Length]);
                }
                int limit = Math.Min(output.Length, written + room); // the room the caller gives, a little at a time
                status = decoder.Decode(wire.AsSpan(read, available - read), output.AsSpan(written, limit - written), out int consumed, out int produced);
                Assert.NotEqual(ChunkedStatus.Rejected, status);
                read += consumed;
                written += produced;
                fed++;
                Assert.True(fed < 100_000, "no progress");
            }
            Assert.Equal(bodyLength, read);
            Assert.Equal(body.Data, output.AsSpan(0, written).ToArray());
            Assert.Equal(body.Data.Length, decoder.DecodedLength);
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void ArbitraryBytes_NeverThrow_AndNeverProduceMoreThanTheyDeclare()
    {
        Gen.Select(Gen.OneOfConst("0", "5", "a", "\r\n", "\n", "\r", ";", "=", "\"", "x", "hello", "-", " ", ":", "\0")
            .Array[0, 60], Gen.Int[1, 16]).Sample((parts, piece) =>
        {
            byte[] wire = Encoding.Latin1.GetBytes(string.Concat(parts));
            var decoder = new ChunkedBodyDecoder(1 << 20, 64, 4);
            decoder.Reset();
            byte[] output = new byte[wire.Length];
            int read = 0, written = 0;
            while (read < wire.Length)
            {
                int length = Math.Min(piece, wire.Length - read);
                ChunkedStatus status = decoder.Decode(wire.AsSpan(read, length), output.AsSpan(written), out int consumed, out int produced);
                Assert.InRange(consumed, 0, length);
                read += consumed;
                written += produced;
                if (status is ChunkedStatus.Complete or ChunkedStatus.Rejected) break;
                Assert.Equal(ChunkedStatus.NeedMoreData, status); // the output is as large as the input: never full
            }
            Assert.True(written <= read);
        }, iter: 5000, threads: 1);
    }

    [Fact]
    public void TheFuzzTarget_HoldsOnChunkShapedAndValidInput()
    {
        Gen.OneOfConst("0", "5", "a", "F", "\r\n", "\n", "\r", ";", "=", "\"", "x", "hello", "-", " ", ":", "\0", "0\r\n\r\n")
            .Array[0, 60].Sample(parts => FuzzTargets.Chunked(Encoding.Latin1.GetBytes(string.Concat(parts))), iter: 5000, threads: 1);
        Chunked.Sample(body => FuzzTargets.Chunked(Encoding.Latin1.GetBytes(body.Wire)), iter: 1000, threads: 1);
    }
}
