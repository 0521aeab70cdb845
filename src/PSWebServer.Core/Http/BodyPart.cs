namespace PSWebServer.Http;

/// <summary>A piece of a multipart body: literal bytes (<see cref="Bytes"/>), or a slice of the response's source.</summary>
internal readonly record struct BodyPart(byte[]? Bytes, long Offset, long Length);
