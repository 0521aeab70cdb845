using System;
using System.Threading;

namespace PSWebServer;

/// <summary>The live counters a server shows; written by connection threads with interlocked operations.</summary>
internal sealed class ServerStatistics
{
    private long _requestCount;
    private long _bytesSent;
    private Exception? _lastError;

    public long RequestCount => Volatile.Read(ref _requestCount);
    public long BytesSent => Volatile.Read(ref _bytesSent);
    public Exception? LastError => Volatile.Read(ref _lastError);

    public void CountResponse(long bytes)
    {
        Interlocked.Increment(ref _requestCount);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    /// <summary>Keeps an unexpected error for LastError; it belonged to one connection and the server goes on.</summary>
    public void ReportError(Exception error) => Volatile.Write(ref _lastError, error);
}
