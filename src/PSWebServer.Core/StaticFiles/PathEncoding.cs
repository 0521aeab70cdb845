using System;
using System.Text;

namespace PSWebServer.StaticFiles;

/// <summary>Percent-encoding of one path segment (RFC 3986 §3.3): unreserved and sub-delimiter characters stay, the rest is %XX of UTF-8.</summary>
internal static class PathEncoding
{
    public static string EncodeSegment(string segment)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(segment);
        var result = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (IsAllowed(b)) result.Append((char)b);
            else result.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 15]);
        }
        return result.ToString();
    }

    private static bool IsAllowed(byte b) =>
        (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9')
        || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' or (byte)'!' or (byte)'$' or (byte)'&' or (byte)'\''
            or (byte)'(' or (byte)')' or (byte)'*' or (byte)'+' or (byte)',' or (byte)';' or (byte)'=' or (byte)'@';
}
