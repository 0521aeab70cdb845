using System;

namespace PSWebServer.Http;

/// <summary>Character classes of RFC 9110 §5.6.2, as a lookup table.</summary>
internal static class HttpCharacters
{
    private static readonly bool[] TokenChars = BuildTokenTable();

    /// <summary>tchar: letters, digits and !#$%&amp;'*+-.^_`|~</summary>
    public static bool IsTokenChar(byte b) => TokenChars[b];

    private static bool[] BuildTokenTable()
    {
        var table = new bool[256];
        for (int c = '0'; c <= '9'; c++) table[c] = true;
        for (int c = 'a'; c <= 'z'; c++) table[c] = true;
        for (int c = 'A'; c <= 'Z'; c++) table[c] = true;
        foreach (char c in "!#$%&'*+-.^_`|~") table[c] = true;
        return table;
    }
}
