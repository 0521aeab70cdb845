using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Tests.Support;

/// <summary>One direction of an in-memory connection: bytes written at one end, read at the other, with an end-of-stream.</summary>
internal sealed class ByteQueue
{
    private readonly object _gate = new();
    private byte[] _data = new byte[4096];
    private int _start, _end;
    private bool _completed;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Write(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_completed) throw new IOException("Writing after the end of the stream.");
            if (_end + bytes.Length > _data.Length)
            {
                int live = _end - _start;
                byte[] target = live + bytes.Length > _data.Length ? new byte[Math.Max(_data.Length * 2, live + bytes.Length)] : _data;
                Buffer.BlockCopy(_data, _start, target, 0, live);
                _data = target;
                _start = 0;
                _end = live;
            }
            bytes.CopyTo(_data.AsSpan(_end));
            _end += bytes.Length;
            Signal();
        }
    }

    /// <summary>Ends the stream: a reader gets what is left, then 0. Safe to call more than once.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Signal();
        }
    }

    public bool IsCompleted
    {
        get
        {
            lock (_gate) return _completed;
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_end > _start)
                {
                    int n = Math.Min(buffer.Length, _end - _start);
                    _data.AsSpan(_start, n).CopyTo(buffer.Span);
                    _start += n;
                    if (_start == _end) _start = _end = 0;
                    return n;
                }
                if (_completed) return 0;
                wait = _signal.Task;
            }
            await wait.WaitAsync(token).ConfigureAwait(false);
        }
    }

    private void Signal()
    {
        TaskCompletionSource old = _signal;
        _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }
}
