using System;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.StaticFiles;

namespace PSWebServer.LiveReload;

/// <summary>
/// Live reload's reserved paths, before the files: the client script (from memory, on the loop, with its ETag and
/// 304s), the event stream (claimed for a work thread, then a <see cref="EventStreamWriter"/> of unknown length), and
/// 404 for anything else under the prefix. Every other request passes after one prefix comparison.
/// </summary>
internal sealed class LiveReloadHandler : IFrontHandler
{
    private static readonly HeaderBlock StreamHeaders = new HeaderBlockBuilder()
        .Add("Content-Type"u8, "text/event-stream; charset=utf-8")
        .Add("Cache-Control"u8, "no-cache")
        .Build();
    private static readonly HeaderBlock AllowGetHead = new HeaderBlockBuilder().Add("Allow"u8, "GET, HEAD").Build();

    private readonly LiveReloadHub _hub;
    private readonly TimeSpan _heartbeat;
    private readonly HeaderBlock _extraHeaders;

    /// <param name="extraHeaders">The user's -Header fields: "every response" includes these.</param>
    public LiveReloadHandler(LiveReloadHub hub, TimeSpan heartbeat, HeaderBlock? extraHeaders = null)
    {
        _hub = hub;
        _heartbeat = heartbeat;
        _extraHeaders = extraHeaders ?? HeaderBlock.Empty;
    }

    /// <summary>The reserved paths take no bodies (a POST to them is 405): a client waiting for 100 Continue is not asked for one.</summary>
    public bool WantsBody(HttpRequest request) => false;

    public FrontDecision Decide(HttpRequest request, HttpResponse response)
    {
        ReadOnlySpan<byte> path = request.Value(request.Head.Path);
        if (!path.StartsWith(LiveReloadPaths.PrefixBytes)) return FrontDecision.Pass;

        bool script = path.SequenceEqual(LiveReloadPaths.ScriptBytes);
        bool events = !script && path.SequenceEqual(LiveReloadPaths.EventsBytes);
        if (!script && !events)
        {
            StatusPages.Fill(response, 404);
        }
        else if (request.Method is not (HttpMethod.Get or HttpMethod.Head))
        {
            StatusPages.Fill(response, 405);
            response.AddBlock(AllowGetHead);
        }
        else if (script)
        {
            Script(request, response);
        }
        else if (request.Method == HttpMethod.Head)
        {
            StreamHead(response);
        }
        else
        {
            return FrontDecision.OffLoop;
        }
        response.AddBlock(_extraHeaders);
        return FrontDecision.Handled;
    }

    public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel)
    {
        StreamHead(response);
        response.AddBlock(_extraHeaders);
        response.Body = BodyKind.Stream;
        response.Writer = new EventStreamWriter(_hub, _heartbeat);
        return default;
    }

    /// <summary>
    /// A stream is the last response of its connection: it ends only when the server stops or the page goes, and a
    /// closed connection is what tells EventSource to reconnect.
    /// </summary>
    private static void StreamHead(HttpResponse response)
    {
        response.StatusCode = 200;
        response.AddBlock(StreamHeaders);
        response.ContentLength = -1;
        response.Close = true;
    }

    private static void Script(HttpRequest request, HttpResponse response)
    {
        HttpRequestHead head = request.Head;
        if (head.IfNoneMatch.IsPresent && EntityTag.ListMatches(request.Value(head.IfNoneMatch), LiveReloadScript.EntityTag, weak: true))
        {
            response.StatusCode = 304;
            response.AddBlock(LiveReloadScript.Validators);
            return;
        }
        response.StatusCode = 200;
        response.AddBlock(LiveReloadScript.Headers);
        response.ContentLength = LiveReloadScript.Body.Length;
        if (request.Method == HttpMethod.Get) response.SetBytes(LiveReloadScript.Body);
    }
}
