using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Http2;

namespace PSWebServer.Tests.Support;

/// <summary>What came back on one stream: the final status and fields, interim statuses, the body, and how it ended.</summary>
internal sealed class Http2TestResponse
{
    private readonly MemoryStream _body = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Http2TestResponse(uint streamId)
    {
        StreamId = streamId;
    }

    public uint StreamId { get; }
    /// <summary>The final (non-1xx) :status; 0 until its HEADERS came; -1 when :status was not three digits.</summary>
    public int Status { get; internal set; }
    public List<int> InterimStatuses { get; } = new();
    /// <summary>The final response's fields in order, :status included.</summary>
    public List<(string Name, string Value)> Fields { get; } = new();
    public List<(string Name, string Value)> Trailers { get; } = new();
    /// <summary>The payload length of every DATA frame, in order.</summary>
    public List<int> DataFrames { get; } = new();
    /// <summary>The server's END_STREAM came.</summary>
    public bool Ended { get; internal set; }
    /// <summary>The server's RST_STREAM code, or null.</summary>
    public Http2ErrorCode? ResetCode { get; internal set; }
    /// <summary>The connection ended before the stream did.</summary>
    public bool ConnectionLost { get; internal set; }

    public Task Done => _done.Task;
    public bool IsDone => _done.Task.IsCompleted;

    public byte[] Body
    {
        get
        {
            lock (_body) return _body.ToArray();
        }
    }

    public long BodyLength
    {
        get
        {
            lock (_body) return _body.Length;
        }
    }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The first field of that name (names are lowercase on h2), or null.</summary>
    public string? Header(string name)
    {
        foreach ((string n, string v) in Fields)
        {
            if (n == name) return v;
        }
        return null;
    }

    internal void Append(ReadOnlySpan<byte> data)
    {
        lock (_body) _body.Write(data);
    }

    internal void Complete() => _done.TrySetResult();

    public override string ToString() =>
        $"stream {StreamId}: status {Status}, {BodyLength} body bytes, ended {Ended}, reset {ResetCode?.ToString() ?? "no"}, lost {ConnectionLost}";
}
