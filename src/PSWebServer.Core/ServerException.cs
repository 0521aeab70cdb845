using System;

namespace PSWebServer;

/// <summary>Why a server could not start. The module maps each to an ErrorId and category.</summary>
public enum ServerErrorKind
{
    AddressInUse,
    AddressAccessDenied,
    AddressNotAvailable,
    InvalidAddress,
    RootNotFound,
    RootNotDirectory,
    /// <summary>The epoll engine was asked for explicitly and cannot run here (not Linux, or its setup failed).</summary>
    EngineNotAvailable,
    /// <summary>Live reload was asked to watch the root and the system refused a watch (a limit on watches, a folder gone).</summary>
    WatchNotAvailable,
}

/// <summary>A server could not start; <see cref="Kind"/> says why, the message names the address and port or path.</summary>
public sealed class ServerException : Exception
{
    public ServerException(ServerErrorKind kind, string message, Exception? inner = null) : base(message, inner)
    {
        Kind = kind;
    }

    public ServerErrorKind Kind { get; }
}
