using System;
using PSWebServer.Http;

namespace PSWebServer.AccessLog;

/// <summary>
/// A block of queued records: fixed-size arrays for the numbers and one byte array for the fields, filled by server
/// threads and read by the writer. Reused once written, so the serving path allocates only when the queue grows.
/// </summary>
internal sealed class AccessLogSegment
{
    public const int EntryCount = 1024;
    /// <summary>Room for 1,024 ordinary records (about 250 bytes of fields each); a record is at most 3.6 KiB (RequestLog's caps).</summary>
    public const int DataBytes = 256 * 1024;

    private readonly Entry[] _entries = new Entry[EntryCount];
    private readonly byte[] _data = new byte[DataBytes];
    private int _dataUsed;

    public int Count { get; private set; }
    public AccessLogSegment? Next { get; set; }

    public bool HasRoom(int fieldBytes) => Count < EntryCount && _dataUsed + fieldBytes <= DataBytes;

    /// <summary>The bytes of <paramref name="record"/>'s fields this segment keeps.</summary>
    public static int FieldBytes(in RequestRecord record) =>
        record.Method.Length + record.Target.Length + record.UserAgent.Length + record.Referer.Length + record.Range.Length;

    public void Add(long id, in RequestRecord record)
    {
        ReadOnlySpan<byte> method = record.Method, target = record.Target, userAgent = record.UserAgent, referer = record.Referer, range = record.Range;
        ref Entry e = ref _entries[Count];
        e.Id = id;
        e.TimestampUtcTicks = record.TimestampUtcTicks;
        e.ClientAddress = record.ClientAddress;
        e.Version = record.Version;
        e.StatusCode = record.StatusCode;
        e.BytesSent = record.BytesSent;
        e.DurationTicks = record.DurationTicks;
        e.ContentEncoding = record.ContentEncoding;
        e.Offset = _dataUsed;
        Span<byte> data = _data.AsSpan(_dataUsed);
        method.CopyTo(data);
        target.CopyTo(data.Slice(e.MethodLength = method.Length));
        data = data.Slice(method.Length + (e.TargetLength = target.Length));
        userAgent.CopyTo(data);
        referer.CopyTo(data.Slice(e.UserAgentLength = userAgent.Length));
        range.CopyTo(data.Slice(userAgent.Length + (e.RefererLength = referer.Length)));
        e.RangeLength = range.Length;
        _dataUsed += method.Length + target.Length + userAgent.Length + referer.Length + range.Length;
        Count++;
    }

    public AccessLogRecord this[int index]
    {
        get
        {
            ref Entry e = ref _entries[index];
            ReadOnlySpan<byte> data = _data.AsSpan(e.Offset);
            ReadOnlySpan<byte> method = data.Slice(0, e.MethodLength);
            ReadOnlySpan<byte> target = data.Slice(e.MethodLength, e.TargetLength);
            data = data.Slice(e.MethodLength + e.TargetLength);
            ReadOnlySpan<byte> userAgent = data.Slice(0, e.UserAgentLength);
            ReadOnlySpan<byte> referer = data.Slice(e.UserAgentLength, e.RefererLength);
            ReadOnlySpan<byte> range = data.Slice(e.UserAgentLength + e.RefererLength, e.RangeLength);
            return new AccessLogRecord(e.Id, e.TimestampUtcTicks, e.ClientAddress, method, target, e.Version, e.StatusCode,
                e.BytesSent, e.DurationTicks, userAgent, referer, range, e.ContentEncoding);
        }
    }

    /// <summary>Empties the segment for reuse; the strings it referred to are let go.</summary>
    public void Reset()
    {
        Array.Clear(_entries, 0, Count);
        Count = 0;
        _dataUsed = 0;
        Next = null;
    }

    private struct Entry
    {
        public long Id, TimestampUtcTicks, BytesSent, DurationTicks;
        public string ClientAddress, ContentEncoding;
        public HttpVersion Version;
        public int StatusCode, Offset, MethodLength, TargetLength, UserAgentLength, RefererLength, RangeLength;
    }
}
