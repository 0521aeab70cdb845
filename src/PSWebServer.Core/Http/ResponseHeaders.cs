using System;
using System.Buffers;
using System.Buffers.Text;

namespace PSWebServer.Http;

/// <summary>
/// The header fields one response adds to its blocks (Location, Content-Range, CORS, ...). Names and values are
/// copied into one pooled array, kept for the connection's life and reset per request, so adding fields allocates
/// nothing in steady state. Values must already be valid field values (the handler builds them from checked input).
/// </summary>
internal sealed class ResponseHeaders : IDisposable
{
    private const int MaxFields = 32;

    private byte[] _bytes = Array.Empty<byte>();
    private int _used;
    private (int NameStart, int NameLength, int ValueStart, int ValueLength)[] _fields = Array.Empty<(int, int, int, int)>(); // made at the first field
    private int _count;

    public int Count => _count;

    public ReadOnlySpan<byte> Name(int index) => _bytes.AsSpan(_fields[index].NameStart, _fields[index].NameLength);

    public ReadOnlySpan<byte> Value(int index) => _bytes.AsSpan(_fields[index].ValueStart, _fields[index].ValueLength);

    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (_count == MaxFields) throw new InvalidOperationException("Too many response header fields.");
        if (_count == _fields.Length) Array.Resize(ref _fields, MaxFields);
        Ensure(name.Length + value.Length);
        int nameStart = _used;
        name.CopyTo(_bytes.AsSpan(_used));
        _used += name.Length;
        int valueStart = _used;
        value.CopyTo(_bytes.AsSpan(_used));
        _used += value.Length;
        _fields[_count++] = (nameStart, name.Length, valueStart, value.Length);
    }

    public void Add(ReadOnlySpan<byte> name, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int written);
        Add(name, digits.Slice(0, written));
    }

    /// <summary>ASCII text the server made (a location it built, a range it computed).</summary>
    public void Add(ReadOnlySpan<byte> name, string asciiValue)
    {
        Span<byte> value = asciiValue.Length <= 256 ? stackalloc byte[asciiValue.Length] : new byte[asciiValue.Length];
        for (int i = 0; i < asciiValue.Length; i++) value[i] = (byte)asciiValue[i];
        Add(name, value);
    }

    public void Clear()
    {
        _used = 0;
        _count = 0;
    }

    private void Ensure(int extra)
    {
        if (_used + extra <= _bytes.Length) return;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_bytes.Length * 2, _used + extra), 512));
        _bytes.AsSpan(0, _used).CopyTo(bigger);
        if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = bigger;
    }

    public void Dispose()
    {
        byte[] bytes = _bytes;
        _bytes = Array.Empty<byte>();
        Clear();
        if (bytes.Length > 0) ArrayPool<byte>.Shared.Return(bytes);
    }
}
