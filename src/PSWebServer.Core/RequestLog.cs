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

    /// <summary>Header field bytes kept per request (cut at a line end): 8 KiB holds every ordinary head whole.</summary>
    public const int MaxCapturedHeaderBytes = 8 * 1024;
    /// <summary>Body bytes kept per request by default (<see cref="StaticServerOptions.RequestLogBodyBytes"/>).</summary>
    public const int DefaultCapturedBodyBytes = 64 * 1024;
    /// <summary>
    /// The most the whole ring holds for captured headers and bodies: a ring of 10,000 full of 64 KiB bodies would
    /// hold 640 MiB. Past it, new captures are cut (the body first, then the headers) until older ones are overwritten.
    /// </summary>
    public const long DefaultCaptureBudgetBytes = 64L * 1024 * 1024;
    // A capture array this much larger than what it holds is replaced by a smaller one, giving the budget back.
    private const int ShrinkAboveBytes = 16 * 1024;

    private readonly int _bodyCaptureBytes;
    private readonly long _captureBudget;
    private long _captureHeld; // bytes of all slots' capture arrays

    internal RequestLog(int capacity, string serverName, AccessLogWriter? accessLog = null,
        int bodyCaptureBytes = DefaultCapturedBodyBytes, long captureBudgetBytes = DefaultCaptureBudgetBytes)
    {
        _accessLog = accessLog;
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "The request log needs room for at least one request.");
        ArgumentOutOfRangeException.ThrowIfNegative(bodyCaptureBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(captureBudgetBytes);
        _slots = new Slot[capacity];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot();
        _serverName = serverName;
        _bodyCaptureBytes = bodyCaptureBytes;
        _captureBudget = captureBudgetBytes;
    }

    /// <summary>Bytes the ring holds now for captured headers and bodies (at most the capture budget, plus one record's).</summary>
    internal long CaptureBytesHeld => Interlocked.Read(ref _captureHeld);

    /// <summary>How many requests the ring holds before dropping the oldest.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Id of the newest request recorded so far (0 before the first).</summary>
    public long LastId => Volatile.Read(ref _lastClaimed);

    /// <summary>How many requests are retained now.</summary>
    public int Count => (int)Math.Min(LastId - Volatile.Read(ref _floor), _slots.Length);

    /// <summary>Records one completed request. Called on server threads; allocates nothing once the slot's buffers have grown to fit.</summary>
    internal void Record(in RequestRecord request)
    {
        // Each field is kept to a bounded length, so a client sending huge headers cannot make the log hold more
        // than a few KiB per slot (the full values are still seen by the server; only the record is cut).
        RequestRecord r = request;
        r.Method = Cap(r.Method, MaxMethodBytes);
        r.Target = Cap(r.Target, MaxTargetBytes);
        r.UserAgent = Cap(r.UserAgent, MaxHeaderValueBytes);
        r.Referer = Cap(r.Referer, MaxHeaderValueBytes);
        r.Range = Cap(r.Range, MaxHeaderValueBytes);
        ReadOnlySpan<byte> headers = CapAtLineEnd(r.HeaderFields, MaxCapturedHeaderBytes);
        ReadOnlySpan<byte> body = Cap(r.Body, _bodyCaptureBytes);

        // With an access log, the id is claimed inside its queue's lock, so the file receives records in id order.
        long id = _accessLog is null ? Interlocked.Increment(ref _lastClaimed) : _accessLog.Append(ref _lastClaimed, r);
        Slot slot = _slots[(int)(id % _slots.Length)];
        lock (slot)
        {
            if (slot.Id < id)
            {
                ReadOnlySpan<byte> method = r.Method, target = r.Target, userAgent = r.UserAgent, referer = r.Referer, range = r.Range;
                int needed = method.Length + target.Length + userAgent.Length + referer.Length + range.Length;
                if (slot.Data.Length < needed) slot.Data = new byte[Math.Max(needed, Math.Clamp(slot.Data.Length * 2, 256, MaxSlotBytes))];
                Span<byte> data = slot.Data;
                method.CopyTo(data);
                target.CopyTo(data.Slice(slot.MethodLength = method.Length));
                userAgent.CopyTo(data.Slice(method.Length + (slot.TargetLength = target.Length)));
                referer.CopyTo(data.Slice(method.Length + target.Length + (slot.UserAgentLength = userAgent.Length)));
                range.CopyTo(data.Slice(method.Length + target.Length + userAgent.Length + (slot.RefererLength = referer.Length)));
                slot.RangeLength = range.Length;
                StoreCapture(slot, headers, body);
                slot.BodyLength = r.Body.Length;
                slot.TimestampUtcTicks = r.TimestampUtcTicks;
                slot.ClientAddress = r.ClientAddress;
                slot.Version = r.Version;
                slot.StatusCode = r.StatusCode;
                slot.BytesSent = r.BytesSent;
                slot.DurationTicks = r.DurationTicks;
                slot.ContentEncoding = r.ContentEncoding;
                slot.AnsweredBy = r.AnsweredBy;
                slot.Fault = r.Fault;
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

    /// <summary>
    /// Copies the header fields and the body into the slot's capture array, within the ring's budget: the array is
    /// reused when it fits (the usual case: no allocation), grown when it does not and the budget allows, cut to what
    /// the budget allows otherwise (body first), and replaced by a smaller one when it has become far too large.
    /// </summary>
    private void StoreCapture(Slot slot, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> body)
    {
        int needed = headers.Length + body.Length;
        int held = slot.Capture.Length;
        bool tooLarge = held > ShrinkAboveBytes && held > 4 * needed;
        if (needed > held || tooLarge)
        {
            // Room the budget leaves, counting this slot's current array as given back.
            long room = _captureBudget - (Interlocked.Read(ref _captureHeld) - held);
            int size = needed > held ? (int)Math.Min(Math.Max(needed, Math.Min(held * 2L, needed + 1024L)), Math.Max(room, 0)) : needed;
            if (size > held || tooLarge)
            {
                slot.Capture = size == 0 ? Array.Empty<byte>() : new byte[size];
                Interlocked.Add(ref _captureHeld, slot.Capture.Length - held);
            }
            int fits = slot.Capture.Length;
            if (needed > fits)
            {
                int bodyFits = Math.Max(fits - headers.Length, 0);
                body = body.Slice(0, Math.Min(body.Length, bodyFits));
                headers = CapAtLineEnd(headers, fits - body.Length);
            }
        }
        headers.CopyTo(slot.Capture);
        body.CopyTo(slot.Capture.AsSpan(headers.Length));
        slot.HeaderBytes = headers.Length;
        slot.CapturedBodyBytes = body.Length;
    }

    /// <summary>At most <paramref name="max"/> bytes of field lines, cut after a line end so no field is half kept.</summary>
    private static ReadOnlySpan<byte> CapAtLineEnd(ReadOnlySpan<byte> lines, int max)
    {
        if (lines.Length <= max) return lines;
        int lf = lines.Slice(0, max).LastIndexOf((byte)'\n');
        return lf < 0 ? default : lines.Slice(0, lf + 1);
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
        public byte[] Capture = Array.Empty<byte>(); // header fields, then the body, as far as the caps and the budget let them
        public int HeaderBytes, CapturedBodyBytes;
        public int BodyLength;
        public string? AnsweredBy;
        public ResponseFault Fault;

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
                ContentEncoding)
            {
                Headers = ParseHeaders(Capture.AsSpan(0, HeaderBytes)),
                Body = Encoding.UTF8.GetString(Capture, HeaderBytes, CapturedBodyBytes),
                BodyLength = BodyLength,
                BodyTruncated = CapturedBodyBytes < BodyLength,
                AnsweredBy = AnsweredBy ?? "",
                Fault = Fault == ResponseFault.None ? "" : Fault.ToString(),
            };
        }

        /// <summary>Field lines as the parser accepted them: name, colon, value with its surrounding whitespace.</summary>
        private static IReadOnlyDictionary<string, string> ParseHeaders(ReadOnlySpan<byte> lines)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (!lines.IsEmpty)
            {
                int lf = lines.IndexOf((byte)'\n');
                ReadOnlySpan<byte> line = lf < 0 ? lines : lines.Slice(0, lf);
                lines = lf < 0 ? default : lines.Slice(lf + 1);
                int colon = line.IndexOf((byte)':');
                if (colon <= 0) continue;
                string name = Encoding.Latin1.GetString(line.Slice(0, colon));
                string value = Encoding.Latin1.GetString(line.Slice(colon + 1).Trim(" \t\r"u8));
                headers[name] = headers.TryGetValue(name, out string? earlier) ? earlier + ", " + value : value;
            }
            return new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(headers);
        }
    }
}
