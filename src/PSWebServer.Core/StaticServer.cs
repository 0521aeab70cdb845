using System;
using System.Net.Security;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.AccessLog;
using PSWebServer.Connections;
using PSWebServer.Http;
using PSWebServer.LiveReload;
using PSWebServer.StaticFiles;
using PSWebServer.TestResponses;
using PSWebServer.Http2;
using PSWebServer.Tls;
using PSWebServer.Transport;

namespace PSWebServer;

/// <summary>
/// A running static-file server: its identity, its live counters, and its lifecycle.
/// <see cref="Start"/> returns once the socket is bound and listening; everything after runs on
/// background threads that never call into the caller and never let an exception escape.
/// </summary>
public sealed class StaticServer : IDisposable
{
    private readonly SocketListener _listener;
    private readonly ConnectionManager _connections;
    private readonly Heartbeat _heartbeat;
    private readonly StaticFileHandler _files;
    private readonly RequestHandlerChain _handler;
    private readonly AccessLogWriter? _accessLog;
    private readonly LiveReloadService? _liveReload;
    private readonly object _stateLock = new();
    private readonly ManualResetEventSlim _stopped = new(false);
    private readonly ServerStatistics _statistics = new();
    private readonly TaskCompletionSource<bool> _teardownDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GracePeriod? _grace; // set once, under _stateLock, by whoever begins the one teardown
    private Task _acceptLoop = Task.CompletedTask;
    private EpollEngine? _engine;
    private readonly TlsSettings? _tls; // null: plain HTTP
    // Cleartext -Protocol Auto: how a connection that opens with the h2c preface goes on. One delegate for the server,
    // not one per connection (a method group converted at each call allocates).
    private readonly Action<IConnectionTransport, long, ReadOnlyMemory<byte>>? _startH2c;
    private int _state = (int)ServerState.Running;

    private StaticServer(StaticServerOptions options, string root, SocketListener listener, X509Certificate2? certificate = null,
        X509Certificate2Collection? intermediates = null)
    {
        Options = options;
        Root = root;
        _listener = listener;
        Id = options.Id;
        Name = options.Name;
        Port = listener.Port;
        Address = listener.AddressText;
        Scheme = certificate is null ? "http" : "https";
        Url = Scheme + "://" + listener.UrlHost + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/";
        StartTime = DateTime.Now;
        if (certificate is not null)
        {
            _tls = new TlsSettings(certificate, Url, intermediates, TlsSettings.ApplicationProtocolsFor(options.Protocol));
            Certificate = PublicPart(certificate);
        }
        _connections = new ConnectionManager(options.Limits);
        _startH2c = options.Protocol == ServerProtocol.Auto ? StartH2cConnection : null;
        _files = new StaticFileHandler(root, options);
        // Front handlers answer before the files, in this order; each new response kind adds itself here.
        // Live reload's reserved paths come first (a canned response must not shadow its script or stream).
        var front = new System.Collections.Generic.List<IFrontHandler>();
        _liveReload = options.LiveReload
            ? new LiveReloadService(root, options.LiveReloadWatch, _files.ForgetCached, _statistics.ReportError,
                options.AccessLogPath is null ? null : new[] { Path.GetFullPath(options.AccessLogPath) }, options.LiveReloadHeartbeat,
                HeaderBlock.From(options.Headers))
            : null;
        if (_liveReload != null) front.Add(_liveReload.Handler);
        Responses = new CannedResponseTable(options.Id, options.Name);
        front.Add(new CannedResponseHandler(Responses));
        _handler = new RequestHandlerChain(front.ToArray(), _files);
        _heartbeat = new Heartbeat(_connections, _statistics, DateHeaderCache.Refresh);
        // Tests' own front handlers go before everything (request bodies and faults are tested without the cmdlets).
        if (options.TestFrontHandlers is { Length: > 0 } testHandlers) _handler = new RequestHandlerChain(testHandlers, _handler);
        // Opened last, on the caller's thread: a file that cannot be written fails the start (and frees the port), and
        // nothing after it can fail and leave its thread running.
        try
        {
            _accessLog = options.AccessLogPath is null
                ? null
                : new AccessLogWriter(options.AccessLogPath, options.AccessLogFormat, options.Name, _statistics.ReportError);
        }
        catch
        {
            _liveReload?.Dispose(); // its watcher started above
            throw;
        }
        Requests = new RequestLog(options.RequestLogSize, options.Name, _accessLog, options.RequestLogBodyBytes);
    }

    /// <summary>
    /// Checks the options, binds the socket and starts serving. Throws <see cref="ServerException"/> when the
    /// folder or address is unusable, or when <see cref="ServerEngine.Epoll"/> was asked for and cannot run; the message
    /// names the path, the address and port, or the reason. A start that fails after binding has released the port
    /// again when it throws.
    /// </summary>
    public static StaticServer Start(StaticServerOptions options) => Start(options, epollSetupFault: null, servingFault: null);

    /// <summary>
    /// <see cref="Start(StaticServerOptions)"/> with faults injected by tests: <paramref name="epollSetupFault"/> throws
    /// inside the epoll engine's setup (as a refused epoll call would), <paramref name="servingFault"/> once the server
    /// serves, just before Start would return it (it is given the server, so a test learns the port bound).
    /// </summary>
    internal static StaticServer Start(StaticServerOptions options, Action? epollSetupFault, Action<StaticServer>? servingFault)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Validate();
        if (options.RequestLogSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "RequestLogSize must be at least 1.");
        if (options.RequestLogBodyBytes < 0) throw new ArgumentOutOfRangeException(nameof(options), "RequestLogBodyBytes must not be negative.");
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), "Port must be between 0 and 65535.");
        if (!Enum.IsDefined(options.Engine)) throw new ArgumentOutOfRangeException(nameof(options), "Engine must be Auto, Epoll or Socket.");
        string root = RootFolder.Resolve(options.Root);
        OptionsValidation.Check(options);
        // Known before binding, so asking for epoll where it cannot exist never takes the port, not even for a moment.
        if (options.Engine == ServerEngine.Epoll && EpollEngine.UnsupportedReason is string unsupported)
        {
            throw EngineNotAvailable(unsupported, null);
        }

        // Loaded and checked before binding: a certificate that cannot serve never leaves a port taken.
        X509Certificate2Collection? intermediates = null;
        X509Certificate2? certificate = options.Certificate is null ? null
            : CertificateLoader.Load(options.Certificate, options.Address, DateTimeOffset.UtcNow, out intermediates);

        SocketListener listener = SocketListener.Bind(options.Address, options.Port,
            options.Engine == ServerEngine.Socket ? 1 : EpollEngine.ListenerSocketCount);
        StaticServer? server = null;
        try
        {
            server = new StaticServer(options, root, listener, certificate, intermediates);
            server._heartbeat.Start();
            server.StartAccepting(epollSetupFault);
            servingFault?.Invoke(server);
            return server;
        }
        catch
        {
            // Nobody will ever hold this server to stop it: release the port (and any loops already running) now,
            // so the caller can bind the same port again at once.
            if (server is null) listener.Dispose();
            else server.Stop(TimeSpan.Zero);
            throw;
        }
    }

    /// <summary>
    /// The engine the options ask for. Epoll (asked for, or by Auto on Linux): event-loop threads that accept and run
    /// connections inline, no thread-pool hop per request. Socket, or Auto where epoll cannot be set up: .NET's sockets
    /// with an async accept loop, and the reason epoll was not used is kept for the user.
    /// </summary>
    private void StartAccepting(Action? epollSetupFault)
    {
        if (Options.Engine != ServerEngine.Socket)
        {
            EpollEngine? engine = EpollEngine.TryCreate(_listener, Name, _connections.TryReserve, () => _connections.HasCapacity,
                StartConnection, _statistics.ReportError, Fault, out Exception? reason, epollSetupFault);
            if (engine is not null)
            {
                Engine = ServerEngine.Epoll;
                bool tornDown;
                lock (_stateLock)
                {
                    _engine = engine;
                    tornDown = _grace is not null;
                }
                // A loop that failed at once has already begun the teardown, which may have looked for the engine
                // before it was set here: stop its loops ourselves (both sides doing it is harmless).
                if (tornDown)
                {
                    engine.StopAccepting(TimeSpan.FromSeconds(1));
                    engine.Dispose();
                }
                return;
            }
            string why = reason is null ? "the epoll engine could not be set up." : Describe(reason);
            if (Options.Engine == ServerEngine.Epoll) throw EngineNotAvailable(why, reason);
            EngineFallbackReason = why;
        }
        Engine = ServerEngine.Socket;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    private static string Describe(Exception reason)
    {
        string text = reason is PlatformNotSupportedException ? reason.Message : reason.GetType().Name + ": " + reason.Message;
        return text.EndsWith('.') ? text : text + ".";
    }

    private static ServerException EngineNotAvailable(string why, Exception? inner) =>
        new(ServerErrorKind.EngineNotAvailable, "The epoll engine cannot run here: " + why + " Use the Auto or Socket engine instead.", inner);

    /// <summary>The engine that serves: <see cref="ServerEngine.Epoll"/> or <see cref="ServerEngine.Socket"/>, never Auto.</summary>
    public ServerEngine Engine { get; private set; }

    /// <summary>The HTTP versions this server speaks (<see cref="StaticServerOptions.Protocol"/>).</summary>
    public ServerProtocol Protocol => Options.Protocol;

    /// <summary>
    /// Why the server runs on .NET's sockets although Auto would have chosen epoll: the system has no epoll, or its setup
    /// failed (the error, as text). Null when epoll runs or Socket was asked for.
    /// </summary>
    public string? EngineFallbackReason { get; private set; }

    /// <summary>For a connection just accepted and reserved: on an event-loop thread, or on the fallback accept loop.</summary>
    private void StartConnection(IConnectionTransport transport)
    {
        if (_tls is not null)
        {
            _ = new TlsHandshake(transport, _tls, _connections, Requests, _statistics, Options.Limits, StartHttpsConnection).Start();
            return;
        }
        if (Options.Protocol == ServerProtocol.Http2)
        {
            _ = NewHttp2Connection(transport, "").Start();
            return;
        }
        var connection = new Http1Connection(transport, _handler, _connections, Requests, _statistics, Options.Limits,
            startHttp2: _startH2c);
        _ = connection.Start();
    }

    /// <summary>
    /// After the TLS handshake: the protocol ALPN chose (h2, or HTTP/1.1 — also for a client that sent no ALPN, unless
    /// the server speaks HTTP/2 only, whose connection then answers 505), taking over the handshake's registration.
    /// </summary>
    private void StartHttpsConnection(TlsTransport transport, long registration)
    {
        if (transport.ApplicationProtocol == SslApplicationProtocol.Http2 || Options.Protocol == ServerProtocol.Http2)
        {
            _ = NewHttp2Connection(transport, transport.Protocol).Start(registration, ReadOnlyMemory<byte>.Empty);
            return;
        }
        var connection = new Http1Connection(transport, _handler, _connections, Requests, _statistics, Options.Limits, transport.Protocol);
        _ = connection.Start(registration);
    }

    /// <summary>A cleartext connection that opened with the HTTP/2 preface (h2c, prior knowledge): HTTP/2 from its first bytes on.</summary>
    private void StartH2cConnection(IConnectionTransport transport, long registration, ReadOnlyMemory<byte> received) =>
        _ = NewHttp2Connection(transport, "").Start(registration, received);

    private Http2Connection NewHttp2Connection(IConnectionTransport transport, string tlsProtocol) =>
        new(transport, _handler, _connections, Requests, _statistics, Options.Limits, tlsProtocol,
            refusesHttp1: Options.Protocol == ServerProtocol.Http2);

    /// <summary>The certificate as a client sees it: no private key, so it can be handed to tests and tools freely.</summary>
    private static X509Certificate2 PublicPart(X509Certificate2 certificate) => new(certificate.RawData);

    /// <summary>"https" when the server has a certificate, else "http".</summary>
    public string Scheme { get; }

    /// <summary>
    /// HTTPS: the server's certificate, public part only (no private key). Trust exactly it in a test (pin it, write it as
    /// PEM for curl --cacert); null on plain HTTP.
    /// </summary>
    public X509Certificate2? Certificate { get; }

    public int Id { get; }
    public string Name { get; }
    public ServerState State => (ServerState)Volatile.Read(ref _state);
    /// <summary>A URL a browser on this machine can open.</summary>
    public string Url { get; }
    /// <summary>The address the socket is bound to.</summary>
    public string Address { get; }
    /// <summary>The port bound: the real one when 0 was asked for.</summary>
    public int Port { get; }
    /// <summary>The folder served, as a full path.</summary>
    public string Root { get; }
    public DateTime StartTime { get; }
    public long RequestCount => _statistics.RequestCount;
    public int ActiveConnections => _connections.Count;
    public long BytesSent => _statistics.BytesSent;
    /// <summary>The fault that stopped the server, or the last unexpected error a connection hit.</summary>
    public Exception? LastError => _statistics.LastError;
    public RequestLog Requests { get; }
    /// <summary>Canned responses (Add-ServerResponse), tried in order before the files.</summary>
    public CannedResponseTable Responses { get; }
    public StaticServerOptions Options { get; }

    /// <summary>Whether pages get live reload (<see cref="StaticServerOptions.LiveReload"/>).</summary>
    public bool LiveReload => _liveReload != null;

    /// <summary>Whether live reload watches the root; false when only <see cref="Reload"/> tells pages.</summary>
    public bool LiveReloadWatching => _liveReload?.Watching ?? false;

    /// <summary>
    /// Live-reload event streams open now (one per open page; one per browser where its tabs can share one). A
    /// stream whose page went away is noticed at its next heartbeat, within 15 s.
    /// </summary>
    public int LiveReloadClients => _liveReload?.Hub.SubscriberCount ?? 0;

    /// <summary>
    /// Tells the pages that files changed, as the watcher would (a build step that wrote many files at once): with
    /// <paramref name="paths"/> (from the root, such as <c>/css/site.css</c>) all stylesheets, each is swapped in
    /// place; otherwise, or with none given, pages reload. What the server holds in memory is dropped first, so the
    /// reload gets the new files. Throws <see cref="InvalidOperationException"/> when live reload is off or the server
    /// is not running.
    /// </summary>
    public void Reload(System.Collections.Generic.IReadOnlyCollection<string>? paths = null)
    {
        if (_liveReload is null) throw new InvalidOperationException($"Server '{Name}' ({Url}) was started without live reload.");
        if (State != ServerState.Running) throw new InvalidOperationException($"Server '{Name}' ({Url}) is {State}: there are no pages to reload.");
        var normalized = new System.Collections.Generic.List<string>();
        foreach (string path in paths ?? Array.Empty<string>())
        {
            if (string.IsNullOrWhiteSpace(path)) continue;
            string slashed = path.Replace('\\', '/');
            normalized.Add(slashed.StartsWith('/') ? slashed : "/" + slashed);
        }
        _liveReload.Changed(normalized);
    }

    /// <summary>
    /// Stops the server: no new connections, idle ones closed at once, in-flight responses given until the
    /// timeout to finish, then every connection aborted. Returns true when nothing had to be aborted.
    /// Safe to call more than once and from any thread: see <see cref="Stop(TimeSpan?, CancellationToken)"/>.
    /// </summary>
    public bool Stop(TimeSpan? timeout = null) => Stop(timeout, CancellationToken.None);

    /// <summary>
    /// Stops the server as <see cref="Stop(TimeSpan?)"/> does; cancelling <paramref name="cancellationToken"/> (Ctrl+C)
    /// ends the grace period at once, so in-flight responses are aborted, and the call still returns only once the
    /// server has stopped. There is one teardown, whoever starts it: a later or concurrent Stop waits for the same one
    /// and gets the same result, and can only shorten its grace (a shorter timeout, a cancellation), never lengthen it;
    /// a fault during a stop ends the grace at once and leaves the server Faulted. A failure of the teardown itself is
    /// recorded in <see cref="LastError"/> (the server is then Faulted and the result false); Stop does not throw it.
    /// </summary>
    public bool Stop(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        TimeSpan grace = timeout ?? Options.StopTimeout;
        if (grace < TimeSpan.Zero) grace = TimeSpan.Zero;
        bool first = BeginTeardown(grace, fault: false, out GracePeriod period);
        using (cancellationToken.Register(static state => ((GracePeriod)state!).EndNow(), period))
        {
            if (first) RunTeardown(period);
            return _teardownDone.Task.GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Moves the state on and makes sure there is exactly one grace period; returns true for the caller that created it,
    /// which then runs the teardown. Every later caller brings the end of that grace forward to its own.
    /// </summary>
    private bool BeginTeardown(TimeSpan grace, bool fault, out GracePeriod period)
    {
        lock (_stateLock)
        {
            if (fault && _state != (int)ServerState.Stopped) Volatile.Write(ref _state, (int)ServerState.Faulted);
            else if (_state == (int)ServerState.Running) Volatile.Write(ref _state, (int)ServerState.Stopping);
            if (_grace is null)
            {
                period = _grace = new GracePeriod(grace);
                return true;
            }
            period = _grace;
        }
        period.Shorten(grace);
        return false;
    }

    private void RunTeardown(GracePeriod grace)
    {
        bool graceful = false;
        try
        {
            graceful = TearDown(grace);
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex);
            lock (_stateLock) Volatile.Write(ref _state, (int)ServerState.Faulted);
        }
        finally
        {
            lock (_stateLock)
            {
                if (_state != (int)ServerState.Faulted) Volatile.Write(ref _state, (int)ServerState.Stopped);
            }
            _stopped.Set();
            _teardownDone.TrySetResult(graceful);
        }
    }

    /// <summary>Blocks until the server has stopped or faulted, the timeout passes, or the token is cancelled.</summary>
    public bool WaitForExit(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return _stopped.Wait(timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => Stop(TimeSpan.Zero);

    public override string ToString() => Url;

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                while (!_connections.HasCapacity && State == ServerState.Running)
                {
                    await Task.Delay(CapacityPollMilliseconds).ConfigureAwait(false); // leave new clients in the backlog
                }
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (SocketException ex) when (IsTransientAcceptError(ex.SocketErrorCode))
                {
                    // the client gave up before we took it, or we are out of descriptors for a moment: then don't spin
                    if (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                        await Task.Delay(100).ConfigureAwait(false);
                    continue;
                }

                if (!_connections.TryReserve())
                {
                    client.Dispose();
                    continue;
                }
                SocketTransport transport;
                try
                {
                    transport = new SocketTransport(client); // socket options can fail on a client that already reset
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    client.Dispose();
                    _connections.CancelReservation();
                    continue;
                }
                StartConnection(transport);
            }
        }
        catch (Exception) when (State != ServerState.Running)
        {
            // the listener was closed by Stop: the normal way out
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
    }

    private const int CapacityPollMilliseconds = 20;

    private static bool IsTransientAcceptError(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.TooManyOpenSockets
            or SocketError.NoBufferSpaceAvailable or SocketError.Interrupted;

    /// <summary>
    /// Stop accepting, close the listener, drain the connections within <paramref name="grace"/>, then end the
    /// timers and loops. Runs once per server (<see cref="BeginTeardown"/> elects who runs it).
    /// </summary>
    private static readonly TimeSpan EndStreamsTime = TimeSpan.FromMilliseconds(250);

    private bool TearDown(GracePeriod grace)
    {
        // First: event streams end now (each sends its end, within a quarter second at most, less when the grace is
        // shorter), so none is a connection in flight the drain below waits for.
        TimeSpan left = grace.Remaining;
        _liveReload?.EndStreams(left < EndStreamsTime ? left : EndStreamsTime);
        EpollEngine? engine;
        lock (_stateLock) engine = _engine; // null while the start is still setting it up: then the start stops it
        engine?.StopAccepting(TimeSpan.FromSeconds(1));
        _listener.Dispose();
        bool graceful = _connections.Drain(grace);
        _heartbeat.Dispose();
        engine?.Dispose();
        _acceptLoop.Wait(TimeSpan.FromSeconds(1));
        // Last: every connection has ended, so every request is recorded; this writes the rest, flushes and closes.
        _accessLog?.Dispose();
        return graceful;
    }

    /// <summary>
    /// A loop or the accept loop failed: record it and tear down without grace, never blocking the failing thread
    /// (it may be an event loop the teardown waits for). During a stop, it ends that stop's grace at once.
    /// Internal, not private: tests fault a server this way, as a failing loop would.
    /// </summary>
    internal void Fault(Exception ex)
    {
        _statistics.ReportError(ex);
        if (!BeginTeardown(TimeSpan.Zero, fault: true, out GracePeriod period)) return;
        _ = Task.Run(() => RunTeardown(period));
    }
}
