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
}

internal static class RequestRejections
{
    public static int StatusCode(RequestRejectionReason reason) => reason switch
    {
        RequestRejectionReason.RequestLineTooLong => 414,
        RequestRejectionReason.HeadersTooLarge => 431,
        RequestRejectionReason.TooManyHeaders => 431,
        RequestRejectionReason.UnsupportedVersion => 505,
        _ => 400,
    };
}
