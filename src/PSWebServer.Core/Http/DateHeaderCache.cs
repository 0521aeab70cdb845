using System;
using System.Buffers.Text;
using System.Threading;

namespace PSWebServer.Http;

/// <summary>
/// The "Date: …\r\n" header line (RFC 9110 §6.6.1), formatted once a second by the heartbeat instead of
/// once per response. Readers take the current array; a new array replaces it, so no reader sees a half-written date.
/// </summary>
internal static class DateHeaderCache
{
    private static byte[] s_line = Format(DateTime.UtcNow);
    private static long s_second = DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond;

    public static ReadOnlySpan<byte> Line
    {
        get
        {
            // The heartbeat normally refreshes it; this check keeps it right when no heartbeat runs (tests, a stalled timer).
            long second = DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond;
            if (second != Volatile.Read(ref s_second)) Refresh();
            return Volatile.Read(ref s_line);
        }
    }

    public static void Refresh()
    {
        DateTime now = DateTime.UtcNow;
        Volatile.Write(ref s_line, Format(now));
        Volatile.Write(ref s_second, now.Ticks / TimeSpan.TicksPerSecond);
    }

    private static byte[] Format(DateTime utc)
    {
        var line = new byte[6 + 29 + 2];
        "Date: "u8.CopyTo(line);
        Utf8Formatter.TryFormat(utc, line.AsSpan(6), out _, new System.Buffers.StandardFormat('R'));
        line[35] = (byte)'\r';
        line[36] = (byte)'\n';
        return line;
    }
}
