using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;

namespace PSWebServer.Tls;

/// <summary>
/// Where an HTTPS server's certificate comes from: given as an object, read from a file, or made in the session.
/// Only a description: <see cref="StaticServer.Start(StaticServerOptions)"/> loads and checks it before it binds, so a
/// certificate that cannot serve (no private key, expired, not for server authentication, a wrong password) fails the
/// start with a <see cref="ServerException"/> and nothing listens.
/// </summary>
public sealed class CertificateSource
{
    private CertificateSource(CertificateSourceKind kind)
    {
        Kind = kind;
    }

    public CertificateSourceKind Kind { get; }

    /// <summary>The certificate given (with its private key); null for the other kinds.</summary>
    public X509Certificate2? Certificate { get; private init; }

    /// <summary>A PFX/PKCS#12 or PEM file, as a full path; null for the other kinds.</summary>
    public string? Path { get; private init; }

    /// <summary>The PEM private key's own file, when it is not in <see cref="Path"/>; null otherwise.</summary>
    public string? KeyPath { get; private init; }

    /// <summary>Opens the PFX file or the encrypted PEM key; null when neither is protected.</summary>
    public SecureString? Password { get; private init; }

    /// <summary>A certificate object that carries its private key (from a store, a file, or made by the caller).</summary>
    public static CertificateSource FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return new CertificateSource(CertificateSourceKind.Certificate) { Certificate = certificate };
    }

    /// <summary>
    /// A file: PFX/PKCS#12 (opened with <paramref name="password"/>), or PEM, told apart by content. A PEM certificate
    /// holds its key in the same file or in <paramref name="keyPath"/>; an encrypted key needs <paramref name="password"/>.
    /// </summary>
    public static CertificateSource FromFile(string path, SecureString? password = null, string? keyPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new CertificateSource(CertificateSourceKind.File) { Path = path, Password = password, KeyPath = keyPath };
    }

    /// <summary>
    /// A certificate made in the session when the server starts: ECDSA P-256, for localhost, 127.0.0.1, ::1 and the
    /// bound address, valid for a short time (<see cref="SelfSignedCertificate.Lifetime"/>). Trust it by pinning
    /// <see cref="StaticServer.Certificate"/>.
    /// </summary>
    public static CertificateSource SelfSigned() => new(CertificateSourceKind.SelfSigned);
}
