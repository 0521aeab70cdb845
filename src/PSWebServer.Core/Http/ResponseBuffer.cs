using System;
using System.Buffers;
using System.Buffers.Text;

namespace PSWebServer.Http;

/// <summary>
/// The bytes a connection is about to send: response heads and small bodies, several responses when requests
/// are pipelined, so they leave in one send. Backed by a pooled array that grows on demand and is kept for the
/// connection's life.
/// </summary>
internal sealed class ResponseBuffer : IDisposable
{
    private byte[] _buffer;
    private int _length;

    private const int InitialSize = 4096;

    public ResponseBuffer()
    {
        _buffer = Array.Empty<byte>(); // rented on first write, so idle connections hold none
    }

    public int Length => _length;
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void Write(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    public void WriteNumber(long value)
    {
        Ensure(20);
        Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out int written);
        _length += written;
    }

    /// <summary>Room for <paramref name="size"/> bytes at the end, to be written in place and then <see cref="Advance"/>d.</summary>
    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _buffer.AsSpan(_length, size);
    }

    /// <summary>Counts <paramref name="count"/> bytes written into the span <see cref="GetSpan"/> returned.</summary>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _length)) throw new ArgumentOutOfRangeException(nameof(count));
        _length += count;
    }

    /// <summary>Writes text known to be ASCII (header values built by the server) without an encoder.</summary>
    public void WriteAscii(string text)
    {
        Ensure(text.Length);
        Span<byte> target = _buffer.AsSpan(_length, text.Length);
        for (int i = 0; i < text.Length; i++) target[i] = (byte)text[i];
        _length += text.Length;
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length) return;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_buffer.Length * 2, _length + extra), InitialSize));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    /// <summary>Gives the array back to the pool while nothing is waiting to be sent.</summary>
    public void Release()
    {
        if (_length == 0) Dispose();
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = Array.Empty<byte>();
        _length = 0;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }
}
