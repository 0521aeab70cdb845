using System;
using System.Collections.Generic;
using System.Threading;
using PSWebServer.Http;

namespace PSWebServer.AccessLog;

/// <summary>
/// The hand-off from the server threads to the access log's writer thread: a chain of <see cref="AccessLogSegment"/>s.
/// A server thread copies a record's bytes in under one short lock (no formatting, no I/O, no allocation while a
/// free segment exists); the writer takes the whole chain at once and gives the segments back when formatted.
/// <para>
/// Lossless and bounded: the chain may grow to <c>maxSegments</c> (128 by default: 131,072 records and about 40 MiB,
/// two minutes at 1,000 requests a second with the disk stalled). Beyond that the recording thread waits for the
/// writer to make room: back-pressure, so the server answers at the speed of the disk rather than drop records.
/// That is the one place a loop thread may wait, and it is reached only when the log's disk has stopped keeping up
/// for long; <see cref="BackPressureWaits"/> counts it.
/// </para>
/// </summary>
internal sealed class AccessLogQueue
{
    public const int DefaultMaxSegments = 128;
    private const int FreeSegmentsKept = 4;

    private readonly object _lock = new();
    private readonly int _maxSegments;
    private readonly Stack<AccessLogSegment> _free = new();
    private AccessLogSegment _head;
    private AccessLogSegment _tail;
    private int _inUse;   // segments in the chain or being written
    private bool _closed;
    private long _backPressureWaits;

    public AccessLogQueue(int maxSegments = DefaultMaxSegments)
    {
        if (maxSegments < 1) throw new ArgumentOutOfRangeException(nameof(maxSegments));
        _maxSegments = maxSegments;
        _head = _tail = new AccessLogSegment();
        _inUse = 1;
    }

    /// <summary>How many times a recording thread had to wait for the writer.</summary>
    public long BackPressureWaits => Interlocked.Read(ref _backPressureWaits);

    public bool IsClosed
    {
        get { lock (_lock) return _closed; }
    }

    /// <summary>
    /// Claims the record's id (incrementing <paramref name="lastId"/>) and queues the record, both under the queue's
    /// lock, so records are queued in id order. After <see cref="Close"/> it only claims the id.
    /// </summary>
    public long Append(ref long lastId, in RequestRecord record)
    {
        int size = AccessLogSegment.FieldBytes(record);
        // RequestLog caps the fields to 3.6 KiB in all; a record no empty segment could hold would grow the chain forever.
        if (size > AccessLogSegment.DataBytes) throw new ArgumentException("The record is larger than a queue segment.", nameof(record));
        lock (_lock)
        {
            while (!_closed && !_tail.HasRoom(size))
            {
                if (_free.Count > 0 || _inUse < _maxSegments)
                {
                    AccessLogSegment next = _free.Count > 0 ? _free.Pop() : new AccessLogSegment();
                    _inUse++;
                    _tail.Next = next;
                    _tail = next;
                    Monitor.PulseAll(_lock); // a full segment waits: wake the writer now rather than at its next tick
                    break;
                }
                _backPressureWaits++;
                Monitor.PulseAll(_lock);
                Monitor.Wait(_lock);
            }
            long id = Interlocked.Increment(ref lastId);
            if (!_closed)
            {
                _tail.Add(id, record);
            }
            return id;
        }
    }

    /// <summary>
    /// The writer's side: waits up to <paramref name="wait"/> for records (less when a segment fills or the queue is
    /// closed) and takes every queued one, oldest first, as a chain. Null when there is none.
    /// </summary>
    public AccessLogSegment? Take(TimeSpan wait)
    {
        lock (_lock)
        {
            if (_head.Count == 0 && !_closed) Monitor.Wait(_lock, wait);
            if (_head.Count == 0) return null;
            AccessLogSegment chain = _head;
            AccessLogSegment fresh = _free.Count > 0 ? _free.Pop() : new AccessLogSegment();
            _inUse++;
            _head = _tail = fresh;
            return chain;
        }
    }

    /// <summary>Gives back a chain from <see cref="Take"/> once its records are formatted, and wakes waiting recorders.</summary>
    public void Release(AccessLogSegment chain)
    {
        lock (_lock)
        {
            for (AccessLogSegment? s = chain; s is not null;)
            {
                AccessLogSegment? next = s.Next;
                s.Reset();
                _inUse--;
                if (_free.Count < FreeSegmentsKept) _free.Push(s);
                s = next;
            }
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>No more records are queued (the server has stopped); the writer drains what is left and ends.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }
}
