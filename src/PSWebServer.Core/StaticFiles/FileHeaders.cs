using System;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The header fields of a file form, as shared blocks made once per form: the validators (what a 304 repeats) and
/// the entity fields of a 200 or 206 (type, coding or Accept-Ranges, then the validators). Content-Length, Date and
/// Connection are the encoder's.
/// </summary>
internal static class FileHeaders
{
    public static readonly HeaderBlock AcceptRanges = new HeaderBlockBuilder().Add("Accept-Ranges"u8, "bytes").Build();

    public static HeaderBlock Validators(Representation representation, FileHeadSettings settings) =>
        AddValidators(new HeaderBlockBuilder(), representation, settings).Build();

    public static HeaderBlock Entity(Representation representation, FileHeadSettings settings)
    {
        var builder = new HeaderBlockBuilder().Add("Content-Type"u8, representation.ContentType);
        if (representation.Coding == ContentCoding.Identity) builder.Add("Accept-Ranges"u8, "bytes");
        else builder.Add("Content-Encoding"u8, ContentNegotiation.Token(representation.Coding));
        return AddValidators(builder, representation, settings).Build();
    }

    private static HeaderBlockBuilder AddValidators(HeaderBlockBuilder builder, Representation representation, FileHeadSettings settings)
    {
        builder.Add("Last-Modified"u8, representation.LastModified).Add("ETag"u8, representation.EntityTag);
        // Caches must key on Accept-Encoding whenever the form could differ by it, the identity form too; and with
        // live reload, an HTML page differs by what tells a navigation from a fetch() (the injected script).
        bool byCoding = settings.Compression && representation.Compressible;
        bool byInjection = settings.LiveReloadTag != null && representation.IsHtml;
        if (byCoding || byInjection)
        {
            builder.Add("Vary"u8, byCoding && byInjection ? "Accept-Encoding, " + ScriptInjection.VaryFields
                : byCoding ? "Accept-Encoding" : ScriptInjection.VaryFields);
        }
        if (settings.CacheControl.Length > 0) builder.Add("Cache-Control"u8, settings.CacheControl);
        return builder;
    }
}
