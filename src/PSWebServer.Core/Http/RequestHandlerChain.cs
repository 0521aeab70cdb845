using System;
using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Http;

/// <summary>
/// The server's handler as the connections see it: the front handlers in order, then the file handler. The
/// handler that claimed a request for off-loop work is remembered on the request (<see cref="HttpRequest.Route"/>),
/// so <see cref="HandleAsync"/> does not ask again. With no front handlers it costs one array-length check.
/// </summary>
internal sealed class RequestHandlerChain : IRequestHandler
{
    private readonly IFrontHandler[] _front;
    private readonly IRequestHandler _last;

    public RequestHandlerChain(IFrontHandler[] front, IRequestHandler last)
    {
        _front = front ?? Array.Empty<IFrontHandler>();
        _last = last;
    }

    public bool TryHandle(HttpRequest request, HttpResponse response)
    {
        request.Route = null;
        request.RouteState = null;
        foreach (IFrontHandler handler in _front)
        {
            switch (handler.Decide(request, response))
            {
                case FrontDecision.Handled:
                    return true;
                case FrontDecision.OffLoop:
                    request.Route = handler;
                    return false;
            }
        }
        return _last.TryHandle(request, response);
    }

    public bool WantsBody(HttpRequest request)
    {
        foreach (IFrontHandler handler in _front)
        {
            if (handler.WantsBody(request)) return true;
        }
        return _last.WantsBody(request);
    }

    public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel) =>
        request.Route is IFrontHandler front ? front.HandleAsync(request, response, cancel) : _last.HandleAsync(request, response, cancel);
}
