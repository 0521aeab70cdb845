using System;

namespace PSWebServer.Http;

/// <summary>
/// Turns one parsed request into a response. Synchronous by design: it writes the head (and any in-memory body)
/// into <paramref name="output"/> and leaves large bodies as a file in <paramref name="response"/>; the connection
/// does all the waiting on the network. That keeps handlers testable without sockets.
/// </summary>
internal interface IRequestHandler
{
    /// <param name="head">The request's bytes; the segments in <paramref name="request"/> point into it.</param>
    void Handle(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output, ResponseState response);
}
