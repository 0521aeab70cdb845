using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.TestResponses;

/// <summary>
/// The front handler of canned responses: tried before the files, it answers a request with the first response in the
/// table that matches it and has a use left, and passes the rest on (files, 404, 405 as without it). A response held in
/// memory is answered on the loop; one with a delay, a throttle or a file body is claimed for <see cref="HandleAsync"/>,
/// which awaits (never blocks) and then answers.
/// </summary>
internal sealed class CannedResponseHandler : IFrontHandler
{
    private const int StackPathBytes = 512;

    private readonly CannedResponseTable _table;

    public CannedResponseHandler(CannedResponseTable table)
    {
        _table = table;
    }

    public FrontDecision Decide(HttpRequest request, HttpResponse response)
    {
        CannedResponse[] items = _table.Items;
        if (items.Length == 0) return FrontDecision.Pass;

        Span<byte> scratch = stackalloc byte[StackPathBytes];
        ReadOnlySpan<byte> path = DecodedPath(request, scratch);
        foreach (CannedResponse item in items)
        {
            if (item.IsUsedUp || !item.Matches(request, path) || !item.TryTake()) continue;
            if (item.NeedsTime)
            {
                // Remembered for HandleAsync: the use is already counted, so matching again there could pick another one.
                request.RouteState = item;
                return FrontDecision.OffLoop;
            }
            Answer(item, response);
            response.SetBytes(item.Body);
            NoBodyFor(item, response);
            return FrontDecision.Handled;
        }
        return FrontDecision.Pass;
    }

    /// <summary>
    /// A client waiting for 100 Continue is asked for its body only when a response with a use left matches the head
    /// (path, method, query, headers; a body condition cannot be judged yet and counts as met).
    /// </summary>
    public bool WantsBody(HttpRequest request)
    {
        CannedResponse[] items = _table.Items;
        if (items.Length == 0) return false;
        Span<byte> scratch = stackalloc byte[StackPathBytes];
        ReadOnlySpan<byte> path = DecodedPath(request, scratch);
        foreach (CannedResponse item in items)
        {
            if (!item.IsUsedUp && item.Matches(request, path, headOnly: true)) return true;
        }
        return false;
    }

    /// <summary>The request path percent-decoded (into <paramref name="scratch"/> when it fits); a malformed escape is matched as sent.</summary>
    private static ReadOnlySpan<byte> DecodedPath(HttpRequest request, Span<byte> scratch)
    {
        ReadOnlySpan<byte> raw = request.Value(request.Head.Path);
        if (raw.IndexOf((byte)'%') < 0) return raw;
        Span<byte> decoded = raw.Length <= scratch.Length ? scratch : new byte[raw.Length];
        int length = PercentDecoding.Decode(raw, decoded);
        return length >= 0 ? decoded.Slice(0, length) : raw;
    }

    public async ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel)
    {
        CannedResponse? item = request.RouteState as CannedResponse;
        request.RouteState = null;
        if (item is null) throw new InvalidOperationException("A canned response was claimed but not remembered.");

        // Opened here, on the work thread, before any await: after the delay the code runs on the .NET thread pool.
        FileStream? file = item.BodyFile is null ? null : OpenBody(item.BodyFile);
        try
        {
            if (item.Delay > TimeSpan.Zero) await Task.Delay(item.Delay, cancel).ConfigureAwait(false);
        }
        catch
        {
            file?.Dispose();
            throw;
        }

        Answer(item, response);
        if (file is not null)
        {
            if (item.BytesPerSecond > 0)
            {
                // The response owns the file (its Reset disposes it once the body is sent); the writer only reads it.
                response.File = file;
                SetStream(response, new ThrottledBodyWriter(file.SafeFileHandle, file.Length, item.BytesPerSecond), file.Length);
            }
            else
            {
                response.SetFile(file, 0, file.Length);
            }
        }
        else if (item.Throttled is ThrottledBodyWriter writer)
        {
            SetStream(response, writer, writer.Length);
        }
        else
        {
            response.SetBytes(item.Body);
        }
        NoBodyFor(item, response);
    }

    private static void Answer(CannedResponse item, HttpResponse response)
    {
        response.StatusCode = item.StatusCode;
        response.AddBlock(item.Block);
        response.Fault = item.EngineFault;
        response.AnsweredBy = item.Description;
    }

    private static void SetStream(HttpResponse response, IResponseBodyWriter writer, long length)
    {
        response.Body = BodyKind.Stream;
        response.Writer = writer;
        response.ContentLength = length;
    }

    /// <summary>A 304 has no body and its Content-Length would describe another response's: send neither.</summary>
    private static void NoBodyFor(CannedResponse item, HttpResponse response)
    {
        if (item.StatusCode != 304) return;
        response.File?.Dispose();
        response.File = null;
        response.Writer = null;
        response.BodyBytes = default;
        response.Body = BodyKind.None;
        response.ContentLength = -1;
    }

    private static FileStream OpenBody(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.None);
}
