namespace PSWebServer;

/// <summary>
/// Which connection engine a server runs on (<see cref="StaticServerOptions.Engine"/>, Start-StaticServer -Engine).
/// The names are API: scripts pass them as text.
/// </summary>
public enum ServerEngine
{
    /// <summary>
    /// Epoll where it can run, otherwise Socket. <see cref="StaticServer.Engine"/> says which one runs and
    /// <see cref="StaticServer.EngineFallbackReason"/> why epoll was not used.
    /// </summary>
    Auto,

    /// <summary>
    /// Linux's epoll: one event-loop thread per processor running connections inline, no thread-pool hop per request.
    /// Asked for explicitly, a server that cannot run it does not start (<see cref="ServerErrorKind.EngineNotAvailable"/>).
    /// </summary>
    Epoll,

    /// <summary>.NET's asynchronous sockets: every system; the engine to compare with, or to fall back to by hand.</summary>
    Socket,
}
