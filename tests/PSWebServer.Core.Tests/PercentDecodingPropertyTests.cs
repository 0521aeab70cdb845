using System;
using System.Linq;
using System.Text;
using CsCheck;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Properties of <see cref="PercentDecoding"/>. What it promises: -1 exactly for a malformed escape, otherwise one
/// byte per escape and every other byte as is, decoded once; display decoding never throws. Refusing NUL and encoded
/// separators is PathResolver's rule, not this unit's, so it is tested there (the fuzz target "paths" covers it too).
/// </summary>
public sealed class PercentDecodingPropertyTests
{
    private static readonly Gen<byte[]> EscapeShaped =
        Gen.OneOfConst("%", "%2", "%2f", "%2F", "%25", "%00", "%C3%A9", "%c0%af", "%zz", "%ff", "/", "a", "é", "..", "%%", "\0")
            .Array[0, 30].Select(parts => Encoding.UTF8.GetBytes(string.Concat(parts)));

    private static readonly Gen<string> Hex = Gen.Char["0123456789abcdefABCDEF"].Array[2].Select(c => new string(c));

    [Fact]
    public void ArbitraryBytes_DecodeAsPromised()
    {
        Gen.Byte.Array[0, 300].Sample(bytes => FuzzTargets.PercentDecodingTarget(bytes), iter: 5000, threads: 1);
    }

    [Fact]
    public void EscapeShapedBytes_DecodeAsPromised()
    {
        EscapeShaped.Sample(bytes => FuzzTargets.PercentDecodingTarget(bytes), iter: 5000, threads: 1);
    }

    [Fact]
    public void AnyBytes_EscapedInAnyCase_DecodeBackToThemselves()
    {
        Gen.Select(Gen.Byte.Array[0, 64], Gen.Bool.Array[64], Gen.Bool.Array[64]).Sample((bytes, escape, upper) =>
        {
            var text = new StringBuilder();
            for (int i = 0; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                bool plain = b is >= (byte)'a' and <= (byte)'z' or (byte)'/' or (byte)'-';
                if (plain && !escape[i]) text.Append((char)b);
                else text.Append('%').Append(b.ToString(upper[i] ? "X2" : "x2"));
            }
            byte[] source = Encoding.ASCII.GetBytes(text.ToString());
            byte[] destination = new byte[source.Length];
            int length = PercentDecoding.Decode(source, destination);
            Assert.Equal(bytes, destination.AsSpan(0, Math.Max(length, 0)).ToArray());
        }, iter: 3000, threads: 1);
    }

    [Fact]
    public void EscapedPercent_IsDecodedOnce()
    {
        // "%2541" is "%41" decoded once, never "A": a second pass would let "%252e%252e" through as "..".
        Hex.Sample(hex =>
        {
            byte[] source = Encoding.ASCII.GetBytes("/%25" + hex);
            byte[] destination = new byte[source.Length];
            int length = PercentDecoding.Decode(source, destination);
            Assert.Equal("/%" + hex, Encoding.ASCII.GetString(destination, 0, length));
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void MalformedEscape_AnywhereInAValidPath_FailsTheWholeDecode()
    {
        // Path characters that are not hex digits, so the broken escape cannot borrow one and become valid.
        Gen.Select(Gen.Char["xyz/"].Array[0, 20], Gen.Int[0, 20], Gen.OneOfConst("%", "%4", "%g1", "%1g", "% 1"))
            .Sample((chars, at, bad) =>
            {
                string path = new string(chars);
                string text = path.Insert(Math.Min(at, path.Length), bad);
                byte[] source = Encoding.ASCII.GetBytes(text);
                Assert.Equal(-1, PercentDecoding.Decode(source, new byte[source.Length]));
            }, iter: 2000, threads: 1);
    }

    [Fact]
    public void DisplayText_OfEscapedUtf8_IsTheOriginalText()
    {
        Gen.String.Where(s => s == Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(s))).Sample(s =>
        {
            string escaped = "/" + string.Concat(Encoding.UTF8.GetBytes(s).Select(b => "%" + b.ToString("X2")));
            Assert.Equal("/" + s, PercentDecoding.DecodeForDisplay(Encoding.ASCII.GetBytes(escaped)));
        }, iter: 2000, threads: 1);
    }
}
