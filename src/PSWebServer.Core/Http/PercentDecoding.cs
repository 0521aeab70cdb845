using System;
using System.Buffers;
using System.Text;

namespace PSWebServer.Http;

/// <summary>Percent-decoding of request paths, once, as RFC 3986 describes; nothing here touches the file system.</summary>
internal static class PercentDecoding
{
    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/> (which must be at least as long).
    /// Returns the decoded length, or -1 for a malformed escape (a '%' not followed by two hex digits).
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int written = 0;
        for (int i = 0; i < source.Length; i++)
        {
            byte b = source[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= source.Length) return -1;
                int hi = HexValue(source[i + 1]);
                int lo = HexValue(source[i + 2]);
                if (hi < 0 || lo < 0) return -1;
                b = (byte)((hi << 4) | lo);
                i += 2;
            }
            destination[written++] = b;
        }
        return written;
    }

    /// <summary>The path as a person reads it: decoded as UTF-8 when that works, else the raw text as sent.</summary>
    public static string DecodeForDisplay(ReadOnlySpan<byte> path)
    {
        if (path.IndexOf((byte)'%') < 0) return Encoding.Latin1.GetString(path);
        byte[] rented = ArrayPool<byte>.Shared.Rent(path.Length);
        try
        {
            int length = Decode(path, rented);
            if (length < 0) return Encoding.Latin1.GetString(path);
            try
            {
                return StrictUtf8.GetString(rented, 0, length);
            }
            catch (DecoderFallbackException)
            {
                return Encoding.Latin1.GetString(path);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>UTF-8 that throws on invalid or overlong sequences instead of substituting U+FFFD.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
