using System;
using System.Collections.Generic;
using System.Linq;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>
/// Cross-origin access (the Fetch standard's CORS protocol): which origins may read responses, and the answer to
/// a preflight. Off unless origins are configured. "*" allows any origin; otherwise the request's Origin is
/// echoed only when listed, with "Vary: Origin" so caches keep the answers apart.
/// </summary>
internal sealed class CorsPolicy
{
    private readonly bool _enabled;
    private readonly bool _anyOrigin;
    private readonly byte[][] _origins;

    public CorsPolicy(IReadOnlyList<string> origins)
    {
        _enabled = origins.Count > 0;
        _anyOrigin = origins.Contains("*");
        _origins = origins.Where(o => o != "*").Select(o => System.Text.Encoding.ASCII.GetBytes(o.TrimEnd('/'))).ToArray();
    }

    private static readonly HeaderBlock VaryOrigin = new HeaderBlockBuilder().Add("Vary"u8, "Origin").Build();
    private static readonly HeaderBlock AnyOrigin = new HeaderBlockBuilder()
        .Add("Access-Control-Allow-Origin"u8, "*").Add("Access-Control-Expose-Headers"u8, ExposedHeaders).Build();
    private static readonly HeaderBlock PreflightFields = new HeaderBlockBuilder()
        .Add("Access-Control-Allow-Methods"u8, "GET, HEAD, OPTIONS").Add("Access-Control-Max-Age"u8, "86400").Build();
    private const string ExposedHeaders = "Content-Length, Content-Range, ETag, Last-Modified";

    public void AddAllowOrigin(HttpRequest request, HttpResponse response)
    {
        if (!_enabled) return;
        // With a list, the answer depends on Origin: say so on every response, also those to requests without
        // one, or a shared cache could hand a response without the allow header to a cross-origin caller.
        if (!_anyOrigin) response.AddBlock(VaryOrigin);
        if (!request.Head.Origin.IsPresent) return;
        if (_anyOrigin)
        {
            response.AddBlock(AnyOrigin);
            return;
        }
        ReadOnlySpan<byte> origin = request.Value(request.Head.Origin);
        bool listed = false;
        foreach (byte[] allowed in _origins)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(origin, allowed)) listed = true;
        }
        if (!listed) return;
        response.Headers.Add("Access-Control-Allow-Origin"u8, origin);
        response.Headers.Add("Access-Control-Expose-Headers"u8, ExposedHeaders);
    }

    /// <summary>A preflight (OPTIONS with Access-Control-Request-Method) learns the methods and headers it may use.</summary>
    public void AddPreflight(HttpRequest request, HttpResponse response)
    {
        HttpRequestHead head = request.Head;
        if (!_enabled || !head.Origin.IsPresent || !head.AccessControlRequestMethod.IsPresent) return;
        response.AddBlock(PreflightFields);
        ReadOnlySpan<byte> asked = request.Value(head.AccessControlRequestHeaders);
        if (!asked.IsEmpty && IsHeaderList(asked)) response.Headers.Add("Access-Control-Allow-Headers"u8, asked);
    }

    private static bool IsHeaderList(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (!HttpCharacters.IsTokenChar(b) && b != (byte)',' && b != (byte)' ') return false;
        }
        return true;
    }
}
