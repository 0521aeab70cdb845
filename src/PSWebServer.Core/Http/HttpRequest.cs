using System;

namespace PSWebServer.Http;

/// <summary>
/// One request as a handler sees it: the parsed head (<see cref="Head"/>, offsets) over the bytes it was parsed from.
/// Protocol-neutral: an HTTP/2 stream fills the same shape from its decoded header block. One per connection, reused.
/// </summary>
internal sealed class HttpRequest
{
    public HttpRequest(HttpRequestHead head)
    {
        Head = head;
    }

    public HttpRequestHead Head { get; }

    /// <summary>The bytes the segments in <see cref="Head"/> point into; valid until the response is done.</summary>
    public ReadOnlyMemory<byte> Bytes { get; set; }

    public ReadOnlySpan<byte> Span => Bytes.Span;

    /// <summary>
    /// The request's content, decoded from Content-Length or chunked framing and read whole before the handlers run
    /// (bounded by the server's body limit); empty when there is none. Valid until the response is done.
    /// </summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>The front handler that claimed this request for off-loop work (set by <see cref="RequestHandlerChain"/>).</summary>
    internal IFrontHandler? Route { get; set; }

    /// <summary>What <see cref="Route"/>'s handler decided on the loop and needs again off it (a canned response's chosen answer).</summary>
    internal object? RouteState { get; set; }

    public HttpMethod Method => Head.Method;

    public ReadOnlySpan<byte> Value(HeaderSegment segment) => segment.Of(Bytes.Span);
}
