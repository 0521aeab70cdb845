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
}
