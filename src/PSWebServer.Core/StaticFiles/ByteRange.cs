using System;
using System.Buffers.Text;
using System.Collections.Generic;

namespace PSWebServer.StaticFiles;

/// <summary>What a Range header asks of a representation of a given length.</summary>
internal enum RangeOutcome : byte
{
    /// <summary>No usable Range: malformed (RFC 9110 §14.2 says ignore it), another unit, or too many ranges. Send the whole.</summary>
    Ignore,
    /// <summary>None of the ranges overlaps the content: 416 with "Content-Range: bytes */length".</summary>
    Unsatisfiable,
    /// <summary>One or more ranges, sorted and merged: 206.</summary>
    Satisfiable,
}

/// <summary>
/// Parses "Range: bytes=…" (RFC 9110 §14.1.2) into merged, in-bounds ranges in the order asked. Overlapping and nearby
/// ranges are merged, so a request for many tiny overlapping ranges can never make the response larger than the file.
/// </summary>
internal readonly record struct ByteRange(long Start, long End)
{
    /// <summary>Ranges closer than this are sent as one: a part header costs about this much anyway.</summary>
    private const long MergeGap = 80;

    public long Length => End - Start + 1;

    public static RangeOutcome Parse(ReadOnlySpan<byte> header, long length, int maxRanges, out List<ByteRange> ranges)
    {
        ranges = new List<ByteRange>();
        header = header.Trim(" \t"u8);
        if (header.Length < 6 || !System.Text.Ascii.EqualsIgnoreCase(header.Slice(0, 6), "bytes="u8)) return RangeOutcome.Ignore;
        ReadOnlySpan<byte> list = header.Slice(6);

        int count = 0;
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            ReadOnlySpan<byte> item = (comma < 0 ? list : list.Slice(0, comma)).Trim(" \t"u8);
            list = comma < 0 ? default : list.Slice(comma + 1);
            if (item.IsEmpty) continue; // RFC 9110 list syntax allows empty elements
            if (++count > maxRanges) return RangeOutcome.Ignore;

            int dash = item.IndexOf((byte)'-');
            if (dash < 0) return RangeOutcome.Ignore;
            ReadOnlySpan<byte> first = item.Slice(0, dash);
            ReadOnlySpan<byte> last = item.Slice(dash + 1);
            if (first.IsEmpty)
            {
                // suffix: the last N bytes
                if (!TryParseNumber(last, out long suffix)) return RangeOutcome.Ignore;
                if (suffix == 0 || length == 0) continue;
                ranges.Add(new ByteRange(Math.Max(0, length - suffix), length - 1));
                continue;
            }
            if (!TryParseNumber(first, out long start)) return RangeOutcome.Ignore;
            long end = length - 1;
            if (!last.IsEmpty)
            {
                if (!TryParseNumber(last, out end) || end < start) return RangeOutcome.Ignore;
                end = Math.Min(end, length - 1);
            }
            if (start >= length) continue; // this one is unsatisfiable; others may not be
            ranges.Add(new ByteRange(start, end));
        }

        if (count == 0) return RangeOutcome.Ignore;
        if (ranges.Count == 0) return RangeOutcome.Unsatisfiable;
        ranges = Coalesce(ranges);
        return RangeOutcome.Satisfiable;
    }

    /// <summary>
    /// Merges overlapping and nearby ranges; the parts keep the order the client asked for them in, each merged
    /// part where its first member stood (RFC 9110 §14.6).
    /// </summary>
    private static List<ByteRange> Coalesce(List<ByteRange> requested)
    {
        var order = new List<(ByteRange Range, int Index)>(requested.Count);
        for (int i = 0; i < requested.Count; i++) order.Add((requested[i], i));
        order.Sort((a, b) => a.Range.Start.CompareTo(b.Range.Start));

        var merged = new List<(ByteRange Range, int Index)> { order[0] };
        for (int i = 1; i < order.Count; i++)
        {
            (ByteRange current, int index) = merged[^1];
            ByteRange next = order[i].Range;
            // Subtracted, not added: End + 1 + MergeGap overflows for a representation near long.MaxValue bytes.
            if (next.Start - current.End <= 1 + MergeGap)
            {
                merged[^1] = (new ByteRange(current.Start, Math.Max(current.End, next.End)), Math.Min(index, order[i].Index));
            }
            else
            {
                merged.Add(order[i]);
            }
        }
        merged.Sort((a, b) => a.Index.CompareTo(b.Index));
        return merged.ConvertAll(m => m.Range);
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18) return false;
        foreach (byte b in text)
        {
            if (b < (byte)'0' || b > (byte)'9') return false;
        }
        return Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length;
    }
}
