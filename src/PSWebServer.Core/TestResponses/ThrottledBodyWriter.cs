using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using PSWebServer.Http;

namespace PSWebServer.TestResponses;

/// <summary>
/// A body sent at about a given rate: about ten slices a second, each flushed to the client, with an awaited delay
/// (never a sleep: the connection may be on a loop thread) until the next one is due by the clock, so the rate holds
/// however late a slice left. From memory it keeps no state between requests, so one instance serves them all; from a
/// file it is made per request over the handle the response owns (the connection disposes that file after the body).
/// </summary>
internal sealed class ThrottledBodyWriter : IResponseBodyWriter
{
    private const int MaxSliceBytes = 64 * 1024;

    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly SafeFileHandle? _file;
    private readonly long _length;
    private readonly long _bytesPerSecond;

    public ThrottledBodyWriter(ReadOnlyMemory<byte> bytes, long bytesPerSecond)
    {
        _bytes = bytes;
        _length = bytes.Length;
        _bytesPerSecond = bytesPerSecond;
    }

    public ThrottledBodyWriter(SafeFileHandle file, long length, long bytesPerSecond)
    {
        _file = file;
        _length = length;
        _bytesPerSecond = bytesPerSecond;
    }

    public long Length => _length;

    public async ValueTask WriteBodyAsync(IResponseBodySink sink, CancellationToken cancel)
    {
        int slice = (int)Math.Clamp(_bytesPerSecond / 10, 1, MaxSliceBytes);
        byte[]? buffer = _file is null ? null : ArrayPool<byte>.Shared.Rent(slice);
        try
        {
            long started = Stopwatch.GetTimestamp();
            long sent = 0;
            while (sent < _length)
            {
                int size = (int)Math.Min(slice, _length - sent);
                ReadOnlyMemory<byte> chunk;
                if (buffer is null)
                {
                    chunk = _bytes.Slice((int)sent, size);
                }
                else
                {
                    // The handle is not opened for async I/O, so .NET runs this read on the thread pool: the loop a
                    // connection may be on never waits for the disk.
                    int read = await RandomAccess.ReadAsync(_file!, buffer.AsMemory(0, size), sent, cancel).ConfigureAwait(false);
                    if (read == 0) throw new IOException("The canned response's file became shorter while it was being sent.");
                    chunk = buffer.AsMemory(0, read);
                }
                await sink.WriteAsync(chunk).ConfigureAwait(false);
                await sink.FlushAsync().ConfigureAwait(false);
                sent += chunk.Length;
                if (sent >= _length) break;
                TimeSpan due = TimeSpan.FromSeconds((double)sent / _bytesPerSecond) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero) await Task.Delay(due, cancel).ConfigureAwait(false);
            }
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
