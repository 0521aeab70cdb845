using System;
using System.Threading.Tasks;
using PSWebServer.Connections;
using PSWebServer.Http;
using PSWebServer.StaticFiles;
using PSWebServer.Transport;

namespace PSWebServer.Tests.Support;

/// <summary>
/// The pieces a server gives a connection — handler over a temp site, manager with a test clock, log, counters —
/// and a way to open connections over in-memory transports.
/// </summary>
internal sealed class ConnectionHarness : IDisposable
{
    public const string TextA = "Hello A";
    public const int BigLength = 300 * 1024; // above the cache's per-file limit: served by SendFileAsync

    private readonly TempFolder _site = new();

    public ConnectionHarness(ServerLimits? limits = null)
    {
        Limits = limits ?? new ServerLimits();
        _site.File("a.txt", TextA);
        _site.File("sub/index.html", "<p>sub</p>");
        byte[] big = new byte[BigLength];
        new Random(7).NextBytes(big);
        Big = big;
        System.IO.File.WriteAllBytes(System.IO.Path.Combine(_site.Path, "big.bin"), big);
        var options = new StaticServerOptions { Root = _site.Path, Limits = Limits };
        Handler = new StaticFileHandler(_site.Path, options, Clock);
        Manager = new ConnectionManager(Limits, Clock);
    }

    public ServerLimits Limits { get; }
    public TempFolder Site => _site;
    public ManualTimeProvider Clock { get; } = new();
    public ConnectionManager Manager { get; }
    public StaticFileHandler Handler { get; }
    public RequestLog Log { get; } = new(100, "t");
    public ServerStatistics Statistics { get; } = new();
    public byte[] Big { get; }

    public (MemoryTransport Transport, Task Loop) Open() => Open(Handler);

    /// <summary>A connection answered by <paramref name="handler"/> instead of the site's file handler.</summary>
    public (MemoryTransport Transport, Task Loop) Open(IRequestHandler handler)
    {
        var transport = new MemoryTransport();
        if (!Manager.TryReserve()) throw new InvalidOperationException("The manager refused a connection.");
        var connection = new Http1Connection(transport, handler, Manager, Log, Statistics, Limits);
        return (transport, connection.Start());
    }

    /// <summary>Moves the clock and runs the heartbeat's deadline check once.</summary>
    public void AdvanceAndCheck(TimeSpan by)
    {
        Clock.Advance(by);
        Manager.CheckTimeouts();
    }

    public void Dispose()
    {
        Manager.Drain(TimeSpan.Zero);
        _site.Dispose();
    }
}
