using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;
using PSWebServer.StaticFiles;
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
    private readonly StaticFileHandler _handler;
    private readonly object _stateLock = new();
    private readonly ManualResetEventSlim _stopped = new(false);
    private readonly ServerStatistics _statistics = new();
    private Task _acceptLoop = Task.CompletedTask;
    private EpollEngine? _engine;
    private int _state = (int)ServerState.Running;

    private StaticServer(StaticServerOptions options, string root, SocketListener listener)
    {
        Options = options;
        Root = root;
        _listener = listener;
        Id = options.Id;
        Name = options.Name;
        Port = listener.Port;
        Address = listener.AddressText;
        Url = "http://" + listener.UrlHost + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/";
        StartTime = DateTime.Now;
        Requests = new RequestLog(options.RequestLogSize, options.Name);
        _connections = new ConnectionManager(options.Limits);
        _handler = new StaticFileHandler(root, options);
        _heartbeat = new Heartbeat(_connections, _statistics);
    }

    /// <summary>
    /// Checks the options, binds the socket and starts serving. Throws <see cref="ServerException"/> when the
    /// folder or address is unusable; the message names the path or the address and port.
    /// </summary>
    public static StaticServer Start(StaticServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.Validate();
        if (options.RequestLogSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "RequestLogSize must be at least 1.");
        if (options.Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(options), "Port must be between 0 and 65535.");
        string root = RootFolder.Resolve(options.Root);
        OptionsValidation.Check(options);

        SocketListener listener = SocketListener.Bind(options.Address, options.Port);
        var server = new StaticServer(options, root, listener);
        server._heartbeat.Start();
        server.StartAccepting();
        return server;
    }

    /// <summary>
    /// On Linux, the epoll engine: event-loop threads that accept and run connections inline, no thread-pool hop per
    /// request. Elsewhere, or when epoll cannot be set up, .NET's sockets with an async accept loop.
    /// </summary>
    private void StartAccepting()
    {
        _engine = EpollEngine.TryCreate(_listener.Socket, Name, _connections.TryReserve, () => _connections.HasCapacity, StartConnection,
            _statistics.ReportError, Fault, out _);
        if (_engine is null) _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Which connection engine serves: "epoll" or "socket".</summary>
    internal string Engine => _engine is null ? "socket" : "epoll";

    /// <summary>For a connection just accepted and reserved: on an event-loop thread, or on the fallback accept loop.</summary>
    private void StartConnection(IConnectionTransport transport)
    {
        var connection = new Http1Connection(transport, _handler, _connections, Requests, _statistics, Options.Limits);
        _ = connection.Start();
    }

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
    public StaticServerOptions Options { get; }

    /// <summary>
    /// Stops the server: no new connections, idle ones closed at once, in-flight responses given until the
    /// timeout to finish, then every connection aborted. Returns true when nothing had to be aborted.
    /// Safe to call more than once and from any thread.
    /// </summary>
    public bool Stop(TimeSpan? timeout = null)
    {
        TimeSpan grace = timeout ?? Options.StopTimeout;
        if (grace < TimeSpan.Zero) grace = TimeSpan.Zero;
        lock (_stateLock)
        {
            if (_state is (int)ServerState.Stopped) return true;
            if (_state == (int)ServerState.Running) Volatile.Write(ref _state, (int)ServerState.Stopping);
        }

        bool graceful = TearDown(grace);
        lock (_stateLock)
        {
            if (_state != (int)ServerState.Faulted) Volatile.Write(ref _state, (int)ServerState.Stopped);
        }
        _stopped.Set();
        return graceful;
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
    /// timers and loops. Every step may run twice (a Stop after a fault) and does nothing the second time.
    /// </summary>
    private bool TearDown(TimeSpan grace)
    {
        _engine?.StopAccepting(TimeSpan.FromSeconds(1));
        _listener.Dispose();
        bool graceful = _connections.Drain(grace);
        _heartbeat.Dispose();
        _engine?.Dispose();
        _acceptLoop.Wait(TimeSpan.FromSeconds(1));
        return graceful;
    }

    private void Fault(Exception ex)
    {
        _statistics.ReportError(ex);
        lock (_stateLock)
        {
            if (_state is (int)ServerState.Stopped) return;
            Volatile.Write(ref _state, (int)ServerState.Faulted);
        }
        _ = Task.Run(() =>
        {
            try
            {
                TearDown(TimeSpan.Zero);
            }
            catch (Exception)
            {
                // nothing more can be done for a server that has already failed
            }
            _stopped.Set();
        });
    }
}
