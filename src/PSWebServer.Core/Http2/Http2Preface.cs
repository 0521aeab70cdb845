using System;

namespace PSWebServer.Http2;

/// <summary>
/// The client connection preface (RFC 9113 §3.4), which a client sends before its first SETTINGS frame. Checked
/// octet by octet so that a cleartext connection can be told apart early: "GET /" fails at the first octet, so
/// h2c prior knowledge costs HTTP/1.1 nothing, and a partial preface waits without buffering a guess.
/// </summary>
internal static class Http2Preface
{
    /// <summary>PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n</summary>
    public static ReadOnlySpan<byte> Bytes => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const int Length = 24;

    /// <summary>Compares the start of <paramref name="input"/> with the preface.</summary>
    public static Http2PrefaceStatus Check(ReadOnlySpan<byte> input)
    {
        ReadOnlySpan<byte> preface = Bytes;
        int n = Math.Min(input.Length, preface.Length);
        if (!input.Slice(0, n).SequenceEqual(preface.Slice(0, n)))
            return Http2PrefaceStatus.Mismatch;
        return n == preface.Length ? Http2PrefaceStatus.Match : Http2PrefaceStatus.NeedMore;
    }
}
