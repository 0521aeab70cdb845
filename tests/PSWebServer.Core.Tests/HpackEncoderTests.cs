using System;
using System.Collections.Generic;
using System.Text;
using CsCheck;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="HpackEncoder"/>: the octets it chooses (static :status, static name indexes, Huffman only when
/// shorter, size update at the start of the next block), §5.1 integers, and a property: any response fields encoded
/// then decoded by <see cref="HpackDecoder"/> are the same fields, and leave the peer's dynamic table empty.
/// </summary>
public sealed class HpackEncoderTests
{
    private static byte[] B(string s) => Encoding.ASCII.GetBytes(s);

    [Theory]
    [InlineData(200, "88")]
    [InlineData(204, "89")]
    [InlineData(206, "8a")]
    [InlineData(304, "8b")]
    [InlineData(400, "8c")]
    [InlineData(404, "8d")]
    [InlineData(500, "8e")]
    [InlineData(302, "0803 333032")]
    [InlineData(416, "0803 343136")]
    public void Status_is_indexed_when_the_static_table_has_it(int status, string hex)
    {
        var buffer = new byte[HpackEncoder.MaxStatusLength];
        int n = HpackEncoder.EncodeStatus(status, buffer);
        Assert.Equal(HpackFieldRecorder.Hex(hex), buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void Field_with_a_static_name_uses_its_index_and_huffman_when_shorter()
    {
        var buffer = new byte[64];
        // cache-control is static 24: 0000 1111 then 24 - 15 = 9; "private" is 5 octets Huffman-coded (RFC C.6.1).
        int n = HpackEncoder.EncodeField(B("cache-control"), B("private"), buffer);
        Assert.Equal(HpackFieldRecorder.Hex("0f09 85 aec3 771a 4b"), buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void Field_with_a_new_name_is_a_literal_name_and_plain_when_huffman_is_not_shorter()
    {
        var buffer = new byte[64];
        // "x-a" Huffman is 3 octets (no saving): plain. The value "{}" has long codes: plain too.
        int n = HpackEncoder.EncodeField(B("x-a"), B("{}"), buffer);
        Assert.Equal(HpackFieldRecorder.Hex("00 03 782d61 02 7b7d"), buffer.AsSpan(0, n).ToArray());
    }

    [Theory]
    [InlineData(10, 5, 0x00, "0a")]
    [InlineData(1337, 5, 0x00, "1f9a0a")]
    [InlineData(42, 8, 0x00, "2a")]
    [InlineData(31, 5, 0x20, "3f00")]
    [InlineData(int.MaxValue, 7, 0x80, "ff80ffffff07")]
    public void Integers_are_encoded_as_section_5_1_shows(int value, int prefix, int flags, string hex)
    {
        var buffer = new byte[8];
        int n = HpackEncoder.EncodeInteger(value, prefix, (byte)flags, buffer);
        Assert.Equal(HpackFieldRecorder.Hex(hex), buffer.AsSpan(0, n).ToArray());
        int pos = 0;
        Assert.Equal(value, HpackDecoder.DecodeInteger(buffer.AsSpan(0, n), ref pos, prefix));
        Assert.Equal(n, pos);
    }

    [Fact]
    public void A_new_peer_table_size_is_signalled_once_at_the_start_of_the_next_block()
    {
        var encoder = new HpackEncoder();
        var buffer = new byte[HpackEncoder.MaxBlockPrefixLength];
        Assert.Equal(0, encoder.BeginBlock(buffer));
        encoder.SetPeerMaxTableSize(0);
        Assert.Equal(1, encoder.BeginBlock(buffer));
        Assert.Equal(0x20, buffer[0]);
        Assert.Equal(0, encoder.BeginBlock(buffer));

        // The decoder accepts the update: it is at the start and within the limit.
        var decoder = new HpackDecoder(4096, 16384);
        encoder.SetPeerMaxTableSize(100);
        var block = new byte[16];
        int n = encoder.BeginBlock(block);
        n += HpackEncoder.EncodeStatus(200, block.AsSpan(n));
        var sink = new HpackFieldRecorder();
        decoder.Decode(block.AsSpan(0, n), sink);
        Assert.Equal(100, decoder.Table.MaxSize);
        Assert.Equal(new[] { (":status", "200") }, sink.Fields);
    }

    private static readonly Gen<string> Name = Gen.OneOf(
        Gen.OneOfConst("content-type", "content-length", "date", "etag", "last-modified", "cache-control", "vary",
            "accept-ranges", "content-range", "content-encoding", "location", "server", "access-control-allow-origin"),
        Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_"], 1, 30]);

    // Values are octets: any byte 0..255 (field values are validated by the connection, not by HPACK).
    private static readonly Gen<string> Value = Gen.String[Gen.Char[(char)0, (char)255], 0, 200];

    [Fact]
    public void Any_response_fields_round_trip_through_the_decoder()
    {
        Gen.Select(Gen.Int[100, 999], Gen.Select(Name, Value).Array[0, 20]).Sample((status, fields) =>
        {
            var encoder = new HpackEncoder();
            var decoder = new HpackDecoder(4096, 1 << 20);
            // Two blocks on the same connection: a stateless encoder must not leave the decoder in a state that
            // breaks the second.
            for (int round = 0; round < 2; round++)
            {
                int room = HpackEncoder.MaxBlockPrefixLength + HpackEncoder.MaxStatusLength;
                foreach (var (n, v) in fields)
                    room += HpackEncoder.GetMaxFieldLength(n.Length, v.Length);
                var block = new byte[room];
                int at = encoder.BeginBlock(block);
                at += HpackEncoder.EncodeStatus(status, block.AsSpan(at));
                foreach (var (n, v) in fields)
                    at += HpackEncoder.EncodeField(Encoding.Latin1.GetBytes(n), Encoding.Latin1.GetBytes(v), block.AsSpan(at));

                var sink = new HpackFieldRecorder();
                decoder.Decode(block.AsSpan(0, at), sink);
                var expected = new List<(string, string)> { (":status", status.ToString()) };
                expected.AddRange(fields);
                Assert.Equal(expected, sink.Fields);
                Assert.Equal(0, decoder.Table.Count);
            }
        }, iter: 500, threads: 1);
    }
}
