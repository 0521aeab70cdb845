using System;
using System.Text;
using CsCheck;
using PSWebServer.Http2;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="HpackHuffman"/>: the strings of RFC 7541 Appendix C encode to exactly the RFC's octets and back; any
/// bytes round-trip; and the §5.2 errors (EOS inside, padding over 7 bits, padding not ones) are refused.
/// </summary>
public sealed class HpackHuffmanTests
{
    [Theory]
    [InlineData("www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff")]
    [InlineData("no-cache", "a8eb 1064 9cbf")]
    [InlineData("custom-key", "25a8 49e9 5ba9 7d7f")]
    [InlineData("custom-value", "25a8 49e9 5bb8 e8b4 bf")]
    [InlineData("302", "6402")]
    [InlineData("307", "640e ff")]
    [InlineData("private", "aec3 771a 4b")]
    [InlineData("Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff")]
    [InlineData("Mon, 21 Oct 2013 20:13:22 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff")]
    [InlineData("https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3")]
    [InlineData("gzip", "9bd9 ab")]
    [InlineData("foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
        "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07")]
    public void Rfc_strings_encode_and_decode_exactly(string text, string hex)
    {
        byte[] plain = Encoding.ASCII.GetBytes(text);
        byte[] code = HpackFieldRecorder.Hex(hex);

        Assert.Equal(code.Length, HpackHuffman.GetEncodedLength(plain));
        var encoded = new byte[code.Length];
        Assert.Equal(code.Length, HpackHuffman.Encode(plain, encoded));
        Assert.Equal(code, encoded);

        var decoded = new byte[HpackHuffman.GetMaxDecodedLength(code.Length)];
        int n = HpackHuffman.Decode(code, decoded);
        Assert.Equal(text, Encoding.ASCII.GetString(decoded, 0, n));
    }

    [Fact]
    public void Any_bytes_round_trip()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var code = new byte[HpackHuffman.GetEncodedLength(bytes)];
            int written = HpackHuffman.Encode(bytes, code);
            Assert.Equal(code.Length, written);
            var decoded = new byte[HpackHuffman.GetMaxDecodedLength(code.Length)];
            int n = HpackHuffman.Decode(code, decoded);
            Assert.Equal(bytes, decoded.AsSpan(0, n).ToArray());
        }, iter: 2000, threads: 1);
    }

    [Fact]
    public void Every_symbol_alone_round_trips()
    {
        // Each of the 256 codes once, so a wrong length in the table cannot hide behind the random property.
        for (int b = 0; b < 256; b++)
        {
            byte[] one = { (byte)b };
            var code = new byte[HpackHuffman.GetEncodedLength(one)];
            HpackHuffman.Encode(one, code);
            var decoded = new byte[8];
            Assert.Equal(1, HpackHuffman.Decode(code, decoded));
            Assert.Equal((byte)b, decoded[0]);
        }
    }

    [Fact]
    public void Empty_string_is_empty()
    {
        Assert.Equal(0, HpackHuffman.GetEncodedLength(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0, HpackHuffman.Decode(ReadOnlySpan<byte>.Empty, Span<byte>.Empty));
    }

    [Fact]
    public void Eos_in_the_string_is_refused()
    {
        // EOS is 30 ones: four 0xff octets hold it whole, followed by padding.
        var ex = Assert.Throws<HpackException>(() => HpackHuffman.Decode(new byte[] { 0xff, 0xff, 0xff, 0xff }, new byte[16]));
        Assert.Contains("EOS", ex.Message);
    }

    [Fact]
    public void Padding_longer_than_seven_bits_is_refused()
    {
        // "0" is 00000 (5 bits); then 3 ones pad the octet, and a whole extra 0xff is 11 bits of padding.
        Assert.Equal(1, HpackHuffman.Decode(new byte[] { 0x07 }, new byte[4]));
        var ex = Assert.Throws<HpackException>(() => HpackHuffman.Decode(new byte[] { 0x07, 0xff }, new byte[4]));
        Assert.Contains("longer than 7", ex.Message);
        // A lone 0xff is 8 bits of padding and no symbol.
        Assert.Throws<HpackException>(() => HpackHuffman.Decode(new byte[] { 0xff }, new byte[4]));
    }

    [Fact]
    public void Padding_not_all_ones_is_refused()
    {
        // "0" then padding 000 instead of 111: decodes "0" and leaves 3 zero bits, which are not EOS's prefix.
        var ex = Assert.Throws<HpackException>(() => HpackHuffman.Decode(new byte[] { 0x00 }, new byte[4]));
        Assert.Contains("prefix of EOS", ex.Message);
        Assert.Throws<HpackException>(() => HpackHuffman.Decode(new byte[] { 0x06 }, new byte[4]));
    }

    [Fact]
    public void Output_past_the_destination_is_refused()
    {
        byte[] plain = Encoding.ASCII.GetBytes("www.example.com");
        var code = new byte[HpackHuffman.GetEncodedLength(plain)];
        HpackHuffman.Encode(plain, code);
        Assert.Throws<HpackException>(() => HpackHuffman.Decode(code, new byte[plain.Length - 1]));
        Assert.Equal(plain.Length, HpackHuffman.Decode(code, new byte[plain.Length]));
    }

    [Fact]
    public void Arbitrary_octets_decode_or_are_refused_never_anything_else()
    {
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            var room = new byte[HpackHuffman.GetMaxDecodedLength(bytes.Length)];
            try
            {
                int n = HpackHuffman.Decode(bytes, room);
                // What decodes re-encodes to the same octets: the code is prefix-free and padding is forced to ones.
                var again = new byte[HpackHuffman.GetEncodedLength(room.AsSpan(0, n))];
                HpackHuffman.Encode(room.AsSpan(0, n), again);
                Assert.Equal(bytes, again);
            }
            catch (HpackException)
            {
            }
        }, iter: 5000, threads: 1);
    }
}
