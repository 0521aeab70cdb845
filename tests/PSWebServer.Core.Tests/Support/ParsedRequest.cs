using System;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.Tests.Support;

/// <summary>A request head run through the real parser, for tests of code that takes a parsed head.</summary>
internal sealed class ParsedRequest
{
    private ParsedRequest(byte[] bytes, HttpRequestHead head, ParseStatus status, int consumed, RequestRejectionReason reason)
    {
        Bytes = bytes;
        Head = head;
        Status = status;
        Consumed = consumed;
        Reason = reason;
    }

    public byte[] Bytes { get; }
    public HttpRequestHead Head { get; }
    public ParseStatus Status { get; }
    public int Consumed { get; }
    public RequestRejectionReason Reason { get; }

    public static ParsedRequest Parse(string raw, ServerLimits? limits = null) => Parse(Encoding.Latin1.GetBytes(raw), limits);

    public static ParsedRequest Parse(byte[] bytes, ServerLimits? limits = null)
    {
        var parser = new HttpRequestParser(limits ?? new ServerLimits());
        var head = new HttpRequestHead();
        var cursor = default(HttpRequestParser.Cursor);
        ParseStatus status = parser.TryParse(bytes, ref cursor, head, out int consumed, out RequestRejectionReason reason);
        return new ParsedRequest(bytes, head, status, consumed, reason);
    }

    public string Text(HeaderSegment segment) => Encoding.Latin1.GetString(segment.Of(Bytes));

    /// <summary>A request with the given extra header lines, parsed; fails loudly when the parser refuses it.</summary>
    public static ParsedRequest Get(params string[] headerLines)
    {
        var text = new StringBuilder("GET /f.txt HTTP/1.1\r\nHost: t\r\n");
        foreach (string line in headerLines) text.Append(line).Append("\r\n");
        ParsedRequest parsed = Parse(text.Append("\r\n").ToString());
        if (parsed.Status != ParseStatus.Complete) throw new InvalidOperationException("Test request did not parse: " + parsed.Reason);
        return parsed;
    }
}
