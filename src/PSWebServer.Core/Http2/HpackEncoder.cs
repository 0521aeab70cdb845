using System;

namespace PSWebServer.Http2;

/// <summary>
/// Encodes a response's header block for one connection. Deliberately stateless towards the peer's dynamic table:
/// <c>:status</c> is an indexed field when the static table has it (200, 204, 206, 304, 400, 404, 500), otherwise a
/// literal with the static name; every other field is a literal without indexing, with the static table's name
/// index when there is one, and each string Huffman-coded when that is shorter. Choice: no incremental indexing.
/// A static server's repeated fields (server, date, content-type) would save a few dozen octets per response with
/// it, but the encoder would then own a mirror of the peer's table, its evictions and its size changes, and a bug
/// there corrupts every later response on the connection; without it the peer's table simply stays empty and the
/// encoder is a pure function. Revisit with measurements once h2 runs under h2load.
/// <para>
/// Names must already be lowercase (RFC 9113 §8.2.1); the HTTP/2 connection owns that, HPACK does not care.
/// Callers size the destination with <see cref="GetMaxFieldLength"/>; nothing here allocates.
/// </para>
/// </summary>
internal sealed class HpackEncoder
{
    private int _pendingSizeUpdate = -1;

    /// <summary>
    /// Records the peer's new SETTINGS_HEADER_TABLE_SIZE. We never insert, so any size is safe for us, but §4.2
    /// still asks the encoder to acknowledge a change with a size update at the start of its next block; decoders
    /// such as nghttp2 insist on it when the size went down.
    /// </summary>
    public void SetPeerMaxTableSize(int size)
    {
        if (size < 0)
            throw new ArgumentOutOfRangeException(nameof(size));
        _pendingSizeUpdate = size;
    }

    /// <summary>The most octets <see cref="BeginBlock"/> writes.</summary>
    public const int MaxBlockPrefixLength = 6;

    /// <summary>Starts a header block: writes the pending dynamic table size update, if any. Returns the octets written.</summary>
    public int BeginBlock(Span<byte> destination)
    {
        if (_pendingSizeUpdate < 0)
            return 0;
        int written = EncodeInteger(_pendingSizeUpdate, 5, 0x20, destination);
        _pendingSizeUpdate = -1;
        return written;
    }

    /// <summary>The most octets <see cref="EncodeStatus"/> writes.</summary>
    public const int MaxStatusLength = 5;

    /// <summary>Writes <c>:status</c>; returns the octets written.</summary>
    public static int EncodeStatus(int status, Span<byte> destination)
    {
        if (status < 100 || status > 999)
            throw new ArgumentOutOfRangeException(nameof(status));
        int index = HpackStaticTable.FindStatus(status);
        if (index != 0)
        {
            destination[0] = (byte)(0x80 | index);
            return 1;
        }
        // Literal without indexing, name index 8 (:status), three plain digits (Huffman saves nothing on three).
        destination[0] = 0x08;
        destination[1] = 3;
        destination[2] = (byte)('0' + status / 100);
        destination[3] = (byte)('0' + status / 10 % 10);
        destination[4] = (byte)('0' + status % 10);
        return 5;
    }

    /// <summary>The most octets <see cref="EncodeField"/> writes for a field of these lengths.</summary>
    public static int GetMaxFieldLength(int nameLength, int valueLength) =>
        1 + MaxIntegerLength + nameLength + MaxIntegerLength + valueLength;

    /// <summary>Writes one field as a literal without indexing (§6.2.2); returns the octets written.</summary>
    public static int EncodeField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, Span<byte> destination)
    {
        int written;
        int index = HpackStaticTable.FindName(name);
        if (index != 0)
        {
            written = EncodeInteger(index, 4, 0x00, destination);
        }
        else
        {
            destination[0] = 0x00;
            written = 1;
            written += EncodeString(name, destination.Slice(written));
        }
        written += EncodeString(value, destination.Slice(written));
        return written;
    }

    // An int needs at most 1 prefix octet and 5 continuation octets.
    private const int MaxIntegerLength = 6;

    /// <summary>§5.1: <paramref name="value"/> with an N-bit prefix, the high bits of the first octet set to <paramref name="flags"/>.</summary>
    internal static int EncodeInteger(int value, int prefixBits, byte flags, Span<byte> destination)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max)
        {
            destination[0] = (byte)(flags | value);
            return 1;
        }
        destination[0] = (byte)(flags | max);
        int written = 1;
        uint rest = (uint)(value - max);
        while (rest >= 0x80)
        {
            destination[written++] = (byte)(rest | 0x80);
            rest >>= 7;
        }
        destination[written++] = (byte)rest;
        return written;
    }

    /// <summary>§5.2: a string, Huffman-coded when that is strictly shorter.</summary>
    private static int EncodeString(ReadOnlySpan<byte> s, Span<byte> destination)
    {
        int huffmanLength = HpackHuffman.GetEncodedLength(s);
        if (huffmanLength < s.Length)
        {
            int written = EncodeInteger(huffmanLength, 7, 0x80, destination);
            return written + HpackHuffman.Encode(s, destination.Slice(written));
        }
        int n = EncodeInteger(s.Length, 7, 0x00, destination);
        s.CopyTo(destination.Slice(n));
        return n + s.Length;
    }
}
