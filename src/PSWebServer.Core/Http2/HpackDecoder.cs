using System;

namespace PSWebServer.Http2;

/// <summary>
/// Decodes HPACK header blocks (RFC 7541) for one connection: the dynamic table persists from block to block, so
/// blocks must be decoded in the order they arrive and a failed block ends the connection (every failure is an
/// <see cref="HpackException"/>, a COMPRESSION_ERROR). The connection hands over a complete block (HEADERS plus its
/// CONTINUATION frames, which it bounds); decoding it whole keeps this class free of partial-field states.
/// <para>
/// Bounds, because the peer controls every length here: integers are refused past <see cref="int.MaxValue"/>; the
/// header list (name + value + 32 per field, RFC 9113 §6.5.2) is refused past <c>maxHeaderListSize</c>, and so is
/// any single string, which also bounds the scratch buffer Huffman strings decode into; the dynamic table never
/// exceeds the size we advertised.
/// </para>
/// <para>
/// No allocation per field: plain strings are passed to the sink as slices of the block, Huffman strings as slices
/// of a scratch buffer allocated once (a name and a value side by side), indexed fields as slices of the tables.
/// </para>
/// </summary>
internal sealed class HpackDecoder
{
    private readonly HpackDynamicTable _table;
    private readonly int _maxHeaderListSize;
    // Where Huffman strings are decoded (a name, a value), grown to what the connection's blocks need: a connection
    // whose fields are short holds a few hundred octets, not twice the list limit.
    private byte[] _nameScratch = Array.Empty<byte>();
    private byte[] _valueScratch = Array.Empty<byte>();
    private int _sizeLimit;           // the most a size update may ask for: our SETTINGS_HEADER_TABLE_SIZE

    /// <param name="maxTableSize">Our SETTINGS_HEADER_TABLE_SIZE (4096 unless we advertise otherwise).</param>
    /// <param name="maxHeaderListSize">Our SETTINGS_MAX_HEADER_LIST_SIZE; also the bound of one string.</param>
    public HpackDecoder(int maxTableSize, int maxHeaderListSize)
    {
        if (maxTableSize < 0)
            throw new ArgumentOutOfRangeException(nameof(maxTableSize));
        if (maxHeaderListSize < 0)
            throw new ArgumentOutOfRangeException(nameof(maxHeaderListSize));
        _table = new HpackDynamicTable(maxTableSize);
        _maxHeaderListSize = maxHeaderListSize;
        _sizeLimit = maxTableSize;
    }

    /// <summary>The dynamic table, for the tests and for diagnostics.</summary>
    internal HpackDynamicTable Table => _table;

    /// <summary>
    /// Whether the last block's header list passed SETTINGS_MAX_HEADER_LIST_SIZE. Such a block is still decoded to its
    /// end (the dynamic table must stay in step with the peer's, RFC 7541 §4.3, so the connection can go on), but no
    /// field from the one that crossed the limit onwards reaches the sink: the request is refused (431), not the connection.
    /// </summary>
    public bool ListTooLarge { get; private set; }

    /// <summary>
    /// Decodes one complete header block, passing each field to <paramref name="sink"/> in order; returns the header
    /// list size (RFC 9113 §6.5.2), capped at the limit plus one when it passed it (see <see cref="ListTooLarge"/>).
    /// </summary>
    public int Decode(ReadOnlySpan<byte> block, IHpackHeaderSink sink)
    {
        ListTooLarge = false;
        int pos = 0;
        long listSize = 0;
        bool fieldSeen = false;
        while (pos < block.Length)
        {
            byte b = block[pos];
            if ((b & 0x80) != 0)
            {
                // §6.1 indexed field.
                int index = DecodeInteger(block, ref pos, 7);
                if (index == 0)
                    throw new HpackException("Indexed field with index 0.");
                ReadOnlySpan<byte> name = GetName(index);
                ReadOnlySpan<byte> value = GetValue(index);
                listSize = AddToList(listSize, name.Length, value.Length);
                if (!ListTooLarge) sink.OnHeader(name, value);
                fieldSeen = true;
            }
            else if ((b & 0xE0) == 0x20)
            {
                // §6.3 dynamic table size update: §4.2 allows it only at the start of a block.
                if (fieldSeen)
                    throw new HpackException("Dynamic table size update after the first field of a block.");
                int size = DecodeInteger(block, ref pos, 5);
                if (size > _sizeLimit)
                    throw new HpackException("Dynamic table size update above SETTINGS_HEADER_TABLE_SIZE.");
                _table.SetMaxSize(size);
            }
            else
            {
                // §6.2: 01 with incremental indexing (6-bit index), 0000 without, 0001 never indexed (4-bit).
                bool indexing = (b & 0xC0) == 0x40;
                int index = DecodeInteger(block, ref pos, indexing ? 6 : 4);
                ReadOnlySpan<byte> name;
                if (index == 0)
                {
                    name = ReadString(block, ref pos, ref _nameScratch);
                }
                else
                {
                    name = GetName(index);
                    if (indexing && index > HpackStaticTable.Count)
                    {
                        // Adding may evict the very entry the name lives in, and compaction moves the table's octets:
                        // copy the name out first rather than lean on how the table lays its octets out (a search for
                        // a sequence that corrupts it without the copy found none, but that is not a guarantee).
                        if (name.Length > _maxHeaderListSize)
                            throw new HpackException("Header list larger than SETTINGS_MAX_HEADER_LIST_SIZE.");
                        Span<byte> copy = Scratch(ref _nameScratch, name.Length);
                        name.CopyTo(copy);
                        name = copy;
                    }
                }
                ReadOnlySpan<byte> value = ReadString(block, ref pos, ref _valueScratch);
                listSize = AddToList(listSize, name.Length, value.Length);
                if (indexing)
                    _table.Add(name, value);
                if (!ListTooLarge) sink.OnHeader(name, value);
                fieldSeen = true;
            }
        }
        return (int)listSize;
    }

    /// <summary>
    /// Lowers (or restores) the most a size update may ask for, when we change SETTINGS_HEADER_TABLE_SIZE; never
    /// above the table's capacity, which is fixed at construction.
    /// </summary>
    public void SetSizeLimit(int limit)
    {
        if ((uint)limit > (uint)_table.Capacity)
            throw new ArgumentOutOfRangeException(nameof(limit));
        _sizeLimit = limit;
        if (_table.MaxSize > limit)
            _table.SetMaxSize(limit);
    }

    /// <summary>
    /// §5.1 integer with an N-bit prefix. Refused when truncated or past <see cref="int.MaxValue"/>: no length or
    /// index in a valid block comes near that, and checking as we go means no continuation byte can overflow.
    /// </summary>
    internal static int DecodeInteger(ReadOnlySpan<byte> block, ref int pos, int prefixBits)
    {
        if (pos >= block.Length)
            throw new HpackException("Header block truncated in an integer.");
        int max = (1 << prefixBits) - 1;
        int value = block[pos++] & max;
        if (value < max)
            return value;
        int shift = 0;
        while (true)
        {
            if (pos >= block.Length)
                throw new HpackException("Header block truncated in an integer.");
            byte b = block[pos++];
            long add = (long)(b & 0x7F) << shift;
            if (shift > 28 || value + add > int.MaxValue)
                throw new HpackException("Integer overflow.");
            value += (int)add;
            if ((b & 0x80) == 0)
                return value;
            shift += 7;
        }
    }

    private ReadOnlySpan<byte> ReadString(ReadOnlySpan<byte> block, scoped ref int pos, ref byte[] scratchArray)
    {
        if (pos >= block.Length)
            throw new HpackException("Header block truncated before a string.");
        bool huffman = (block[pos] & 0x80) != 0;
        int length = DecodeInteger(block, ref pos, 7);
        if (length > block.Length - pos)
            throw new HpackException("Header block truncated in a string.");
        ReadOnlySpan<byte> raw = block.Slice(pos, length);
        pos += length;
        if (!huffman)
        {
            if (length > _maxHeaderListSize)
                throw new HpackException("Header string longer than the header list limit.");
            return raw;
        }
        // The shortest Huffman code is 5 bits, so L octets decode to at most 8L/5 symbols; never more than the limit.
        Span<byte> scratch = Scratch(ref scratchArray, (int)Math.Min(_maxHeaderListSize, length * 8L / 5 + 1));
        int decoded = HpackHuffman.Decode(raw, scratch);
        return scratch.Slice(0, decoded);
    }

    private static Span<byte> Scratch(ref byte[] scratch, int size)
    {
        if (scratch.Length < size) scratch = new byte[Math.Max(size, Math.Min(2 * scratch.Length, 64 * 1024))];
        return scratch.AsSpan(0, size);
    }

    private long AddToList(long listSize, int nameLength, int valueLength)
    {
        listSize += (long)nameLength + valueLength + HpackDynamicTable.EntryOverhead;
        if (listSize <= _maxHeaderListSize) return listSize;
        ListTooLarge = true;
        return _maxHeaderListSize + 1L;
    }

    private ReadOnlySpan<byte> GetName(int index)
    {
        if (index <= HpackStaticTable.Count)
            return HpackStaticTable.GetName(index);
        return _table.GetName(DynamicIndex(index));
    }

    private ReadOnlySpan<byte> GetValue(int index)
    {
        if (index <= HpackStaticTable.Count)
            return HpackStaticTable.GetValue(index);
        return _table.GetValue(DynamicIndex(index));
    }

    private int DynamicIndex(int index)
    {
        int dynamic = index - HpackStaticTable.Count - 1;
        if (dynamic >= _table.Count)
            throw new HpackException("Index past the end of the dynamic table.");
        return dynamic;
    }
}
