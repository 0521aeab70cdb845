using System;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Live reload's injection into HTML pages: which requests get the script (page navigations, never fetch() or XHR)
/// and where its tag goes (before the last <c>&lt;/body&gt;</c>, else before the last <c>&lt;/html&gt;</c>, else at
/// the end, so a page without either still reloads). Pure byte work, made once per file version off the loop.
/// </summary>
internal static class ScriptInjection
{
    /// <summary>The request fields that decide between the plain and the injected page: the Vary of HTML forms.</summary>
    public const string VaryFields = "Sec-Fetch-Dest, Sec-Fetch-Mode, Accept";

    /// <summary>
    /// Whether the request is a page navigation. Browsers that send Fetch Metadata say so exactly: Sec-Fetch-Dest
    /// "document" (a top-level page; frames are left alone, the page around them reloads them), or without it
    /// Sec-Fetch-Mode "navigate". Without any Sec-Fetch-* field (older browsers, tools), an Accept that names
    /// text/html outright, as every browser's navigation does and fetch()'s default <c>*/*</c> does not.
    /// </summary>
    public static bool IsNavigation(HttpRequest request)
    {
        HttpRequestHead head = request.Head;
        ReadOnlySpan<byte> bytes = request.Span;
        if (head.TryGetHeader(bytes, "Sec-Fetch-Dest"u8, out HeaderSegment dest))
        {
            return System.Text.Ascii.EqualsIgnoreCase(dest.Of(bytes).Trim(" \t"u8), "document"u8);
        }
        if (head.TryGetHeader(bytes, "Sec-Fetch-Mode"u8, out HeaderSegment mode))
        {
            return System.Text.Ascii.EqualsIgnoreCase(mode.Of(bytes).Trim(" \t"u8), "navigate"u8);
        }
        return ContentNegotiation.NamesHtml(request.Value(head.Accept));
    }

    /// <summary>
    /// The page with <paramref name="tag"/> inserted, or null when it cannot be injected safely: a UTF-16 page
    /// (its tags are not these bytes, and ASCII bytes would corrupt it).
    /// </summary>
    public static byte[]? Inject(ReadOnlySpan<byte> page, ReadOnlySpan<byte> tag)
    {
        if (page.Length >= 2 && ((page[0] == 0xFF && page[1] == 0xFE) || (page[0] == 0xFE && page[1] == 0xFF))) return null;
        int at = InsertionPoint(page);
        var injected = new byte[page.Length + tag.Length];
        page.Slice(0, at).CopyTo(injected);
        tag.CopyTo(injected.AsSpan(at));
        page.Slice(at).CopyTo(injected.AsSpan(at + tag.Length));
        return injected;
    }

    /// <summary>Where the tag goes: at the last <c>&lt;/body</c>, else the last <c>&lt;/html</c>, else the end.</summary>
    public static int InsertionPoint(ReadOnlySpan<byte> page)
    {
        int body = LastClosingTag(page, "body"u8);
        if (body >= 0) return body;
        int html = LastClosingTag(page, "html"u8);
        return html >= 0 ? html : page.Length;
    }

    /// <summary>The offset of the last <c>&lt;/name</c> followed by '>', white space, '/' or the end; ASCII case ignored.</summary>
    private static int LastClosingTag(ReadOnlySpan<byte> page, ReadOnlySpan<byte> name)
    {
        for (int i = page.Length - name.Length - 2; i >= 0; i--)
        {
            if (page[i] != (byte)'<' || page[i + 1] != (byte)'/') continue;
            if (!System.Text.Ascii.EqualsIgnoreCase(page.Slice(i + 2, name.Length), name)) continue;
            int after = i + 2 + name.Length;
            if (after == page.Length || page[after] is (byte)'>' or (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'/') return i;
        }
        return -1;
    }
}
