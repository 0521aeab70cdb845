using System;

namespace PSWebServer.Http2;

/// <summary>
/// The static Huffman code of RFC 7541 Appendix B. The RFC's code is canonical (codes of one length are consecutive
/// and ordered by symbol, shorter lengths first), so the table is generated at start-up from the 257 code lengths
/// alone: fewer numbers typed, and a wrong one breaks the RFC examples in the tests rather than one rare byte.
/// Decoding is canonical too: per length, the first code and where its symbols start, read a bit at a time. That is
/// slower than a nibble state machine but small and obviously right; header strings are short.
/// </summary>
internal static class HpackHuffman
{
    private const int Eos = 256;
    private const int MaxCodeLength = 30;

    // Code length of each symbol 0..255 and EOS (256), from RFC 7541 Appendix B.
    private static readonly byte[] Lengths =
    {
        13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
        13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
        15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
        20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
        22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
        26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
        20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
        30,
    };

    private static readonly uint[] Codes = new uint[257];
    // For each length: the first code of that length, how many symbols have it, and where they start in Sorted.
    private static readonly uint[] FirstCode = new uint[MaxCodeLength + 1];
    private static readonly int[] CountOfLength = new int[MaxCodeLength + 1];
    private static readonly int[] FirstIndex = new int[MaxCodeLength + 1];
    private static readonly short[] Sorted = new short[257];

    static HpackHuffman()
    {
        int n = 0;
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            FirstIndex[length] = n;
            for (int symbol = 0; symbol < 257; symbol++)
            {
                if (Lengths[symbol] == length)
                    Sorted[n++] = (short)symbol;
            }
            CountOfLength[length] = n - FirstIndex[length];
        }
        uint code = 0;
        for (int length = 1; length <= MaxCodeLength; length++)
        {
            FirstCode[length] = code;
            for (int i = 0; i < CountOfLength[length]; i++)
                Codes[Sorted[FirstIndex[length] + i]] = code++;
            code <<= 1;
        }
    }

    /// <summary>The bytes <paramref name="source"/> takes Huffman-coded, padding included.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        long bits = 0;
        foreach (byte b in source)
            bits += Lengths[b];
        return checked((int)((bits + 7) >> 3));
    }

    /// <summary>
    /// Writes the code of <paramref name="source"/> into <paramref name="destination"/> (which must hold
    /// <see cref="GetEncodedLength"/> bytes), padded with the most significant bits of EOS (all ones); returns the
    /// bytes written.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ulong pending = 0; // the low `count` bits are code not yet written, most significant first
        int count = 0;
        int written = 0;
        foreach (byte b in source)
        {
            pending = (pending << Lengths[b]) | Codes[b];
            count += Lengths[b];
            while (count >= 8)
            {
                count -= 8;
                destination[written++] = (byte)(pending >> count);
            }
        }
        if (count > 0)
            destination[written++] = (byte)((pending << (8 - count)) | (0xFFu >> count));
        return written;
    }

    /// <summary>The most bytes <paramref name="encodedLength"/> bytes of code can decode to (the shortest code has 5 bits).</summary>
    public static int GetMaxDecodedLength(int encodedLength) => (int)(((long)encodedLength * 8) / 5);

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>; returns the bytes written. Throws
    /// <see cref="HpackException"/> for what §5.2 makes an error: EOS in the string, padding longer than 7 bits or not
    /// all ones; and when the result does not fit in <paramref name="destination"/> (that is the caller's bound).
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int written = 0;
        uint code = 0;   // bits of the symbol being read
        int length = 0;  // how many
        foreach (byte b in source)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                code = (code << 1) | (uint)((b >> bit) & 1);
                length++;
                uint offset = code - FirstCode[length];
                if (offset < (uint)CountOfLength[length])
                {
                    int symbol = Sorted[FirstIndex[length] + (int)offset];
                    if (symbol == Eos)
                        throw new HpackException("Huffman string contains EOS.");
                    if (written == destination.Length)
                        throw new HpackException("Huffman string decodes past the string limit.");
                    destination[written++] = (byte)symbol;
                    code = 0;
                    length = 0;
                }
                else if (length == MaxCodeLength)
                {
                    // Unreachable with the RFC's complete code, kept so a table typo cannot read out of bounds.
                    throw new HpackException("Invalid Huffman code.");
                }
            }
        }
        if (length > 7)
            throw new HpackException("Huffman padding longer than 7 bits.");
        if (code != (1u << length) - 1)
            throw new HpackException("Huffman padding is not the prefix of EOS.");
        return written;
    }
}
