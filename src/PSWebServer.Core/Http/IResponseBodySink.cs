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
    /// True: the writer is about to wait for something other than the client (an event stream between events), possibly
    /// for hours; until it says false (or the body ends), the connection has no client deadline between sends and counts
    /// as idle for Stop (closed at once). Each send still runs under the send deadline. False: busy again, under the send
    /// deadline (a stream writing its end, which Stop should let it finish).
    /// </summary>
    void AwaitingEvents(bool awaiting);
}
