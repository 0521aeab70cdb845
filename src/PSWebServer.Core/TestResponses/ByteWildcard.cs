using System;
using System.Text;

namespace PSWebServer.TestResponses;

/// <summary>
/// A wildcard over UTF-8 bytes, matched on the loop without allocating: <c>*</c> is any run of bytes, <c>?</c> one
/// character (a whole UTF-8 sequence), everything else itself, case-sensitively. A pattern with neither is compared as
/// bytes. Greedy with one backtrack point (the last star), so matching is linear in practice and never recursive.
/// </summary>
internal sealed class ByteWildcard
{
    private readonly byte[] _pattern;
    private readonly bool _literal;

    public ByteWildcard(string pattern)
    {
        Text = pattern;
        _pattern = Encoding.UTF8.GetBytes(pattern);
        _literal = pattern.IndexOfAny(new[] { '*', '?' }) < 0;
    }

    public string Text { get; }

    /// <summary>True when the pattern is one star: it matches everything, so callers may skip the work of finding the text.</summary>
    public bool MatchesAll => _pattern.Length == 1 && _pattern[0] == (byte)'*';

    public bool IsMatch(ReadOnlySpan<byte> text) => _literal ? text.SequenceEqual(_pattern) : Match(_pattern, text);

    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                byte c = pattern[p];
                if (c == (byte)'*')
                {
                    star = p++;
                    resume = t;
                    continue;
                }
                if (c == (byte)'?')
                {
                    p++;
                    t = NextCharacter(text, t);
                    continue;
                }
                if (c == text[t])
                {
                    p++;
                    t++;
                    continue;
                }
            }
            if (star < 0) return false;
            // Let the last star swallow one more character and try the rest of the pattern again from there.
            p = star + 1;
            t = resume = NextCharacter(text, resume);
        }
        while (p < pattern.Length && pattern[p] == (byte)'*') p++;
        return p == pattern.Length;
    }

    /// <summary>The index after the character starting at <paramref name="index"/>: its UTF-8 continuation bytes belong to it.</summary>
    private static int NextCharacter(ReadOnlySpan<byte> text, int index)
    {
        index++;
        while (index < text.Length && (text[index] & 0xC0) == 0x80) index++;
        return index;
    }

    public override string ToString() => Text;
}
