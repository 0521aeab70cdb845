using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Http;

/// <summary>
/// A handler tried before the file handler (canned test responses, live reload's reserved paths): it answers the
/// requests that are its own and passes the rest on. Same thread rules as <see cref="IRequestHandler"/>:
/// <see cref="Decide"/> runs on a loop thread and answers from memory only; <see cref="HandleAsync"/> runs on a work
/// thread for the requests it claimed with <see cref="FrontDecision.OffLoop"/>.
/// </summary>
internal interface IFrontHandler
{
    /// <summary>On a loop thread. Fills <paramref name="response"/> only when it returns <see cref="FrontDecision.Handled"/>.</summary>
    FrontDecision Decide(HttpRequest request, HttpResponse response);

    /// <summary>Off the loop: answers a request <see cref="Decide"/> claimed with <see cref="FrontDecision.OffLoop"/>.</summary>
    ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel);

    /// <summary>
    /// From the head alone: whether this handler may answer the request once its body is read (see
    /// <see cref="IRequestHandler.WantsBody"/>). True unless the handler knows better, so a body is never refused by mistake.
    /// </summary>
    bool WantsBody(HttpRequest request) => true;
}

/// <summary>What a front handler made of a request.</summary>
internal enum FrontDecision
{
    /// <summary>Not this handler's: try the next one.</summary>
    Pass,
    /// <summary>Answered on the loop; the response is filled.</summary>
    Handled,
    /// <summary>This handler's, but it needs time (a delay, a stream): run its HandleAsync on a work thread.</summary>
    OffLoop,
}
