using System;

namespace PSWebServer.Http2;

/// <summary>
/// The dynamic table of RFC 7541 §2.3.2 and §4: newest entry first, each entry counting name + value + 32 octets,
/// oldest entries evicted to stay within the maximum size. Storage is allocated once for the largest maximum the
/// table may ever have (our SETTINGS_HEADER_TABLE_SIZE for a decoder), so inserting a field never allocates:
/// the octets live in one buffer of twice that capacity, appended at its end and compacted to its start when the
/// end is reached (live octets are at most the capacity, so compaction happens at most once per capacity appended);
/// the entries are a ring of (offset, name length, value length).
/// </summary>
internal sealed class HpackDynamicTable
{
    public const int EntryOverhead = 32;

    private readonly byte[] _bytes;
    private readonly (int Offset, int NameLength, int ValueLength)[] _entries;
    private readonly int _capacity;
    private int _oldest;   // ring index of the oldest entry
    private int _count;
    private int _start;    // first live octet in _bytes
    private int _end;      // one past the last live octet

    /// <param name="capacity">The largest maximum size this table may be given (SETTINGS_HEADER_TABLE_SIZE).</param>
    public HpackDynamicTable(int capacity)
    {
        if (capacity < 0)
            throw new ArgumentOutOfRangeException(nameof(capacity));
        _capacity = capacity;
        _bytes = new byte[2 * capacity];
        _entries = new (int, int, int)[capacity / EntryOverhead + 1];
        MaxSize = capacity;
    }

    /// <summary>The sum of the entries' sizes (§4.1).</summary>
    public int Size { get; private set; }

    /// <summary>The current maximum size, set by a dynamic table size update; at most the capacity.</summary>
    public int MaxSize { get; private set; }

    /// <summary>The largest maximum size the table may be given.</summary>
    public int Capacity => _capacity;

    public int Count => _count;

    /// <summary>The name of the entry at <paramref name="index"/>, 0 being the newest. Valid until the next change.</summary>
    public ReadOnlySpan<byte> GetName(int index)
    {
        var e = _entries[RingIndex(index)];
        return _bytes.AsSpan(e.Offset, e.NameLength);
    }

    /// <summary>The value of the entry at <paramref name="index"/>, 0 being the newest. Valid until the next change.</summary>
    public ReadOnlySpan<byte> GetValue(int index)
    {
        var e = _entries[RingIndex(index)];
        return _bytes.AsSpan(e.Offset + e.NameLength, e.ValueLength);
    }

    /// <summary>
    /// Inserts a field as the newest entry, evicting the oldest ones first (§4.4); a field larger than the maximum
    /// size empties the table and is not inserted, as §4.4 requires. <paramref name="name"/> and
    /// <paramref name="value"/> must not point into this table (eviction and compaction move its octets): the
    /// decoder copies a name taken from the table before inserting.
    /// </summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        long size = (long)name.Length + value.Length + EntryOverhead;
        if (size > MaxSize)
        {
            Clear();
            return;
        }
        while (Size + size > MaxSize)
            EvictOldest();
        int length = name.Length + value.Length;
        if (_end + length > _bytes.Length)
        {
            int live = _end - _start;
            Buffer.BlockCopy(_bytes, _start, _bytes, 0, live);
            for (int i = 0; i < _count; i++)
            {
                ref var e = ref _entries[(_oldest + i) % _entries.Length];
                e.Offset -= _start;
            }
            _start = 0;
            _end = live;
        }
        name.CopyTo(_bytes.AsSpan(_end));
        value.CopyTo(_bytes.AsSpan(_end + name.Length));
        _entries[(_oldest + _count) % _entries.Length] = (_end, name.Length, value.Length);
        _count++;
        _end += length;
        Size += (int)size;
    }

    /// <summary>Applies a new maximum size (a dynamic table size update, §6.3), evicting to fit it.</summary>
    public void SetMaxSize(int maxSize)
    {
        if ((uint)maxSize > (uint)_capacity)
            throw new ArgumentOutOfRangeException(nameof(maxSize));
        MaxSize = maxSize;
        while (Size > MaxSize)
            EvictOldest();
    }

    private void Clear()
    {
        _oldest = 0;
        _count = 0;
        _start = 0;
        _end = 0;
        Size = 0;
    }

    private void EvictOldest()
    {
        var e = _entries[_oldest];
        Size -= e.NameLength + e.ValueLength + EntryOverhead;
        _oldest = (_oldest + 1) % _entries.Length;
        _count--;
        if (_count == 0)
        {
            _start = 0;
            _end = 0;
        }
        else
        {
            _start = _entries[_oldest].Offset;
        }
    }

    private int RingIndex(int index)
    {
        if ((uint)index >= (uint)_count)
            throw new ArgumentOutOfRangeException(nameof(index));
        return (_oldest + _count - 1 - index) % _entries.Length;
    }
}
