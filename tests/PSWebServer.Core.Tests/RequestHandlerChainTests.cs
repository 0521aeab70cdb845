using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

public sealed class RequestHandlerChainTests
{
    private sealed class Front : IFrontHandler
    {
        private readonly FrontDecision _decision;
        private readonly int _status;
        private readonly List<string> _calls;
        private readonly string _name;

        public Front(string name, FrontDecision decision, int status, List<string> calls)
        {
            _name = name;
            _decision = decision;
            _status = status;
            _calls = calls;
        }

        public FrontDecision Decide(HttpRequest request, HttpResponse response)
        {
            _calls.Add(_name + ".Decide");
            if (_decision == FrontDecision.Handled) response.StatusCode = _status;
            return _decision;
        }

        public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel)
        {
            _calls.Add(_name + ".HandleAsync");
            response.StatusCode = _status;
            return default;
        }
    }

    private sealed class Last : IRequestHandler
    {
        private readonly bool _onLoop;
        private readonly List<string> _calls;

        public Last(bool onLoop, List<string> calls)
        {
            _onLoop = onLoop;
            _calls = calls;
        }

        public bool TryHandle(HttpRequest request, HttpResponse response)
        {
            _calls.Add("last.TryHandle");
            if (_onLoop) response.StatusCode = 200;
            return _onLoop;
        }

        public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel)
        {
            _calls.Add("last.HandleAsync");
            response.StatusCode = 201;
            return default;
        }
    }

    private static HttpRequest NewRequest() => new(new HttpRequestHead());

    [Fact]
    public void Passing_Fronts_LeaveTheRequestToTheLastHandler()
    {
        var calls = new List<string>();
        var chain = new RequestHandlerChain(new IFrontHandler[] { new Front("a", FrontDecision.Pass, 0, calls) }, new Last(true, calls));
        using var response = new HttpResponse();

        Assert.True(chain.TryHandle(NewRequest(), response));
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(new[] { "a.Decide", "last.TryHandle" }, calls);
    }

    [Fact]
    public void AFront_ThatHandles_StopsTheChain_OnTheLoop()
    {
        var calls = new List<string>();
        var chain = new RequestHandlerChain(
            new IFrontHandler[] { new Front("a", FrontDecision.Handled, 418, calls), new Front("b", FrontDecision.Handled, 500, calls) },
            new Last(true, calls));
        using var response = new HttpResponse();

        Assert.True(chain.TryHandle(NewRequest(), response));
        Assert.Equal(418, response.StatusCode);
        Assert.Equal(new[] { "a.Decide" }, calls);
    }

    [Fact]
    public async Task AFront_ThatClaimsOffLoop_IsTheOneWhoseHandleAsyncRuns()
    {
        var calls = new List<string>();
        var chain = new RequestHandlerChain(
            new IFrontHandler[] { new Front("a", FrontDecision.Pass, 0, calls), new Front("b", FrontDecision.OffLoop, 503, calls) },
            new Last(true, calls));
        HttpRequest request = NewRequest();
        using var response = new HttpResponse();

        Assert.False(chain.TryHandle(request, response));
        await chain.HandleAsync(request, response, CancellationToken.None);
        Assert.Equal(503, response.StatusCode);
        Assert.Equal(new[] { "a.Decide", "b.Decide", "b.HandleAsync" }, calls);
    }

    [Fact]
    public async Task WhenTheLastHandlerNeedsThePool_ItsHandleAsyncRuns_EvenAfterAnEarlierOffLoopClaim()
    {
        var calls = new List<string>();
        var claiming = new Front("a", FrontDecision.OffLoop, 503, calls);
        var chain = new RequestHandlerChain(new IFrontHandler[] { new Front("p", FrontDecision.Pass, 0, calls) }, new Last(false, calls));
        HttpRequest request = NewRequest();
        request.Route = claiming; // left over from the connection's previous request
        using var response = new HttpResponse();

        Assert.False(chain.TryHandle(request, response));
        await chain.HandleAsync(request, response, CancellationToken.None);
        Assert.Equal(201, response.StatusCode);
        Assert.Equal(new[] { "p.Decide", "last.TryHandle", "last.HandleAsync" }, calls);
    }

    private sealed class BodyTaker : IFrontHandler
    {
        private readonly bool _wants;
        public BodyTaker(bool wants) => _wants = wants;
        public FrontDecision Decide(HttpRequest request, HttpResponse response) => FrontDecision.Pass;
        public ValueTask HandleAsync(HttpRequest request, HttpResponse response, CancellationToken cancel) => default;
        public bool WantsBody(HttpRequest request) => _wants;
    }

    [Fact]
    public void WantsBody_IsTrue_OnlyWhenSomeFrontHandlerTakesBodies_TheFilesNever()
    {
        var calls = new List<string>();
        IRequestHandler files = new Last(true, calls);
        Assert.False(files.WantsBody(NewRequest()));
        Assert.False(new RequestHandlerChain(new IFrontHandler[] { new BodyTaker(false) }, files).WantsBody(NewRequest()));
        Assert.True(new RequestHandlerChain(new IFrontHandler[] { new BodyTaker(false), new BodyTaker(true) }, files).WantsBody(NewRequest()));
        Assert.True(new RequestHandlerChain(new IFrontHandler[] { new Front("a", FrontDecision.Pass, 0, calls) }, files).WantsBody(NewRequest()));
    }
}
