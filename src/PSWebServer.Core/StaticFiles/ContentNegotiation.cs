using System;
using System.Buffers.Text;
using System.Text;

namespace PSWebServer.StaticFiles;

/// <summary>A content coding the server can send.</summary>
internal enum ContentCoding : byte
{
    Identity,
    Gzip,
    Brotli,
}

/// <summary>Reading Accept and Accept-Encoding with their q-values (RFC 9110 §12.4, §12.5).</summary>
internal static class ContentNegotiation
{
    /// <summary>The coding to send: the one with the highest q among br and gzip, br on a tie, identity when neither is acceptable.</summary>
    public static ContentCoding ChooseCoding(ReadOnlySpan<byte> acceptEncoding)
    {
        if (acceptEncoding.IsEmpty) return ContentCoding.Identity;
        double brotli = Quality(acceptEncoding, "br"u8, "*"u8);
        double gzip = Quality(acceptEncoding, "gzip"u8, "*"u8);
        if (brotli <= 0 && gzip <= 0) return ContentCoding.Identity;
        return brotli >= gzip ? ContentCoding.Brotli : ContentCoding.Gzip;
    }

    /// <summary>Whether the client prefers JSON to HTML (an API client, not a browser).</summary>
    public static bool PrefersJson(ReadOnlySpan<byte> accept)
    {
        if (accept.IsEmpty) return false;
        double json = MediaQuality(accept, "application"u8, "json"u8);
        double html = MediaQuality(accept, "text"u8, "html"u8);
        return json > html;
    }

    /// <summary>Whether text/html is named outright (a page navigation), not just covered by */*.</summary>
    public static bool NamesHtml(ReadOnlySpan<byte> accept) => Quality(accept, "text/html"u8, default) > 0;

    public static string Token(ContentCoding coding) => coding switch
    {
        ContentCoding.Gzip => "gzip",
        ContentCoding.Brotli => "br",
        _ => "",
    };

    private static double MediaQuality(ReadOnlySpan<byte> accept, ReadOnlySpan<byte> type, ReadOnlySpan<byte> subtype)
    {
        Span<byte> full = stackalloc byte[type.Length + 1 + subtype.Length];
        type.CopyTo(full);
        full[type.Length] = (byte)'/';
        subtype.CopyTo(full.Slice(type.Length + 1));
        double exact = Quality(accept, full, default);
        if (exact >= 0) return exact;
        Span<byte> wildcard = stackalloc byte[type.Length + 2];
        type.CopyTo(wildcard);
        "/*"u8.CopyTo(wildcard.Slice(type.Length));
        double group = Quality(accept, wildcard, default);
        if (group >= 0) return group;
        double any = Quality(accept, "*/*"u8, default);
        return any >= 0 ? any : 0;
    }

    /// <summary>
    /// The q-value the list gives <paramref name="name"/> (or, failing that, <paramref name="wildcard"/>); -1 when
    /// neither is listed and no wildcard was given, 0 when listed as unacceptable.
    /// </summary>
    private static double Quality(ReadOnlySpan<byte> list, ReadOnlySpan<byte> name, ReadOnlySpan<byte> wildcard)
    {
        double named = -1, wild = -1;
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            ReadOnlySpan<byte> item = comma < 0 ? list : list.Slice(0, comma);
            list = comma < 0 ? default : list.Slice(comma + 1);
            int semicolon = item.IndexOf((byte)';');
            ReadOnlySpan<byte> token = (semicolon < 0 ? item : item.Slice(0, semicolon)).Trim(" \t"u8);
            double q = semicolon < 0 ? 1 : ParseQ(item.Slice(semicolon + 1));
            if (Ascii.EqualsIgnoreCase(token, name)) named = q;
            else if (!wildcard.IsEmpty && token.SequenceEqual(wildcard)) wild = q;
        }
        if (named >= 0) return named;
        if (wild >= 0) return wild;
        return wildcard.IsEmpty ? -1 : 0;
    }

    /// <summary>The q parameter among ";"-separated parameters (1 when absent, 0 when malformed). Allocates nothing.</summary>
    private static double ParseQ(ReadOnlySpan<byte> parameters)
    {
        while (true)
        {
            int semicolon = parameters.IndexOf((byte)';');
            ReadOnlySpan<byte> p = (semicolon < 0 ? parameters : parameters.Slice(0, semicolon)).Trim(" \t"u8);
            if (p.Length >= 2 && (p[0] | 0x20) == (byte)'q' && p[1] == (byte)'=')
            {
                return Utf8Parser.TryParse(p.Slice(2), out double q, out _) && q >= 0 && q <= 1 ? q : 0;
            }
            if (semicolon < 0) return 1;
            parameters = parameters.Slice(semicolon + 1);
        }
    }
}
