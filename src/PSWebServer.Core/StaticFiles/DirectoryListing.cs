using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;

namespace PSWebServer.StaticFiles;

/// <summary>
/// The page for a folder without a default document, when browsing is on: HTML for people, JSON for scripts.
/// Folders first, then files, each by name; hidden names and links out of the root are left out, as they
/// would answer 404. Names are HTML-escaped in text and percent-encoded in links.
/// </summary>
internal static class DirectoryListing
{
    private readonly record struct Entry(string Name, bool IsFolder, long Size, DateTime ModifiedUtc);

    public static byte[] Html(string folder, string requestPath, bool isRoot, bool serveHidden, Func<string, bool> isInsideRoot)
    {
        List<Entry> entries = Read(folder, serveHidden, isInsideRoot);
        string title = "Index of " + WebUtility.HtmlEncode(requestPath);
        var html = new StringBuilder(1024 + entries.Count * 160);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>").Append(title).Append("</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;margin:2em}")
            .Append("table{border-collapse:collapse}td,th{padding:.2em 1.2em .2em 0;text-align:left}td.n{text-align:right}</style></head>\n")
            .Append("<body><h1>").Append(title).Append("</h1>\n<table><tr><th>Name</th><th>Size</th><th>Modified (UTC)</th></tr>\n");
        if (!isRoot) html.Append("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n");
        foreach (Entry entry in entries)
        {
            // sub-delimiters such as '&' stay unencoded in a path, so the link is HTML-escaped too
            string href = WebUtility.HtmlEncode(PathEncoding.EncodeSegment(entry.Name) + (entry.IsFolder ? "/" : ""));
            string text = WebUtility.HtmlEncode(entry.Name) + (entry.IsFolder ? "/" : "");
            html.Append("<tr><td><a href=\"").Append(href).Append("\">").Append(text).Append("</a></td><td class=\"n\">")
                .Append(entry.IsFolder ? "-" : entry.Size.ToString("N0", CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append(entry.ModifiedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
        }
        html.Append("</table><hr><p>PSWebServer</p></body></html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }

    public static byte[] Json(string folder, string requestPath, bool serveHidden, Func<string, bool> isInsideRoot)
    {
        List<Entry> entries = Read(folder, serveHidden, isInsideRoot);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("path", requestPath);
            json.WriteStartArray("entries");
            foreach (Entry entry in entries)
            {
                json.WriteStartObject();
                json.WriteString("name", entry.Name);
                json.WriteString("type", entry.IsFolder ? "directory" : "file");
                if (!entry.IsFolder) json.WriteNumber("size", entry.Size);
                json.WriteString("modified", entry.ModifiedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                json.WriteString("url", PathEncoding.EncodeSegment(entry.Name) + (entry.IsFolder ? "/" : ""));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    private static List<Entry> Read(string folder, bool serveHidden, Func<string, bool> isInsideRoot)
    {
        var entries = new List<Entry>();
        foreach (FileSystemInfo info in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (!serveHidden && info.Name.StartsWith('.')) continue;
            if (info.LinkTarget != null && !isInsideRoot(info.FullName)) continue;
            bool isFolder = info is DirectoryInfo;
            entries.Add(new Entry(info.Name, isFolder, isFolder ? 0 : ((FileInfo)info).Length, info.LastWriteTimeUtc));
        }
        entries.Sort(static (a, b) => a.IsFolder != b.IsFolder
            ? (a.IsFolder ? -1 : 1)
            : string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) is int c && c != 0 ? c : string.CompareOrdinal(a.Name, b.Name));
        return entries;
    }
}
