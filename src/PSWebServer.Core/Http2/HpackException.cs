using System;

namespace PSWebServer.Http2;

/// <summary>
/// A header block that cannot be decoded (RFC 7541 §2.1: the decoding context is then unusable). The connection
/// turns it into GOAWAY with COMPRESSION_ERROR (RFC 9113 §4.3): after a failed block the dynamic table no longer
/// matches the peer's, so no later block on the connection could be trusted either. Thrown, not returned, because
/// it ends the connection: it is rare, and a result code would have to be threaded through every helper.
/// </summary>
internal sealed class HpackException : Exception
{
    public HpackException(string message) : base(message) { }
}
