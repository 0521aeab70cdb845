using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using PSWebServer.Transport;

namespace PSWebServer.Tests.Support;

/// <summary>A temp site and the servers a test starts on it; every server is stopped on dispose.</summary>
internal sealed class ServerScope : IDisposable
{
    public const string TextA = "Hello A";
    public const long BigLength = 50L * 1024 * 1024;

    private readonly TempFolder _site = new();
    private readonly List<StaticServer> _servers = new();

    public ServerScope()
    {
        _site.File("a.txt", TextA);
        _site.File("index.html", "<h1>home</h1>");
        _site.File("sub/index.html", "<p>sub</p>");
        _site.SizedFile("big.bin", BigLength);
    }

    public string Root => _site.Path;

    public TempFolder Site => _site;

    /// <summary>
    /// Starts a server on the site. <paramref name="engine"/> picks the connection engine: "epoll" (the default on
    /// Linux; where epoll cannot exist, Auto, which runs sockets) or "socket" (.NET's sockets, the engine everywhere
    /// else), through <see cref="StaticServerOptions.Engine"/>; the server must report the engine it was given.
    /// </summary>
    public StaticServer Start(ServerLimits? limits = null, int port = 0, TimeSpan? stopTimeout = null, string engine = "epoll",
        Http.IFrontHandler[]? front = null, PSWebServer.Tls.CertificateSource? certificate = null,
        ServerProtocol protocol = ServerProtocol.Auto)
    {
        ServerEngine asked = engine switch
        {
            "socket" => ServerEngine.Socket,
            "epoll" => EpollEngine.IsSupported ? ServerEngine.Epoll : ServerEngine.Auto,
            _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, "epoll or socket"),
        };
        StaticServerOptions options = Options(limits, port, stopTimeout, asked, front, protocol);
        StaticServer server = StaticServer.Start(certificate is null ? options : WithCertificate(options, certificate));
        _servers.Add(server);
        ServerEngine expected = asked == ServerEngine.Auto ? ServerEngine.Socket : asked;
        if (server.Engine != expected) throw new InvalidOperationException($"Asked for the {engine} engine, got {server.Engine}.");
        return server;
    }

    /// <summary>The options <see cref="Start"/> uses, for a test that starts the server itself (with faults injected).</summary>
    public StaticServerOptions Options(ServerLimits? limits = null, int port = 0, TimeSpan? stopTimeout = null, ServerEngine engine = ServerEngine.Auto,
        Http.IFrontHandler[]? front = null, ServerProtocol protocol = ServerProtocol.Auto) => new()
    {
        Root = _site.Path,
        Port = port,
        Name = "t",
        Limits = limits ?? new ServerLimits(),
        StopTimeout = stopTimeout ?? TimeSpan.FromSeconds(5),
        Engine = engine,
        TestFrontHandlers = front,
        Protocol = protocol,
    };

    private static StaticServerOptions WithCertificate(StaticServerOptions o, PSWebServer.Tls.CertificateSource certificate) => new()
    {
        Root = o.Root,
        Port = o.Port,
        Name = o.Name,
        Limits = o.Limits,
        StopTimeout = o.StopTimeout,
        Engine = o.Engine,
        TestFrontHandlers = o.TestFrontHandlers,
        Protocol = o.Protocol,
        Certificate = certificate,
    };

    /// <summary>Keeps a server a test started by itself, so it is stopped on dispose like the others.</summary>
    public StaticServer Track(StaticServer server)
    {
        _servers.Add(server);
        return server;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the timeout passes; returns whether it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) return false;
            await Task.Delay(10).ConfigureAwait(false);
        }
        return true;
    }

    public void Dispose()
    {
        foreach (StaticServer server in _servers) server.Stop(TimeSpan.Zero);
        _site.Dispose();
    }
}
