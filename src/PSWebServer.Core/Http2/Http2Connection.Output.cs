using System;
using System.Buffers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.Transport;

namespace PSWebServer.Http2;

internal sealed partial class Http2Connection
{
    // Above this much unsent output, stream tasks wait for the pump before writing more, and the read loop reads no
    // more frames: a client that asks without reading cannot make the server hold more than this per connection.
    private const int OutputHighWater = 256 * 1024;

    // Our SETTINGS (§6.5.2), sent once as the server's preface. The stream window is for request bodies; the
    // connection's is raised by a WINDOW_UPDATE right after, since SETTINGS cannot change it (§6.9.2).
    private (Http2SettingId, uint)[] ServerSettings() => new[]
    {
        (Http2SettingId.MaxConcurrentStreams, (uint)_table.MaxConcurrentStreams),
        (Http2SettingId.InitialWindowSize, (uint)StreamReceiveWindow),
        (Http2SettingId.MaxHeaderListSize, _maxHeaderListSize),
        (Http2SettingId.EnablePush, 0u),
    };

    // What the current deadline is for, so it is renewed only when that changes or the client makes progress.
    private enum DeadlineKind : byte { None, Idle, ClientMustMove, ServerWork }

    private ResponseBuffer _output = new();   // frames being written (under _sync)
    private ResponseBuffer _sending = new();  // frames the pump is sending (outside _sync)
    private bool _pumping;
    private bool _closeAfterFlush;            // once the output is sent: FIN (after GOAWAY)
    private bool _shutDown;
    private bool _lingering;                  // the close has begun: its deadline is the linger time, not the phases'
    private bool _broken;                     // a send failed: the transport is gone, nothing more is written
    private DeadlineKind _deadlineKind;
    private bool _answerQueued;               // HEADERS or DATA written since the last send began: sending them is progress
    // Waiters for the output to fall below the high-water mark, in two kinds. The read loop and the server's own
    // senders (files, bytes) are woken on the pump's thread once it has left the lock, and go on there until they wait
    // again: a wake through the pool cost a thread hop and a pool thread spinning on the server's core for every
    // 256 KiB of a download (h2 10 MiB: about 40 hops and 330 sched_yield calls a response). Streamed-body writers run
    // code that is not the connection's, so they are woken on the pool.
    private TaskCompletionSource? _roomOnPump;
    private TaskCompletionSource? _roomOnPool;
    private byte[] _scratch = Array.Empty<byte>(); // a response's field block, before it is framed

    /// <summary>
    /// Starts the pump if there is output and it is not running (or, when the output is all sent and the connection is
    /// to close, sends the FIN). Never under the lock: a send may run synchronously as far as the socket.
    /// </summary>
    private void FlushSoon()
    {
        bool pump = false, shutdown = false;
        lock (_sync)
        {
            if (_closed || _pumping || _broken) return;
            if (_shutDown)
            {
                // After our FIN (or close_notify) nothing more may be sent; what late frames would answer, GOAWAY has said.
                _output.Clear();
                return;
            }
            if (_output.Length > 0)
            {
                _pumping = pump = true;
                TaskStartedLocked();
                RefreshDeadlineLocked();
            }
            else if (_closeAfterFlush && !_shutDown)
            {
                _shutDown = shutdown = true;
            }
        }
        if (pump) _ = PumpAsync();
        else if (shutdown) ShutdownSend();
    }

    /// <summary>For the heartbeat and Stop, which must not send themselves: the flush runs on the pool.</summary>
    private void FlushOnPool() => ThreadPool.UnsafeQueueUserWorkItem(static c => c.FlushSoon(), this, preferLocal: false);

    /// <summary>Sends the output until it is empty; writers go on filling the other buffer meanwhile.</summary>
    private async Task PumpAsync()
    {
        bool shutdown = false;
        try
        {
            TaskCompletionSource? room;
            while (true)
            {
                ResponseBuffer batch;
                lock (_sync)
                {
                    if (_output.Length == 0 || _closed)
                    {
                        _pumping = false;
                        room = ReleaseWaitersLocked();
                        if (_closeAfterFlush && !_shutDown && !_closed) _shutDown = shutdown = true;
                        if (_active.Count == 0)
                        {
                            // An idle connection holds only its input buffer.
                            _output.Release();
                            _sending.Release();
                        }
                        RefreshDeadlineLocked();
                        break;
                    }
                    batch = _output;
                    _output = _sending;
                    _sending = batch;
                    room = ReleaseWaitersLocked();
                    // Renewed per send of an answer (a PING ACK is no progress): a client that stops reading is dropped.
                    RefreshDeadlineLocked(progress: _answerQueued);
                    _answerQueued = false;
                }
                // The woken fill the other buffer while this one waits to be sent: on this thread, outside the lock.
                room?.TrySetResult();
                await _transport.SendAsync(batch.WrittenMemory).ConfigureAwait(false);
                batch.Clear();
            }
            if (shutdown) ShutdownSend();
            room?.TrySetResult();
        }
        catch (Exception)
        {
            // The client is gone or the connection was aborted: the read loop sees it too and tears down.
            TaskCompletionSource? room;
            lock (_sync)
            {
                _pumping = false;
                _broken = true;
                _sending.Clear();
                _output.Clear();
                room = ReleaseWaitersLocked();
                foreach (Http2Stream stream in _active) stream.WakeSender(); // they see the connection gone
            }
            Abort();
            room?.TrySetResult();
        }
        finally
        {
            TaskEnded();
        }
    }

    private void ShutdownSend()
    {
        lock (_sync)
        {
            _lingering = true;
            _deadline.Enter(ConnectionEnd.LingerTime, idle: false); // the client closes on our FIN; one that does not is aborted
        }
        try
        {
            _transport.ShutdownSend();
        }
        catch (Exception)
        {
            Abort();
        }
    }

    /// <summary>For the read loop: a task that completes once the output has room again, or null when it has room.</summary>
    private Task? OutputBacklog()
    {
        lock (_sync) return _output.Length >= OutputHighWater && !_closed ? WaitForRoomLocked(onPool: false) : null;
    }

    /// <summary>
    /// A task that completes when the output has room. <paramref name="onPool"/> false: its continuation runs
    /// synchronously where the pump wakes it, so it must be the connection's own code, which never blocks.
    /// </summary>
    private Task WaitForRoomLocked(bool onPool) => onPool
        ? (_roomOnPool ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task
        : (_roomOnPump ??= new TaskCompletionSource()).Task;

    /// <summary>
    /// Wakes the writers waiting for room: those on the pool at once; the others are returned, for the caller to wake
    /// once it has left the lock (woken under it, they would run inside another's critical section).
    /// </summary>
    private TaskCompletionSource? ReleaseWaitersLocked()
    {
        TaskCompletionSource? onPool = _roomOnPool, onPump = _roomOnPump;
        _roomOnPool = _roomOnPump = null;
        onPool?.TrySetResult();
        if (_closed)
        {
            foreach (Http2Stream stream in _active) stream.WakeSender();
        }
        return onPump;
    }

    /// <summary>
    /// The deadline of what the connection is doing now: a send in progress or streams the client must move (an upload,
    /// a window to grant): the send timeout, renewed only by <paramref name="progress"/> (a send, DATA, WINDOW_UPDATE, a
    /// request — not a PING or an unknown frame); only server work in flight (a handler off the loop, an event stream
    /// between events): none, bounded by Stop; nothing at all: idle, the keep-alive timeout from when it became idle.
    /// </summary>
    private void RefreshDeadlineLocked(bool progress = false)
    {
        if (_lingering || !_prefaceDone) return;
        DeadlineKind kind = _pumping || (_active.Count > 0 && _waitingOnServer < _active.Count) ? DeadlineKind.ClientMustMove
            : _active.Count > 0 ? DeadlineKind.ServerWork
            : DeadlineKind.Idle;
        if (kind == _deadlineKind && !(progress && kind == DeadlineKind.ClientMustMove)) return;
        _deadlineKind = kind;
        if (kind == DeadlineKind.ClientMustMove) _deadline.Enter(_limits.SendTimeout, idle: false);
        else if (kind == DeadlineKind.ServerWork) _deadline.Clear();
        else _deadline.Enter(_limits.KeepAliveTimeout, idle: true);
    }

    private void WriteServerPrefaceLocked()
    {
        (Http2SettingId, uint)[] settings = ServerSettings();
        int n = Http2FrameWriter.WriteSettings(_output.GetSpan(Http2FrameWriter.SettingsSize(settings.Length)), settings);
        _output.Advance(n);
        WriteWindowUpdateLocked(0, ConnectionReceiveWindow - Http2Settings.DefaultInitialWindowSize);
    }

    private void WriteSettingsAckLocked()
    {
        _output.Advance(Http2FrameWriter.WriteSettingsAck(_output.GetSpan(Http2FrameWriter.SettingsAckSize)));
    }

    private void WritePingAckLocked(ReadOnlySpan<byte> opaque)
    {
        _output.Advance(Http2FrameWriter.WritePingAck(_output.GetSpan(Http2FrameWriter.PingSize), opaque));
    }

    private void WriteWindowUpdateLocked(uint streamId, int increment)
    {
        _output.Advance(Http2FrameWriter.WriteWindowUpdate(_output.GetSpan(Http2FrameWriter.WindowUpdateSize), streamId, increment));
    }

    private void WriteRstStreamLocked(uint streamId, Http2ErrorCode code)
    {
        _output.Advance(Http2FrameWriter.WriteRstStream(_output.GetSpan(Http2FrameWriter.RstStreamSize), streamId, code));
    }

    private void WriteGoAwayLocked(Http2ErrorCode code, string reason)
    {
        _goAwaySent = true;
        Span<byte> debug = stackalloc byte[Math.Min(reason.Length, 128)];
        int length = Encoding.ASCII.GetBytes(reason.AsSpan(0, debug.Length), debug);
        uint last = _table.LastProcessedStreamId;
        _output.Advance(Http2FrameWriter.WriteGoAway(_output.GetSpan(Http2FrameWriter.GoAwaySize(length)), last, code, debug.Slice(0, length)));
    }

    /// <summary>A field block, framed as HEADERS and CONTINUATION at the client's SETTINGS_MAX_FRAME_SIZE.</summary>
    private void WriteHeadersLocked(uint streamId, ReadOnlySpan<byte> block, bool endStream)
    {
        int maxFrame = (int)_peer.MaxFrameSize;
        int n = Http2FrameWriter.WriteHeaders(_output.GetSpan(Http2FrameWriter.HeadersSize(block.Length, maxFrame)), streamId, block, maxFrame, endStream);
        _output.Advance(n);
        _answerQueued = true;
    }

    private void WriteContinueLocked(uint streamId)
    {
        Span<byte> block = stackalloc byte[HpackEncoder.MaxBlockPrefixLength + HpackEncoder.MaxStatusLength];
        int length = Http2ResponseEncoder.WriteContinueBlock(_encoder, block);
        WriteHeadersLocked(streamId, block.Slice(0, length), endStream: false);
    }

    /// <summary>DATA frames for <paramref name="data"/>, each within the client's frame size; the caller has taken the windows.</summary>
    private void WriteDataLocked(uint streamId, ReadOnlySpan<byte> data, bool endStream)
    {
        int maxFrame = (int)_peer.MaxFrameSize;
        do
        {
            int chunk = Math.Min(maxFrame, data.Length);
            bool last = chunk == data.Length;
            Span<byte> target = _output.GetSpan(Http2FrameHeader.Size + chunk);
            Http2FrameWriter.WriteData(target, streamId, data.Slice(0, chunk), endStream && last);
            _output.Advance(Http2FrameHeader.Size + chunk);
            data = data.Slice(chunk);
        }
        while (!data.IsEmpty);
        _answerQueued = true;
    }

    /// <summary>The per-connection scratch for a field block, grown (pooled) when a response needs more.</summary>
    private Span<byte> ScratchLocked(int size)
    {
        if (_scratch.Length < size)
        {
            ReturnScratch(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1024));
        }
        return _scratch;
    }

    private static byte[] ReturnScratch(byte[] scratch)
    {
        if (scratch.Length > 0) ArrayPool<byte>.Shared.Return(scratch);
        return Array.Empty<byte>();
    }
}
