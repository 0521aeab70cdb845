using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Http;

/// <summary>
/// Turns a request into an <see cref="HttpResponse"/> (data, never wire bytes). Two entry points, because event-loop
/// threads must never block: <see cref="TryHandle"/> runs on the connection's loop thread and answers only what needs
/// no disk, no wait and no long computation (a fresh cache hit, a 405); when it returns false the connection calls
/// <see cref="HandleAsync"/> on a work thread (<see cref="BlockingWorkPool"/>), where opening files, compressing, listing and waiting are allowed,
/// and resumes on its loop with the next network operation.
/// </summary>
internal interface IRequestHandler
{
    /// <summary>On a loop thread: fills <paramref name="response"/> and returns true, or touches nothing and returns false.</summary>
    bool TryHandle(HttpRequest request, HttpResponse response);

    /// <summary>Off the loop, on a work thread: fills <paramref name="response"/>; may block on disk or await.</summary>
    /// <param name="cancel">Cancelled when the connection is aborted.</param>
    ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel);

    /// <summary>
    /// On a loop thread, from the head alone (<see cref="HttpRequest.Body"/> is still empty): whether a handler may take
    /// this request's body. A client that sent <c>Expect: 100-continue</c> is asked for its body only when this is true;
    /// otherwise it gets its final answer (a 405 from the files) at once and never uploads. Files never take bodies.
    /// </summary>
    bool WantsBody(HttpRequest request) => false;
}
