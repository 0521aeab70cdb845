using System;
using System.Collections.Generic;
using System.IO;
using PSWebServer.Http;

namespace PSWebServer.TestResponses;

/// <summary>
/// The checks a canned response passes before it can reach the wire. Whoever adds one (the cmdlet, a test, a script
/// calling the engine) gets an <see cref="ArgumentException"/> whose ParamName is the definition's property, so a
/// header with a line break can never split a response and a field the server frames with can never be faked.
/// </summary>
internal static class CannedResponseValidation
{
    /// <summary>Fields the server writes itself on every response (framing, connection management, Date, Server).</summary>
    private static readonly HashSet<string> ServerOwned = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer", "TE", "Date", "Server",
    };

    public static void Check(CannedResponseDefinition definition)
    {
        CheckPath(definition.Path);
        foreach (string method in definition.Methods)
        {
            if (string.IsNullOrEmpty(method) || !IsToken(method))
                throw new ArgumentException($"'{method}' is not an HTTP method: a method is letters, digits and !#$%&'*+-.^_`|~ only.", nameof(definition.Methods));
        }
        if (definition.StatusCode is < 200 or > 599)
            throw new ArgumentException($"The status code {definition.StatusCode} cannot be canned: give a final status from 200 to 599.", nameof(definition.StatusCode));
        if (definition.Body is not null && definition.BodyFile is not null)
            throw new ArgumentException("A canned response has one body: give Body or BodyFile, not both.", nameof(definition.BodyFile));
        if (definition.BodyFile is string file && (!Path.IsPathFullyQualified(file) || !File.Exists(file)))
            throw new ArgumentException($"BodyFile must be the full path of an existing file; '{file}' is not.", nameof(definition.BodyFile));
        if (definition.ContentType is string type) CheckValue("Content-Type", type, nameof(definition.ContentType));
        bool typeInHeaders = false;
        foreach (KeyValuePair<string, string> header in definition.Headers)
        {
            CheckHeader(header.Key, header.Value, nameof(definition.Headers));
            if (!string.Equals(header.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)) continue;
            if (definition.ContentType is not null || typeInHeaders)
                throw new ArgumentException("Content-Type is given twice (as ContentType and in Headers, or twice in Headers); give it once.", nameof(definition.Headers));
            typeInHeaders = true;
        }
        if (definition.Times is < 1)
            throw new ArgumentException($"Times must be at least 1 (it is {definition.Times}); leave it out for no limit.", nameof(definition.Times));
        if (definition.Delay < TimeSpan.Zero || definition.Delay.TotalMilliseconds > int.MaxValue)
            throw new ArgumentException("Delay must be from zero to about 24 days.", nameof(definition.Delay));
        if (definition.BytesPerSecond < 0)
            throw new ArgumentException("BytesPerSecond must be positive, or 0 for no throttle.", nameof(definition.BytesPerSecond));
        if (!Enum.IsDefined(definition.Fault))
            throw new ArgumentException($"'{definition.Fault}' is not a fault kind.", nameof(definition.Fault));
        if (definition.Fault == CannedFault.CloseMidBody && definition.BodyFile is null && (definition.Body is null || definition.Body.Length < 2))
            throw new ArgumentException("CloseMidBody cuts the body short, so it needs a body of at least 2 bytes to cut.", nameof(definition.Fault));
        foreach (KeyValuePair<string, string> pair in definition.Query)
        {
            if (string.IsNullOrEmpty(pair.Key))
                throw new ArgumentException("A query condition needs a parameter name.", nameof(definition.Query));
            if (pair.Value is null)
                throw new ArgumentException($"The query condition '{pair.Key}' needs a value pattern ('*' for any value).", nameof(definition.Query));
        }
        foreach (KeyValuePair<string, string> pair in definition.RequestHeaders)
        {
            if (string.IsNullOrEmpty(pair.Key) || !IsToken(pair.Key))
                throw new ArgumentException($"'{pair.Key}' is not an HTTP header name.", nameof(definition.RequestHeaders));
            if (pair.Value is null)
                throw new ArgumentException($"The header condition '{pair.Key}' needs a value pattern ('*' for any value).", nameof(definition.RequestHeaders));
        }
        if (definition.BodyContains is { Length: 0 })
            throw new ArgumentException("BodyContains is empty: leave it out to match any body.", nameof(definition.BodyContains));
    }

    private static void CheckPath(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A canned response needs a path, such as '/api/items' or '/api/*'.", nameof(CannedResponseDefinition.Path));
        if (path[0] != '/' && path[0] != '*')
            throw new ArgumentException($"The path '{path}' must begin with '/' (or be a wildcard beginning with '*'): request paths do.", nameof(CannedResponseDefinition.Path));
        if (path.IndexOf('?') > 0 && path.IndexOf('=') > path.IndexOf('?'))
            throw new ArgumentException($"The path '{path}' looks like it holds a query; '?' matches one character in a path. Match the query with Query instead.", nameof(CannedResponseDefinition.Path));
    }

    /// <summary>A header a canned response may send: a token name, a one-line value, not one the server owns.</summary>
    public static void CheckHeader(string name, string value, string parameter)
    {
        if (string.IsNullOrEmpty(name) || !IsToken(name))
            throw new ArgumentException($"'{name}' is not an HTTP header name: a name is letters, digits and !#$%&'*+-.^_`|~ only.", parameter);
        if (ServerOwned.Contains(name))
            throw new ArgumentException($"'{name}' is set by the server itself (it frames the response or manages the connection) and cannot be canned.", parameter);
        CheckValue(name, value, parameter);
    }

    private static void CheckValue(string name, string? value, string parameter)
    {
        if (value is null) throw new ArgumentException($"The header '{name}' needs a value.", parameter);
        foreach (char c in value)
        {
            if (c is '\r' or '\n' or '\0')
                throw new ArgumentException($"The value of header '{name}' contains a line break or NUL, which would split the response.", parameter);
            if ((c < 0x20 && c != '\t') || c == 0x7F)
                throw new ArgumentException($"The value of header '{name}' contains a control character.", parameter);
            if (c > 0xFF)
                throw new ArgumentException($"The value of header '{name}' contains '{c}', which is not a Latin-1 character; encode it (RFC 8187, or percent-encoding).", parameter);
        }
    }

    private static bool IsToken(string text)
    {
        foreach (char c in text)
        {
            if (c > 127 || !HttpCharacters.IsTokenChar((byte)c)) return false;
        }
        return true;
    }
}
