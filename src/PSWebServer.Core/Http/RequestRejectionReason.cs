namespace PSWebServer.Http;

/// <summary>Why a request (its head, or its body's framing) was refused. Each maps to one status code in <see cref="RequestRejections"/>.</summary>
internal enum RequestRejectionReason : byte
{
    None = 0,
    RequestLineTooLong,
    HeadersTooLarge,
    TooManyHeaders,
    InvalidRequestLine,
    InvalidRequestTarget,
    InvalidHeader,
    MissingHost,
    MultipleHost,
    UnsupportedVersion,
    InvalidContentLength,
    ConflictingFraming,
    /// <summary>A Host value that is not host[:port] (RFC 9112 §3.2): userinfo, a path, a list, empty, a bad port.</summary>
    InvalidHost,
    /// <summary>A Transfer-Encoding that leaves the body's length unknown: chunked not last or twice, empty, malformed (§6.3).</summary>
    InvalidTransferEncoding,
    /// <summary>Transfer-Encoding on an HTTP/1.0 request, whose framing is then faulty (RFC 9112 §6.1).</summary>
    TransferEncodingOnHttp10,
    /// <summary>A transfer coding this server does not know (RFC 9112 §6.1: 501).</summary>
    UnknownTransferCoding,
    /// <summary>A method the server recognises but does not implement at all: CONNECT (RFC 9110 §9.3.6).</summary>
    MethodNotImplemented,
    /// <summary>The body is larger than <see cref="ServerLimits.MaxRequestBodyBytes"/> (413), by its Content-Length or its chunks.</summary>
    BodyTooLarge,
    /// <summary>An Expect field other than 100-continue (RFC 9110 §10.1.1: 417).</summary>
    UnsupportedExpectation,
    /// <summary>The body stopped arriving for longer than <see cref="ServerLimits.BodyTimeout"/> (408).</summary>
    BodyTimeout,
    /// <summary>A chunk-size that is not 1*HEXDIG: empty, signed, "0x", whitespace (RFC 9112 §7.1).</summary>
    InvalidChunkSize,
    /// <summary>A chunk-size past 2^62.</summary>
    ChunkSizeOverflow,
    /// <summary>A chunk extension outside ";name[=token|quoted-string]", or a chunk line past its bound.</summary>
    InvalidChunkExtension,
    /// <summary>A chunk or trailer line not ended by CRLF: a bare CR or a bare LF.</summary>
    InvalidChunkLineEnding,
    /// <summary>Chunk data not followed by exactly CRLF (more data than the size said, or anything else).</summary>
    InvalidChunkDataEnd,
    /// <summary>A trailer line that is not a field line.</summary>
    InvalidTrailer,
    /// <summary>A trailer section past its bounds (the header section's byte and count limits).</summary>
    TrailersTooLarge,
}

internal static class RequestRejections
{
    public static int StatusCode(RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.RequestLineTooLong => 414,
        RequestRejectionReason.HeadersTooLarge => 431,
        RequestRejectionReason.TooManyHeaders => 431,
        RequestRejectionReason.UnsupportedVersion => 505,
        RequestRejectionReason.UnknownTransferCoding => 501,
        RequestRejectionReason.MethodNotImplemented => 501,
        RequestRejectionReason.BodyTooLarge => 413,
        RequestRejectionReason.UnsupportedExpectation => 417,
        RequestRejectionReason.BodyTimeout => 408,
        _ => 400,
    };
}
