using System;

namespace PSWebServer.StaticFiles;

/// <summary>
/// One form of a file as it goes on the wire (RFC 9110 §3.2): its bytes in one content coding, with the
/// validators of that form. The identity form and each compressed form have their own ETag.
/// The bytes are in memory (<see cref="Body"/>) or in a file to sendfile (<see cref="FilePath"/>).
/// </summary>
internal sealed class Representation
{
    public Representation(string contentType, ContentCoding coding, long length, DateTime lastWriteUtc, byte[] entityTag, byte[]? body,
        string? filePath, FileHeadSettings settings)
    {
        ContentType = contentType;
        Compressible = ContentTypeMap.IsCompressible(contentType);
        IsHtml = IsHtmlType(contentType);
        Coding = coding;
        Length = length;
        LastWriteUtc = lastWriteUtc;
        EntityTag = entityTag;
        LastModified = HttpDate.Format(lastWriteUtc);
        Body = body;
        FilePath = filePath;
        EntityHeaders = FileHeaders.Entity(this, settings);
        Validators = FileHeaders.Validators(this, settings);
    }

    /// <summary>A file as it is on disk: its type from its name, a strong ETag from its time and size.</summary>
    public static Representation Identity(string fullPath, DateTime lastWriteUtc, long length, byte[]? body, FileHeadSettings settings) =>
        new(ContentTypeMap.For(fullPath), ContentCoding.Identity, length, lastWriteUtc, StaticFiles.EntityTag.ForFile(lastWriteUtc, length),
            body, body == null ? fullPath : null, settings);

    public string ContentType { get; }
    /// <summary>Text-like: worth compressing, and its responses vary by Accept-Encoding. Decided once, not per request.</summary>
    public bool Compressible { get; }
    /// <summary>An HTML page: with live reload, navigations to it get the injected form.</summary>
    public bool IsHtml { get; }
    public ContentCoding Coding { get; }
    public long Length { get; }
    public DateTime LastWriteUtc { get; }
    public byte[] EntityTag { get; }
    public byte[] LastModified { get; }
    public byte[]? Body { get; }
    public string? FilePath { get; }

    public static bool IsHtmlType(string contentType) => contentType.StartsWith("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>For a compressed form: the identity ETag of the file it was made from, to tell when the file has changed.</summary>
    public byte[]? SourceTag { get; init; }

    /// <summary>Type, coding or Accept-Ranges, validators: the fields of a 200 or 206 of this form, made once.</summary>
    public Http.HeaderBlock EntityHeaders { get; }

    /// <summary>The validators and caching fields a 304 repeats (RFC 9110 §15.4.5), made once.</summary>
    public Http.HeaderBlock Validators { get; }
}
