namespace PSWebServer.Http;

/// <summary>Where a response's body comes from; the encoder of each protocol frames it.</summary>
internal enum BodyKind : byte
{
    /// <summary>No body (a 304, a 204, OPTIONS), or one described by the head but not sent (HEAD).</summary>
    None,
    /// <summary>Bytes in memory (a cached file or a slice of it, a status page, a listing). Never copied when large.</summary>
    Bytes,
    /// <summary>A slice of an open file, sent by sendfile where the transport has it.</summary>
    File,
    /// <summary>multipart/byteranges: literal part heads between slices of the memory or file source.</summary>
    Multipart,
    /// <summary>Written over time by an <see cref="IResponseBodyWriter"/>; framed by length, or chunked when unknown.</summary>
    Stream,
}
