using System;
using System.Buffers;
using System.Buffers.Text;

namespace PSWebServer.StaticFiles;

/// <summary>HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out; IMF-fixdate in (the obsolete forms are ignored as invalid, as the RFC allows a recipient to).</summary>
internal static class HttpDate
{
    public static byte[] Format(DateTime utc)
    {
        var bytes = new byte[29];
        Utf8Formatter.TryFormat(utc, bytes, out _, new StandardFormat('R'));
        return bytes;
    }

    public static bool TryParse(ReadOnlySpan<byte> value, out DateTime utc)
    {
        if (Utf8Parser.TryParse(value, out utc, out int consumed, 'R') && consumed == value.Length)
        {
            utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
            return true;
        }
        return false;
    }

    /// <summary>HTTP dates have whole seconds; file times must be cut to match before comparing.</summary>
    public static DateTime TruncateToSeconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
}
