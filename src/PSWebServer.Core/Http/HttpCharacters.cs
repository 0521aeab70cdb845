using System;

namespace PSWebServer.Http;

/// <summary>Character classes of RFC 9110 §5.6.2 and RFC 3986 §3.2.2, as lookup tables.</summary>
internal static class HttpCharacters
{
    private static readonly bool[] TokenChars = BuildTokenTable();
    private static readonly bool[] RegNameChars = BuildRegNameTable();

    /// <summary>tchar: letters, digits and !#$%&amp;'*+-.^_`|~</summary>
    public static bool IsTokenChar(byte b) => TokenChars[b];

    /// <summary>A reg-name character other than the '%' of a pct-encoded triplet: unreserved or sub-delims (RFC 3986).</summary>
    public static bool IsRegNameChar(byte b) => RegNameChars[b];

    public static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

    public static bool IsHexDigit(byte b) => IsDigit(b) || (uint)((b | 0x20) - 'a') <= 'f' - 'a';

    private static bool[] BuildTokenTable()
    {
        var table = new bool[256];
        for (int c = '0'; c <= '9'; c++) table[c] = true;
        for (int c = 'a'; c <= 'z'; c++) table[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) table[c] = true;
        foreach (char c in "!#$%&'*+-.^_`|~") table[c] = true;
        return table;
    }

    private static bool[] BuildRegNameTable()
    {
        var table = new bool[256];
        for (int c = '0'; c <= '9'; c++) table[c] = true;
        for (int c = 'a'; c <= 'z'; c++) table[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) table[c] = true;
        foreach (char c in "-._~!$&'()*+,;=") table[c] = true;
        return table;
    }
}
