using System;
using System.Text;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Entity tags (RFC 9110 §8.8.3): a strong tag made from the file's modification time and size, like nginx's,
/// and the comparisons the conditional headers need.
/// </summary>
internal static class EntityTag
{
    public static byte[] ForFile(DateTime lastWriteUtc, long length, string suffix = "") =>
        Encoding.ASCII.GetBytes("\"" + lastWriteUtc.Ticks.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "-"
            + length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + suffix + "\"");

    /// <summary>Whether a header value ("*", or a list of tags) matches <paramref name="tag"/>. Weak comparison ignores W/ on both sides.</summary>
    public static bool ListMatches(ReadOnlySpan<byte> list, ReadOnlySpan<byte> tag, bool weak)
    {
        list = list.Trim(" \t"u8);
        if (list.SequenceEqual("*"u8)) return true;
        ReadOnlySpan<byte> ours = weak ? StripWeak(tag) : tag;
        if (!weak && IsWeak(tag)) return false; // a weak tag never matches strongly
        while (!list.IsEmpty)
        {
            list = list.TrimStart(" \t,"u8);
            if (list.IsEmpty) break;
            bool isWeak = IsWeak(list);
            ReadOnlySpan<byte> rest = isWeak ? list.Slice(2) : list;
            if (rest.IsEmpty || rest[0] != (byte)'"') return false; // malformed list: nothing matches
            int close = rest.Slice(1).IndexOf((byte)'"');
            if (close < 0) return false;
            ReadOnlySpan<byte> candidate = rest.Slice(0, close + 2);
            if ((weak || !isWeak) && candidate.SequenceEqual(ours)) return true;
            list = rest.Slice(close + 2);
        }
        return false;
    }

    private static bool IsWeak(ReadOnlySpan<byte> tag) => tag.Length >= 2 && tag[0] == (byte)'W' && tag[1] == (byte)'/';

    private static ReadOnlySpan<byte> StripWeak(ReadOnlySpan<byte> tag) => IsWeak(tag) ? tag.Slice(2) : tag;
}
