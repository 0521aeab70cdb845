using System;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.Tests.Support;

/// <summary>
/// A front handler of a test's own (the canned responses come on another branch): <see cref="OnLoop"/> answers
/// from memory and returns true for the requests it takes; <see cref="OffLoop"/>, when set, claims the rest for a
/// work thread (opening files, waiting). Requests neither takes go on to the files.
/// </summary>
internal sealed class ScriptedFrontHandler : IFrontHandler
{
    public Func<HttpRequest, HttpResponse, bool> OnLoop { get; init; } = static (_, _) => false;

    /// <summary>Returns false to pass the request on; runs on a work thread.</summary>
    public Func<HttpRequest, bool>? ClaimOffLoop { get; init; }

    public Func<HttpRequest, HttpResponse, CancellationToken, ValueTask>? OffLoop { get; init; }

    public FrontDecision Decide(HttpRequest request, HttpResponse response)
    {
        if (OnLoop(request, response)) return FrontDecision.Handled;
        return ClaimOffLoop is not null && ClaimOffLoop(request) ? FrontDecision.OffLoop : FrontDecision.Pass;
    }

    public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel) => OffLoop!(request, response, cancel);

    /// <summary>The request's path as text.</summary>
    public static string PathOf(HttpRequest request) =>
        System.Text.Encoding.Latin1.GetString(request.Value(request.Head.Path));
}
