using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Http;

/// <summary>
/// A body a handler produces over time (an event stream, a throttled body, a canned response's slow answer). It runs
/// after the head is sent, on whatever thread the connection is on; it may await freely and must not block.
/// </summary>
internal interface IResponseBodyWriter
{
    /// <param name="cancel">Cancelled when the connection is aborted (client gone, stop, timeout).</param>
    ValueTask WriteBodyAsync(IResponseBodySink sink, CancellationToken cancel);
}
