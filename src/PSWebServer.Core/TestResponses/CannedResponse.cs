using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using PSWebServer.Http;
using PSWebServer.StaticFiles;

namespace PSWebServer.TestResponses;

/// <summary>
/// One canned response in a server's <see cref="CannedResponseTable"/>: what it matches, what it answers, and how many
/// uses it has left. Checked and prebuilt once, when added (the head's fields are one shared <see cref="HeaderBlock"/>),
/// so matching and answering on the loop allocate nothing. Read-only to callers except through the table; the use count
/// is taken atomically, so two requests racing for the last use never both get it.
/// </summary>
public sealed class CannedResponse
{
    private readonly ByteWildcard _path;
    private readonly byte[][] _methods; // upper case as sent on the wire; empty for every method
    private readonly bool _answersHead;
    private readonly QueryCondition[] _query;
    private readonly HeaderCondition[] _headers;
    private readonly byte[]? _bodyContains;
    private readonly byte[] _body;
    private int _usesLeft; // -1: unlimited
    private long _answered;

    private CannedResponse(CannedResponseDefinition definition, int id, int serverId, string serverName)
    {
        Id = id;
        ServerId = serverId;
        ServerName = serverName;
        Path = definition.Path;
        _path = new ByteWildcard(definition.Path);
        Method = definition.Methods.Select(method => method.ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        _methods = Method.Select(Encoding.ASCII.GetBytes).ToArray();
        _answersHead = Method.Contains("GET", StringComparer.Ordinal);
        StatusCode = definition.StatusCode;
        Fault = definition.Fault;
        Delay = definition.Delay;
        BytesPerSecond = definition.BytesPerSecond;
        Times = definition.Times;
        _usesLeft = definition.Times ?? -1;
        BodyFile = definition.BodyFile;
        _body = definition.BodyFile is null ? definition.Body ?? Array.Empty<byte>() : Array.Empty<byte>();
        BodyLength = BodyFile is null ? _body.Length : new FileInfo(BodyFile).Length;

        var fields = new List<KeyValuePair<string, string>>();
        string? contentType = definition.ContentType;
        foreach (KeyValuePair<string, string> header in definition.Headers)
        {
            if (string.Equals(header.Key, "Content-Type", StringComparison.OrdinalIgnoreCase)) contentType = header.Value.Trim();
            else fields.Add(new(header.Key, header.Value.Trim()));
        }
        contentType ??= BodyFile is not null ? ContentTypeMap.For(BodyFile) : _body.Length > 0 ? ContentTypeMap.Default : null;
        ContentType = contentType;
        Headers = fields.Select(field => field.Key + ": " + field.Value).ToArray();
        if (contentType is not null) fields.Insert(0, new("Content-Type", contentType));
        Block = HeaderBlock.From(fields);

        _query = definition.Query.Select(pair => new QueryCondition(pair.Key, pair.Value)).ToArray();
        Query = _query.Select(condition => condition.ToString()).ToArray();
        _headers = definition.RequestHeaders.Select(pair => new HeaderCondition(pair.Key, pair.Value)).ToArray();
        RequestHeaders = _headers.Select(condition => condition.ToString()).ToArray();
        BodyContains = definition.BodyContains;
        _bodyContains = BodyContains is null ? null : Encoding.UTF8.GetBytes(BodyContains);

        Description = definition.Description ?? DefaultDescription();
        NeedsTime = Delay > TimeSpan.Zero || BytesPerSecond > 0 || BodyFile is not null;
        if (BytesPerSecond > 0 && BodyFile is null) Throttled = new ThrottledBodyWriter(_body, BytesPerSecond);
    }

    /// <summary>Checks <paramref name="definition"/> and builds the response; throws <see cref="ArgumentException"/> naming the property at fault.</summary>
    internal static CannedResponse Create(CannedResponseDefinition definition, int id, int serverId, string serverName)
    {
        ArgumentNullException.ThrowIfNull(definition);
        CannedResponseValidation.Check(definition);
        return new CannedResponse(definition, id, serverId, serverName);
    }

    /// <summary>Its number in its server's table, from 1, never reused there.</summary>
    public int Id { get; }
    /// <summary>The Id of the server it belongs to.</summary>
    public int ServerId { get; }
    public string ServerName { get; }
    /// <summary>The path or wildcard it answers.</summary>
    public string Path { get; }
    /// <summary>The methods it answers, upper case; empty for every method.</summary>
    public string[] Method { get; }
    public int StatusCode { get; }
    /// <summary>The Content-Type sent, or null when there is none.</summary>
    public string? ContentType { get; }
    /// <summary>The other header fields sent, as "Name: value" lines.</summary>
    public string[] Headers { get; }
    /// <summary>The body's length in bytes (for a file, when it was added).</summary>
    public long BodyLength { get; }
    /// <summary>The file read for each answer, or null for a body in memory.</summary>
    public string? BodyFile { get; }
    /// <summary>How many answers it was given when added; null for no limit.</summary>
    public int? Times { get; }
    /// <summary>How many answers it has left; null for no limit, 0 once used up.</summary>
    public int? UsesLeft => Volatile.Read(ref _usesLeft) is int left && left >= 0 ? left : null;
    /// <summary>How many requests it has answered.</summary>
    public long AnswerCount => Interlocked.Read(ref _answered);
    public TimeSpan Delay { get; }
    /// <summary>The throttle of its body, bytes a second; 0 for none.</summary>
    public long BytesPerSecond { get; }
    public CannedFault Fault { get; }
    /// <summary>Query conditions, as "name=pattern".</summary>
    public string[] Query { get; }
    /// <summary>Request header conditions, as "Name: pattern".</summary>
    public string[] RequestHeaders { get; }
    /// <summary>Text the request body must contain, or null.</summary>
    public string? BodyContains { get; }
    /// <summary>What the request log says answered (ServerRequest.AnsweredBy).</summary>
    public string Description { get; }

    /// <summary>The Content-Type and user fields, built once.</summary>
    internal HeaderBlock Block { get; }

    internal ReadOnlyMemory<byte> Body => _body;

    /// <summary>A delay, a throttle or a file: answered off the loop.</summary>
    internal bool NeedsTime { get; }

    /// <summary>The throttled writer of a body in memory: it keeps no per-request state, so one serves every request.</summary>
    internal ThrottledBodyWriter? Throttled { get; }

    internal ResponseFault EngineFault => Fault switch
    {
        CannedFault.Reset => ResponseFault.Reset,
        CannedFault.CloseWithoutResponse => ResponseFault.CloseWithoutResponse,
        CannedFault.CloseMidBody => ResponseFault.CloseMidBody,
        CannedFault.MalformedStatusLine => ResponseFault.MalformedStatusLine,
        _ => ResponseFault.None,
    };

    /// <summary>Whether the request is one this response answers (uses left are not looked at). On the loop: no allocation.</summary>
    /// <param name="headOnly">Judge the head alone (the body has not been read yet): a body condition counts as met.</param>
    internal bool Matches(HttpRequest request, ReadOnlySpan<byte> decodedPath, bool headOnly = false)
    {
        if (_methods.Length > 0 && !MethodMatches(request)) return false;
        if (!_path.IsMatch(decodedPath)) return false;
        if (_query.Length > 0)
        {
            ReadOnlySpan<byte> target = request.Value(request.Head.Target);
            int mark = target.IndexOf((byte)'?');
            ReadOnlySpan<byte> query = mark < 0 ? default : target.Slice(mark + 1);
            foreach (QueryCondition condition in _query)
            {
                if (!condition.IsMatch(query)) return false;
            }
        }
        foreach (HeaderCondition condition in _headers)
        {
            if (!condition.IsMatch(request)) return false;
        }
        return _bodyContains is null || headOnly || request.Body.Span.IndexOf(_bodyContains) >= 0;
    }

    private bool MethodMatches(HttpRequest request)
    {
        if (_answersHead && request.Method == Http.HttpMethod.Head) return true;
        ReadOnlySpan<byte> method = request.Value(request.Head.MethodText);
        foreach (byte[] candidate in _methods)
        {
            if (method.SequenceEqual(candidate)) return true;
        }
        return false;
    }

    /// <summary>Takes one use: false when none is left (another request took the last one).</summary>
    internal bool TryTake()
    {
        while (true)
        {
            int left = Volatile.Read(ref _usesLeft);
            if (left == 0) return false;
            if (left < 0 || Interlocked.CompareExchange(ref _usesLeft, left - 1, left) == left)
            {
                Interlocked.Increment(ref _answered);
                return true;
            }
        }
    }

    internal bool IsUsedUp => Volatile.Read(ref _usesLeft) == 0;

    private string DefaultDescription()
    {
        string methods = Method.Length == 0 ? "*" : string.Join(",", Method);
        return "#" + Id.ToString(CultureInfo.InvariantCulture) + " " + methods + " " + Path + " " + StatusCode.ToString(CultureInfo.InvariantCulture)
            + (Fault == CannedFault.None ? "" : " " + Fault);
    }

    public override string ToString() => Description;
}
