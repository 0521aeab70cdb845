using System;
using System.Threading.Tasks;

namespace PSWebServer.Http;

/// <summary>Where a streamed body goes: the protocol encoder frames each write (HTTP/1.1 chunks, HTTP/2 DATA frames).</summary>
internal interface IResponseBodySink
{
    /// <summary>Queues bytes; they may be held until <see cref="FlushAsync"/> or until enough are gathered.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data);

    /// <summary>Sends what is queued now (an event that must reach the client at once).</summary>
    ValueTask FlushAsync();

    /// <summary>
    /// The writer is about to wait for something other than the client (an event stream between events), possibly for
    /// hours: from now until the body ends, the connection has no client deadline between sends and counts as idle for
    /// Stop (closed at once). Each later send still runs under the send deadline.
    /// </summary>
    void AwaitingEvents();
}
