using System;
using System.Collections.Generic;
using System.Text;

namespace PSWebServer.Tests.Support;

/// <summary>One HTTP response as a test client read it.</summary>
internal sealed class TestResponse
{
    public TestResponse(int statusCode, string statusLine, Dictionary<string, string> headers, byte[] body)
    {
        StatusCode = statusCode;
        StatusLine = statusLine;
        Headers = headers;
        Body = body;
    }

    public int StatusCode { get; }
    public string StatusLine { get; }
    /// <summary>Header fields by name, ignoring case; a repeated field keeps its values joined by ", ".</summary>
    public Dictionary<string, string> Headers { get; }
    public byte[] Body { get; }
    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;

    public bool SaysClose => Header("Connection") is string value && value.Equals("close", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => StatusLine;
}
