using System;
using CsCheck;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="HpackDecoder"/>'s integers (§5.1 examples, edges, overflow) and its refusals: every malformed or
/// over-limit block is an <see cref="HpackException"/> (the connection's COMPRESSION_ERROR), never a wrong field or
/// another exception.
/// </summary>
public sealed class HpackDecoderTests
{
    private static int DecodeInt(byte[] bytes, int prefix, out int consumed)
    {
        int pos = 0;
        int value = HpackDecoder.DecodeInteger(bytes, ref pos, prefix);
        consumed = pos;
        return value;
    }

    [Fact]
    public void C1_1_ten_in_a_5_bit_prefix()
    {
        Assert.Equal(10, DecodeInt(new byte[] { 0x0a }, 5, out int n));
        Assert.Equal(1, n);
        // The bits above the prefix belong to the representation, not to the number.
        Assert.Equal(10, DecodeInt(new byte[] { 0xea }, 5, out _));
    }

    [Fact]
    public void C1_2_1337_in_a_5_bit_prefix()
    {
        Assert.Equal(1337, DecodeInt(new byte[] { 0x1f, 0x9a, 0x0a }, 5, out int n));
        Assert.Equal(3, n);
        Assert.Equal(1337, DecodeInt(new byte[] { 0xff, 0x9a, 0x0a, 0x02 }, 5, out n));
        Assert.Equal(3, n);
    }

    [Fact]
    public void C1_3_42_at_an_octet_boundary()
    {
        Assert.Equal(42, DecodeInt(new byte[] { 0x2a }, 8, out int n));
        Assert.Equal(1, n);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Prefix_full_then_zero_is_the_prefix_maximum(int prefix)
    {
        int max = (1 << prefix) - 1;
        Assert.Equal(max - 1, DecodeInt(new[] { (byte)(max - 1) }, prefix, out _));
        Assert.Equal(max, DecodeInt(new[] { (byte)max, (byte)0x00 }, prefix, out int n));
        Assert.Equal(2, n);
        // Redundant zero continuation octets are legal and harmless.
        Assert.Equal(max, DecodeInt(new[] { (byte)max, (byte)0x80, (byte)0x80, (byte)0x00 }, prefix, out _));
    }

    [Fact]
    public void Int_max_is_decoded_and_one_more_is_overflow()
    {
        // 2^31 - 1 = 127 + 2147483520; 2147483520 = 0x7FFFFF80 in 7-bit groups: 0x00, 0x7f, 0x7f, 0x7f, 0x07.
        Assert.Equal(int.MaxValue, DecodeInt(new byte[] { 0x7f, 0x80, 0xff, 0xff, 0xff, 0x07 }, 7, out _));
        var ex = Assert.Throws<HpackException>(() => DecodeInt(new byte[] { 0x7f, 0x81, 0xff, 0xff, 0xff, 0x07 }, 7, out _));
        Assert.Contains("overflow", ex.Message);
        Assert.Throws<HpackException>(() => DecodeInt(new byte[] { 0x7f, 0x80, 0xff, 0xff, 0xff, 0x08 }, 7, out _));
    }

    [Fact]
    public void Endless_continuation_is_overflow_not_a_loop()
    {
        var bytes = new byte[64];
        bytes[0] = 0x1f;
        bytes.AsSpan(1).Fill(0x80);
        Assert.Throws<HpackException>(() => DecodeInt(bytes, 5, out _));
    }

    [Fact]
    public void Truncated_integer_is_refused()
    {
        Assert.Throws<HpackException>(() => DecodeInt(new byte[] { 0x1f, 0x9a }, 5, out _));
        Assert.Throws<HpackException>(() => DecodeInt(new byte[] { 0x1f }, 5, out _));
        Assert.Throws<HpackException>(() => DecodeInt(Array.Empty<byte>(), 5, out _));
    }

    private static HpackException Refused(string hex, int tableSize = 4096, int listSize = 16384)
    {
        var decoder = new HpackDecoder(tableSize, listSize);
        return Assert.Throws<HpackException>(() => decoder.Decode(HpackFieldRecorder.Hex(hex), new HpackFieldRecorder()));
    }

    [Fact]
    public void Index_zero_is_refused()
    {
        Assert.Contains("index 0", Refused("80").Message);
    }

    [Fact]
    public void Index_past_the_tables_is_refused()
    {
        // 62 is the first dynamic index; the table is empty.
        Assert.Contains("dynamic table", Refused("be").Message);
        // A literal whose name index is past the tables.
        Assert.Contains("dynamic table", Refused("7f00 0161").Message);
        // Far past, with a multi-octet index.
        Assert.Contains("dynamic table", Refused("ff ff ff 07").Message);
    }

    [Fact]
    public void Index_62_is_the_newest_dynamic_entry()
    {
        var decoder = new HpackDecoder(4096, 16384);
        var sink = new HpackFieldRecorder();
        // custom-key: custom-header with indexing, then indexed 62.
        decoder.Decode(HpackFieldRecorder.Hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 be"), sink);
        Assert.Equal(new[] { ("custom-key", "custom-header"), ("custom-key", "custom-header") }, sink.Fields);
        Assert.Contains("dynamic table", Assert.Throws<HpackException>(() => decoder.Decode(new byte[] { 0xbf }, sink)).Message);
    }

    [Fact]
    public void Size_update_at_the_start_is_applied()
    {
        var decoder = new HpackDecoder(4096, 16384);
        var sink = new HpackFieldRecorder();
        decoder.Decode(HpackFieldRecorder.Hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"), sink);
        Assert.Equal(1, decoder.Table.Count);
        // Two updates (0 then 4096) at the start of a block, as §4.2 allows: the first empties the table.
        decoder.Decode(HpackFieldRecorder.Hex("20 3fe1 1f 82"), sink);
        Assert.Equal(0, decoder.Table.Count);
        Assert.Equal(4096, decoder.Table.MaxSize);
        Assert.Equal((":method", "GET"), sink.Fields[^1]);
    }

    [Fact]
    public void Size_update_after_a_field_is_refused()
    {
        Assert.Contains("after the first field", Refused("82 20").Message);
    }

    [Fact]
    public void Size_update_above_the_setting_is_refused()
    {
        // 4097 with a 5-bit prefix: 31 + 4066 (0xe2 0x1f).
        Assert.Contains("above SETTINGS_HEADER_TABLE_SIZE", Refused("3fe2 1f").Message);
        Assert.Contains("above SETTINGS_HEADER_TABLE_SIZE", Refused("21", tableSize: 0).Message);
    }

    [Fact]
    public void Header_list_larger_than_the_limit_is_reported_and_decoded_to_the_end_without_its_fields()
    {
        // :method GET counts 7 + 3 + 32 = 42: two fit in 84, a third does not.
        var decoder = new HpackDecoder(4096, 84);
        var sink = new HpackFieldRecorder();
        Assert.Equal(84, decoder.Decode(new byte[] { 0x82, 0x82 }, sink));
        Assert.False(decoder.ListTooLarge);
        Assert.Equal(2, sink.Fields.Count);

        // Too large: the fields from the third on are not delivered, but the block is decoded to its end, so an entry
        // it adds to the dynamic table (0x40: literal with incremental indexing, new name) is still there after it.
        var over = new HpackFieldRecorder();
        byte[] block = { 0x82, 0x82, 0x82, 0x40, 0x01, (byte)'k', 0x01, (byte)'v' };
        Assert.Equal(85, decoder.Decode(block, over));
        Assert.True(decoder.ListTooLarge);
        Assert.Equal(2, over.Fields.Count);
        Assert.Equal(1, decoder.Table.Count);

        // The next block is judged on its own.
        var next = new HpackFieldRecorder();
        decoder.Decode(new byte[] { 0xbe }, next); // index 62: the entry just added
        Assert.False(decoder.ListTooLarge);
        Assert.Equal(("k", "v"), next.Fields[0]);
    }

    [Fact]
    public void A_string_longer_than_the_limit_is_never_delivered_even_when_huffman()
    {
        // A literal value of 40 octets with a 64-octet list limit: 4 + 40 + 32 > 64: a list too large, not delivered.
        string value = new string('a', 40);
        foreach (bool huffman in new[] { false, true })
        {
            var decoder = new HpackDecoder(4096, 64);
            var sink = new HpackFieldRecorder();
            decoder.Decode(Literal("date", value, huffman), sink);
            Assert.True(decoder.ListTooLarge);
            Assert.Empty(sink.Fields);
        }
        // A plain string longer than the whole limit cannot be a field of any list we take: refused as it is read.
        Assert.Throws<HpackException>(() => new HpackDecoder(4096, 64).Decode(Literal("x", new string('0', 100), huffman: false), new HpackFieldRecorder()));
        // A 100-octet value with a 64-octet limit overflows the scratch room while decoding, and is refused there.
        Assert.Throws<HpackException>(() => new HpackDecoder(4096, 64).Decode(Literal("x", new string('0', 100), huffman: true), new HpackFieldRecorder()));
    }

    private static byte[] Literal(string name, string value, bool huffman)
    {
        byte[] n = System.Text.Encoding.ASCII.GetBytes(name);
        byte[] v = System.Text.Encoding.ASCII.GetBytes(value);
        var block = new System.Collections.Generic.List<byte> { 0x00 };
        Add(block, n, huffman);
        Add(block, v, huffman);
        return block.ToArray();

        static void Add(System.Collections.Generic.List<byte> block, byte[] s, bool huffman)
        {
            byte[] body = s;
            if (huffman)
            {
                body = new byte[HpackHuffman.GetEncodedLength(s)];
                HpackHuffman.Encode(s, body);
            }
            var length = new byte[8];
            int k = HpackEncoder.EncodeInteger(body.Length, 7, huffman ? (byte)0x80 : (byte)0, length);
            block.AddRange(length.AsSpan(0, k).ToArray());
            block.AddRange(body);
        }
    }

    [Theory]
    [InlineData("40")]                 // literal with indexing, new name, no name length
    [InlineData("4003 6162")]          // name shorter than its length
    [InlineData("4003 616263")]        // no value
    [InlineData("4003 616263 05 6162")] // value shorter than its length
    [InlineData("04")]                 // indexed name, no value
    [InlineData("10 ff")]              // never indexed, name length truncated
    [InlineData("ff")]                 // indexed field, index truncated
    public void Truncated_block_is_refused(string hex)
    {
        Refused(hex);
    }

    [Fact]
    public void Bad_huffman_in_a_block_is_refused()
    {
        // Literal without indexing, name index 1, a Huffman value of one 0xff octet: 8 bits of padding.
        Assert.Contains("padding", Refused("01 81ff").Message);
    }

    [Fact]
    public void Name_from_an_entry_the_insertion_evicts_survives()
    {
        // Table of 64: custom-key: v (10 + 1 + 32 = 43) fills it; a literal with indexing that names entry 62 with
        // a new value evicts that very entry while inserting: the name must still be right.
        var decoder = new HpackDecoder(64, 16384);
        var sink = new HpackFieldRecorder();
        decoder.Decode(HpackFieldRecorder.Hex("400a 6375 7374 6f6d 2d6b 6579 0176"), sink);
        decoder.Decode(HpackFieldRecorder.Hex("7e 0177"), sink);
        Assert.Equal(("custom-key", "w"), sink.Fields[^1]);
        Assert.Equal(1, decoder.Table.Count);
        Assert.Equal(new[] { ("custom-key", "w") }, HpackFieldRecorder.TableOf(decoder));
    }

    [Fact]
    public void Arbitrary_octets_decode_or_are_refused_never_anything_else()
    {
        Gen.Byte.Array[0, 80].Sample(bytes =>
        {
            var decoder = new HpackDecoder(256, 1024);
            try
            {
                decoder.Decode(bytes, new HpackFieldRecorder());
            }
            catch (HpackException)
            {
            }
            Assert.True(decoder.Table.Size <= decoder.Table.MaxSize);
        }, iter: 5000, threads: 1);
    }
}
