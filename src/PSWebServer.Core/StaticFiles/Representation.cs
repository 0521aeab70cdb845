using System;

namespace PSWebServer.StaticFiles;

/// <summary>
/// One form of a file as it goes on the wire (RFC 9110 §3.2): its bytes in one content coding, with the
/// validators of that form. The identity form and each compressed form have their own ETag.
/// The bytes are in memory (<see cref="Body"/>) or in a file to sendfile (<see cref="FilePath"/>).
/// </summary>
internal sealed class Representation
{
    public Representation(string contentType, ContentCoding coding, long length, DateTime lastWriteUtc, byte[] entityTag, byte[]? body, string? filePath)
    {
        ContentType = contentType;
        Compressible = ContentTypeMap.IsCompressible(contentType);
        Coding = coding;
        Length = length;
        LastWriteUtc = lastWriteUtc;
        EntityTag = entityTag;
        LastModified = HttpDate.Format(lastWriteUtc);
        Body = body;
        FilePath = filePath;
    }

    /// <summary>A file as it is on disk: its type from its name, a strong ETag from its time and size.</summary>
    public static Representation Identity(string fullPath, DateTime lastWriteUtc, long length, byte[]? body) =>
        new(ContentTypeMap.For(fullPath), ContentCoding.Identity, length, lastWriteUtc, StaticFiles.EntityTag.ForFile(lastWriteUtc, length),
            body, body == null ? fullPath : null);

    public string ContentType { get; }
    /// <summary>Text-like: worth compressing, and its responses vary by Accept-Encoding. Decided once, not per request.</summary>
    public bool Compressible { get; }
    public ContentCoding Coding { get; }
    public long Length { get; }
    public DateTime LastWriteUtc { get; }
    public byte[] EntityTag { get; }
    public byte[] LastModified { get; }
    public byte[]? Body { get; }
    public string? FilePath { get; }

    /// <summary>For a compressed form: the identity ETag of the file it was made from, to tell when the file has changed.</summary>
    public byte[]? SourceTag { get; init; }

    /// <summary>Status line and headers of a 200 and a 304, without Date, Connection and the final CRLF; built once for cached forms.</summary>
    public byte[]? Head200 { get; private set; }
    public byte[]? Head304 { get; private set; }

    public Representation WithPrebuiltHeads(FileHeadSettings settings)
    {
        using var buffer = new Http.ResponseBuffer();
        FileHeads.Write(buffer, 200, this, Length, default, settings);
        Head200 = buffer.WrittenSpan.ToArray();
        buffer.Clear();
        FileHeads.Write304(buffer, this, settings);
        Head304 = buffer.WrittenSpan.ToArray();
        return this;
    }
}
