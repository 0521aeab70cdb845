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

    public void WriteAllowOrigin(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output)
    {
        if (!_enabled) return;
        // With a list, the answer depends on Origin: say so on every response, also those to requests without
        // one, or a shared cache could hand a response without the allow header to a cross-origin caller.
        if (!_anyOrigin) output.Write("Vary: Origin\r\n"u8);
        if (!request.Origin.IsPresent) return;
        if (_anyOrigin)
        {
            output.Write("Access-Control-Allow-Origin: *\r\n"u8);
        }
        else
        {
            ReadOnlySpan<byte> origin = request.Origin.Of(head);
            bool listed = false;
            foreach (byte[] allowed in _origins)
            {
                if (System.Text.Ascii.EqualsIgnoreCase(origin, allowed)) listed = true;
            }
            if (!listed) return;
            output.Write("Access-Control-Allow-Origin: "u8);
            output.Write(origin);
            output.Write("\r\n"u8);
        }
        output.Write("Access-Control-Expose-Headers: Content-Length, Content-Range, ETag, Last-Modified\r\n"u8);
    }

    /// <summary>A preflight (OPTIONS with Access-Control-Request-Method) learns the methods and headers it may use.</summary>
    public void WritePreflight(ReadOnlySpan<byte> head, HttpRequestHead request, ResponseBuffer output)
    {
        if (!_enabled || !request.Origin.IsPresent || !request.AccessControlRequestMethod.IsPresent) return;
        output.Write("Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"u8);
        ReadOnlySpan<byte> asked = request.AccessControlRequestHeaders.Of(head);
        if (!asked.IsEmpty && IsHeaderList(asked))
        {
            output.Write("Access-Control-Allow-Headers: "u8);
            output.Write(asked);
            output.Write("\r\n"u8);
        }
        output.Write("Access-Control-Max-Age: 86400\r\n"u8);
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
