using System;
using System.Text;

namespace PSWebServer.Http2;

/// <summary>
/// The 61 entries of RFC 7541 Appendix A, as bytes (HPACK works on octets; nothing here is a .NET string at run
/// time). Index 1 is the first entry; the dynamic table's indexes follow at 62.
/// </summary>
internal static class HpackStaticTable
{
    public const int Count = 61;

    private static readonly (byte[] Name, byte[] Value)[] Entries = Build(
        ":authority", "",
        ":method", "GET",
        ":method", "POST",
        ":path", "/",
        ":path", "/index.html",
        ":scheme", "http",
        ":scheme", "https",
        ":status", "200",
        ":status", "204",
        ":status", "206",
        ":status", "304",
        ":status", "400",
        ":status", "404",
        ":status", "500",
        "accept-charset", "",
        "accept-encoding", "gzip, deflate",
        "accept-language", "",
        "accept-ranges", "",
        "accept", "",
        "access-control-allow-origin", "",
        "age", "",
        "allow", "",
        "authorization", "",
        "cache-control", "",
        "content-disposition", "",
        "content-encoding", "",
        "content-language", "",
        "content-length", "",
        "content-location", "",
        "content-range", "",
        "content-type", "",
        "cookie", "",
        "date", "",
        "etag", "",
        "expect", "",
        "expires", "",
        "from", "",
        "host", "",
        "if-match", "",
        "if-modified-since", "",
        "if-none-match", "",
        "if-range", "",
        "if-unmodified-since", "",
        "last-modified", "",
        "link", "",
        "location", "",
        "max-forwards", "",
        "proxy-authenticate", "",
        "proxy-authorization", "",
        "range", "",
        "referer", "",
        "refresh", "",
        "retry-after", "",
        "server", "",
        "set-cookie", "",
        "strict-transport-security", "",
        "transfer-encoding", "",
        "user-agent", "",
        "vary", "",
        "via", "",
        "www-authenticate", "");

    /// <summary>The name of entry <paramref name="index"/> (1..61).</summary>
    public static ReadOnlySpan<byte> GetName(int index) => Entries[index - 1].Name;

    /// <summary>The value of entry <paramref name="index"/> (1..61).</summary>
    public static ReadOnlySpan<byte> GetValue(int index) => Entries[index - 1].Value;

    /// <summary>
    /// The first index whose name is <paramref name="name"/>, or 0. A linear scan of 61 short names: cheaper than
    /// hashing the name for the handful of fields a response has, and it allocates nothing.
    /// </summary>
    public static int FindName(ReadOnlySpan<byte> name)
    {
        for (int i = 0; i < Entries.Length; i++)
        {
            if (name.SequenceEqual(Entries[i].Name))
                return i + 1;
        }
        return 0;
    }

    /// <summary>The index of the entry <c>:status: <paramref name="status"/></c> (8 to 14), or 0 when the table has none.</summary>
    public static int FindStatus(int status) => status switch
    {
        200 => 8,
        204 => 9,
        206 => 10,
        304 => 11,
        400 => 12,
        404 => 13,
        500 => 14,
        _ => 0,
    };

    private static (byte[] Name, byte[] Value)[] Build(params string[] pairs)
    {
        var entries = new (byte[] Name, byte[] Value)[pairs.Length / 2];
        for (int i = 0; i < entries.Length; i++)
            entries[i] = (Encoding.ASCII.GetBytes(pairs[2 * i]), Encoding.ASCII.GetBytes(pairs[2 * i + 1]));
        return entries;
    }
}
