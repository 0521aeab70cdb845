namespace PSWebServer.Http;

/// <summary>Why a request head was refused. Each maps to one status code in <see cref="RequestRejections"/>.</summary>
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
        _ => 400,
    };
}
