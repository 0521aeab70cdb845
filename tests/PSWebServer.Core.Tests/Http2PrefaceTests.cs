using System;
using System.Text;
using PSWebServer.Http2;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// <see cref="Http2Preface"/> (RFC 9113 §3.4): the exact 24 octets, every prefix waits, the first wrong octet
/// fails, and an HTTP/1.1 request line fails at once (so h2c prior knowledge costs HTTP/1.1 nothing).
/// </summary>
public sealed class Http2PrefaceTests
{
    [Fact]
    public void Preface_is_the_rfc_string()
    {
        Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Encoding.ASCII.GetString(Http2Preface.Bytes));
        Assert.Equal(Http2Preface.Length, Http2Preface.Bytes.Length);
    }

    [Fact]
    public void Every_prefix_needs_more_and_the_whole_matches_even_with_a_frame_after()
    {
        byte[] preface = Http2Preface.Bytes.ToArray();
        for (int n = 0; n < preface.Length; n++)
            Assert.Equal(Http2PrefaceStatus.NeedMore, Http2Preface.Check(preface.AsSpan(0, n)));
        Assert.Equal(Http2PrefaceStatus.Match, Http2Preface.Check(preface));
        var withSettings = new byte[preface.Length + 9];
        preface.CopyTo(withSettings, 0);
        Http2FrameWriter.WriteSettingsAck(withSettings.AsSpan(preface.Length));
        Assert.Equal(Http2PrefaceStatus.Match, Http2Preface.Check(withSettings));
    }

    [Fact]
    public void Any_wrong_octet_is_a_mismatch_as_soon_as_it_arrives()
    {
        byte[] preface = Http2Preface.Bytes.ToArray();
        for (int i = 0; i < preface.Length; i++)
        {
            byte[] bad = (byte[])preface.Clone();
            bad[i] ^= 0x20;
            Assert.Equal(Http2PrefaceStatus.Mismatch, Http2Preface.Check(bad.AsSpan(0, i + 1)));
            Assert.Equal(Http2PrefaceStatus.Mismatch, Http2Preface.Check(bad));
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/1.1\r\n")]
    [InlineData("pri * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\n")] // the start only: waits, not a match
    public void Http1_and_near_misses_do_not_match(string text)
    {
        Assert.NotEqual(Http2PrefaceStatus.Match, Http2Preface.Check(Encoding.ASCII.GetBytes(text)));
    }
}
