using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using PSWebServer.AccessLog;
using PSWebServer.Http;

namespace PSWebServer;

/// <summary>
/// The server's journal of completed requests: a fixed ring of preallocated slots, the oldest overwritten.
/// Server threads copy raw bytes into a slot (no strings, no objects: the serving path pays a few copies);
/// readers on the pipeline thread build <see cref="ServerRequest"/> objects from the slots they read.
/// This is the only bridge between the engine's threads and the PowerShell session.
/// </summary>
public sealed class RequestLog
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);

    private readonly Slot[] _slots;
    private readonly string _serverName;
    private readonly AccessLogWriter? _accessLog; // the file, fed the same records: the ring may drop, the file does not
    private readonly object _signal = new();
    private long _lastClaimed;   // highest id handed to a writer
    private long _floor;         // ids at or below this were cleared
    private int _waiters;
    private int _pulsePending;

    private const int MaxMethodBytes = 32;
    private const int MaxTargetBytes = 2048;
    private const int MaxHeaderValueBytes = 512;
    private const int MaxSlotBytes = MaxMethodBytes + MaxTargetBytes + 3 * MaxHeaderValueBytes;

    internal RequestLog(int capacity, string serverName, AccessLogWriter? accessLog = null)
    {
        _accessLog = accessLog;
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "The request log needs room for at least one request.");
        _slots = new Slot[capacity];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot();
        _serverName = serverName;
    }

    /// <summary>How many requests the ring holds before dropping the oldest.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Id of the newest request recorded so far (0 before the first).</summary>
    public long LastId => Volatile.Read(ref _lastClaimed);

    /// <summary>How many requests are retained now.</summary>
    public int Count => (int)Math.Min(LastId - Volatile.Read(ref _floor), _slots.Length);

    /// <summary>Records one completed request. Called on server threads; allocates nothing once the slot's buffer has grown to fit.</summary>
    internal void Record(
        long timestampUtcTicks, string clientAddress, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target,
        HttpVersion version, int statusCode, long bytesSent, long durationTicks,
        ReadOnlySpan<byte> userAgent, ReadOnlySpan<byte> referer, ReadOnlySpan<byte> range, string contentEncoding,
        string tlsProtocol = "")
    {
        // Each field is kept to a bounded length, so a client sending huge headers cannot make the log hold more
        // than a few KiB per slot (the full values are still seen by the server; only the record is cut).
        method = Cap(method, MaxMethodBytes);
        target = Cap(target, MaxTargetBytes);
        userAgent = Cap(userAgent, MaxHeaderValueBytes);
        referer = Cap(referer, MaxHeaderValueBytes);
        range = Cap(range, MaxHeaderValueBytes);

        // With an access log, the id is claimed inside its queue's lock, so the file receives records in id order.
        long id = _accessLog is null
            ? Interlocked.Increment(ref _lastClaimed)
            : _accessLog.Append(ref _lastClaimed, timestampUtcTicks, clientAddress, method, target, version, statusCode, bytesSent,
                durationTicks, userAgent, referer, range, contentEncoding);
        Slot slot = _slots[(int)(id % _slots.Length)];
        lock (slot)
        {
            if (slot.Id < id)
            {
                int needed = method.Length + target.Length + userAgent.Length + referer.Length + range.Length;
                if (slot.Data.Length < needed) slot.Data = new byte[Math.Max(needed, Math.Clamp(slot.Data.Length * 2, 256, MaxSlotBytes))];
                Span<byte> data = slot.Data;
                method.CopyTo(data);
                target.CopyTo(data.Slice(slot.MethodLength = method.Length));
                userAgent.CopyTo(data.Slice(method.Length + (slot.TargetLength = target.Length)));
                referer.CopyTo(data.Slice(method.Length + target.Length + (slot.UserAgentLength = userAgent.Length)));
                range.CopyTo(data.Slice(method.Length + target.Length + userAgent.Length + (slot.RefererLength = referer.Length)));
                slot.RangeLength = range.Length;
                slot.TimestampUtcTicks = timestampUtcTicks;
                slot.ClientAddress = clientAddress;
                slot.Version = version;
                slot.StatusCode = statusCode;
                slot.BytesSent = bytesSent;
                slot.DurationTicks = durationTicks;
                slot.ContentEncoding = contentEncoding;
                slot.TlsProtocol = tlsProtocol;
                slot.Id = id;
            }
        }

        // Wake followers once per wait, not once per request: only the first writer after a follower went to
        // sleep takes the lock.
        if (Volatile.Read(ref _waiters) != 0 && Interlocked.CompareExchange(ref _pulsePending, 1, 0) == 0)
        {
            lock (_signal) Monitor.PulseAll(_signal);
        }
    }

    private static ReadOnlySpan<byte> Cap(ReadOnlySpan<byte> value, int max) => value.Length <= max ? value : value.Slice(0, max);

    /// <summary>
    /// The retained requests with an id above <paramref name="afterId"/>, oldest first. Stops at a slot a
    /// writer is still filling, so a record is never skipped: the next call picks it up.
    /// </summary>
    public IReadOnlyList<ServerRequest> ReadAfter(long afterId)
    {
        var result = new List<ServerRequest>();
        long last = LastId;
        long first = Math.Max(Math.Max(afterId, Volatile.Read(ref _floor)), last - _slots.Length) + 1;
        for (long id = first; id <= last; id++)
        {
            Slot slot = _slots[(int)(id % _slots.Length)];
            lock (slot)
            {
                if (slot.Id > id) continue;          // overwritten: dropped before it was read
                if (slot.Id < id) break;             // claimed but not written yet
                result.Add(slot.ToRequest(_serverName));
            }
        }
        return result;
    }

    /// <summary>All retained requests, oldest first.</summary>
    public IReadOnlyList<ServerRequest> ReadAll() => ReadAfter(0);

    /// <summary>
    /// Blocks until a request with an id above <paramref name="afterId"/> is recorded, the timeout passes, or the
    /// token is cancelled. Returns whether one was recorded. Wakes at least every 100 ms to look at the token.
    /// </summary>
    public bool WaitForNew(long afterId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DateTime deadline = timeout == Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + timeout;
        Interlocked.Increment(ref _waiters);
        try
        {
            lock (_signal)
            {
                while (true)
                {
                    Volatile.Write(ref _pulsePending, 0); // before looking at LastId: a writer after this will pulse
                    if (LastId > afterId) break;
                    if (cancellationToken.IsCancellationRequested) return false;
                    TimeSpan left = deadline == DateTime.MaxValue ? WaitSlice : deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) return false;
                    Monitor.Wait(_signal, left < WaitSlice ? left : WaitSlice);
                }
                return true;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    /// <summary>Forgets every request recorded so far; ids keep counting up.</summary>
    public void Clear() => Volatile.Write(ref _floor, LastId);

    private sealed class Slot
    {
        public long Id;
        public byte[] Data = Array.Empty<byte>(); // grown on first use, so a large ring costs nothing until it fills
        public int MethodLength, TargetLength, UserAgentLength, RefererLength, RangeLength;
        public long TimestampUtcTicks;
        public string ClientAddress = "";
        public HttpVersion Version;
        public int StatusCode;
        public long BytesSent;
        public long DurationTicks;
        public string ContentEncoding = "";
        public string TlsProtocol = "";

        public ServerRequest ToRequest(string serverName)
        {
            ReadOnlySpan<byte> data = Data;
            ReadOnlySpan<byte> method = data.Slice(0, MethodLength);
            ReadOnlySpan<byte> target = data.Slice(MethodLength, TargetLength);
            int offset = MethodLength + TargetLength;
            ReadOnlySpan<byte> userAgent = data.Slice(offset, UserAgentLength);
            ReadOnlySpan<byte> referer = data.Slice(offset += UserAgentLength, RefererLength);
            ReadOnlySpan<byte> range = data.Slice(offset + RefererLength, RangeLength);

            int queryStart = target.IndexOf((byte)'?');
            ReadOnlySpan<byte> path = queryStart < 0 ? target : target.Slice(0, queryStart);
            ReadOnlySpan<byte> query = queryStart < 0 ? default : target.Slice(queryStart + 1);

            return new ServerRequest(
                Id,
                new DateTime(TimestampUtcTicks, DateTimeKind.Utc).ToLocalTime(),
                serverName,
                ClientAddress,
                Encoding.Latin1.GetString(method),
                PercentDecoding.DecodeForDisplay(path),
                Encoding.Latin1.GetString(query),
                HttpVersions.ToText(Version),
                StatusCode,
                BytesSent,
                TimeSpan.FromTicks(DurationTicks),
                Encoding.Latin1.GetString(userAgent),
                Encoding.Latin1.GetString(referer),
                Encoding.Latin1.GetString(range),
                ContentEncoding,
                TlsProtocol);
        }
    }
}
