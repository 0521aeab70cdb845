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
    /// <summary>The HTTPS certificate file (or its key file) does not exist.</summary>
    CertificateNotFound,
    /// <summary>The certificate or key file is neither PKCS#12 nor PEM the platform can read, or is damaged.</summary>
    CertificateUnreadable,
    /// <summary>The password does not open the PFX file or the encrypted PEM key (or one is needed and none was given).</summary>
    CertificatePasswordInvalid,
    /// <summary>The certificate has no private key, so it cannot prove the server's identity.</summary>
    CertificateWithoutPrivateKey,
    /// <summary>The certificate's validity ended before now.</summary>
    CertificateExpired,
    /// <summary>The certificate's validity begins after now.</summary>
    CertificateNotYetValid,
    /// <summary>The certificate's extended key usage does not include server authentication.</summary>
    CertificateNotForServerAuthentication,
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
