using System;
using System.Text;
using System.Buffers.Text;
using PSWebServer.Http;

namespace PSWebServer.Http2;

/// <summary>
/// The HTTP/2 beside <see cref="Http1ResponseEncoder"/>: the same <see cref="HttpResponse"/> as one HPACK field block
/// (RFC 9113 §8.3.2): <c>:status</c>, content-length when the handler knows it, the response's header blocks (each
/// block's HPACK form made once and kept in it, as its HTTP/1 lines are), its per-response fields, and what the server
/// owns (server, date). Names are lowercased (§8.2.1) and the connection-specific fields HTTP/1 needs never appear
/// (§8.2.2): there is no Connection, Keep-Alive or Transfer-Encoding on a stream. The frames are the connection's.
/// </summary>
internal static class Http2ResponseEncoder
{
    private static readonly byte[] ServerField = Encode("server"u8, "PSWebServer"u8);
    private static DateForm s_date = new(Array.Empty<byte>(), Array.Empty<byte>());

    /// <summary>The most octets <see cref="WriteBlock"/> writes for <paramref name="response"/>.</summary>
    public static int MaxBlockLength(HttpResponse response)
    {
        int length = HpackEncoder.MaxBlockPrefixLength + HpackEncoder.MaxStatusLength
            + HpackEncoder.GetMaxFieldLength(14, 20) + ServerField.Length + HpackEncoder.GetMaxFieldLength(4, 29);
        for (int i = 0; i < response.BlockCount; i++) length += FormOf(response.Block(i)).Length;
        ResponseHeaders fields = response.Headers;
        for (int i = 0; i < fields.Count; i++) length += HpackEncoder.GetMaxFieldLength(fields.Name(i).Length, fields.Value(i).Length);
        return length;
    }

    /// <summary>Writes the field block of <paramref name="response"/>; returns its length.</summary>
    public static int WriteBlock(HpackEncoder encoder, HttpResponse response, Span<byte> destination)
    {
        int at = encoder.BeginBlock(destination);
        at += HpackEncoder.EncodeStatus(response.StatusCode, destination.Slice(at));
        if (response.ContentLength >= 0 && Http1ResponseEncoder.MayHaveContentLength(response.StatusCode))
        {
            Span<byte> digits = stackalloc byte[20];
            Utf8Formatter.TryFormat(response.ContentLength, digits, out int written);
            at += HpackEncoder.EncodeField("content-length"u8, digits.Slice(0, written), destination.Slice(at));
        }
        for (int i = 0; i < response.BlockCount; i++)
        {
            byte[] form = FormOf(response.Block(i));
            form.CopyTo(destination.Slice(at));
            at += form.Length;
        }
        ResponseHeaders fields = response.Headers;
        Span<byte> lower = stackalloc byte[64];
        for (int i = 0; i < fields.Count; i++)
        {
            ReadOnlySpan<byte> name = fields.Name(i);
            Span<byte> lowered = name.Length <= lower.Length ? lower.Slice(0, name.Length) : new byte[name.Length];
            Ascii.ToLower(name, lowered, out _);
            if (Http2RequestBuilder.IsConnectionSpecific(lowered)) continue;
            at += HpackEncoder.EncodeField(lowered, fields.Value(i), destination.Slice(at));
        }
        ServerField.CopyTo(destination.Slice(at));
        at += ServerField.Length;
        byte[] date = DateField();
        date.CopyTo(destination.Slice(at));
        return at + date.Length;
    }

    /// <summary>A block that is deliberately not a valid response (a test's MalformedStatusLine fault): :status "OK".</summary>
    public static int WriteMalformedBlock(HpackEncoder encoder, Span<byte> destination)
    {
        int at = encoder.BeginBlock(destination);
        return at + HpackEncoder.EncodeField(":status"u8, "OK"u8, destination.Slice(at));
    }

    /// <summary>An interim 100 (Continue) block, for a client that sent Expect: 100-continue.</summary>
    public static int WriteContinueBlock(HpackEncoder encoder, Span<byte> destination)
    {
        int at = encoder.BeginBlock(destination);
        return at + HpackEncoder.EncodeStatus(100, destination.Slice(at));
    }

    private static byte[] FormOf(HeaderBlock block)
    {
        byte[]? form = block.Http2Form;
        if (form != null) return form;
        int max = 0;
        for (int i = 0; i < block.Count; i++) max += HpackEncoder.GetMaxFieldLength(block.Name(i).Length, block.Value(i).Length);
        var scratch = new byte[max];
        int at = 0;
        for (int i = 0; i < block.Count; i++)
        {
            var lowered = new byte[block.Name(i).Length];
            Ascii.ToLower(block.Name(i), lowered, out _);
            if (Http2RequestBuilder.IsConnectionSpecific(lowered)) continue;
            at += HpackEncoder.EncodeField(lowered, block.Value(i), scratch.AsSpan(at));
        }
        form = scratch.AsSpan(0, at).ToArray();
        block.Http2Form = form; // made once per block, like its HTTP/1 lines; a race makes equal arrays
        return form;
    }

    // The date field changes once a second: encoded again only when the HTTP/1 line it comes from has changed.
    private static byte[] DateField()
    {
        ReadOnlySpan<byte> line = DateHeaderCache.Line; // "Date: <29 octets>\r\n"
        DateForm current = s_date;
        if (line.SequenceEqual(current.Line)) return current.Field;
        var next = new DateForm(line.ToArray(), Encode("date"u8, line.Slice(6, line.Length - 8)));
        s_date = next;
        return next.Field;
    }

    private static byte[] Encode(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var field = new byte[HpackEncoder.GetMaxFieldLength(name.Length, value.Length)];
        int length = HpackEncoder.EncodeField(name, value, field);
        return field.AsSpan(0, length).ToArray();
    }

    private sealed record DateForm(byte[] Line, byte[] Field);
}
