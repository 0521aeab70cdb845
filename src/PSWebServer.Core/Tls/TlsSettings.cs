using System;
using System.Collections.Generic;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using PSWebServer.Http;

namespace PSWebServer.Tls;

/// <summary>
/// One server's TLS configuration, made once at start and shared by every handshake: the certificate context (its
/// chain built once here, not per handshake), the protocols (TLS 1.2 and 1.3 only, the platform's cipher defaults, no
/// renegotiation, no client certificates), which negotiated suites may carry HTTP (<see cref="IsAcceptedSuite"/>), the
/// ALPN protocols offered, and the answer to plain HTTP on this port.
/// </summary>
internal sealed class TlsSettings
{
    public TlsSettings(X509Certificate2 certificate, string httpsUrl, X509Certificate2Collection? intermediates = null,
        IReadOnlyList<SslApplicationProtocol>? applicationProtocols = null)
    {
        Certificate = certificate;
        // offline: the chain is built from the file's own intermediates and what this machine has; a start never waits
        // for a download of intermediates.
        CertificateContext = SslStreamCertificateContext.Create(certificate, intermediates is { Count: > 0 } ? intermediates : null, offline: true);
        ApplicationProtocols = new List<SslApplicationProtocol>(applicationProtocols ?? new[] { SslApplicationProtocol.Http11 });
        ServerOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = CertificateContext,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            AllowRenegotiation = false,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = ApplicationProtocols,
            // No CipherSuitesPolicy, on purpose: with one, .NET builds a new OpenSSL context for every handshake and
            // cannot resume sessions (its context cache requires CipherSuitesPolicy == null), which halved the new
            // connections a second and doubled their CPU (docs/tls.md). The platform's list prefers ECDHE with
            // AES-GCM (server order); the CBC suites it still has for TLS 1.2 are refused after the handshake, before
            // any HTTP byte (IsAcceptedSuite).
        };
        PlainHttpAnswer = BuildPlainHttpAnswer(httpsUrl);
    }

    /// <summary>The certificate with its private key, as loaded and checked.</summary>
    public X509Certificate2 Certificate { get; }

    public SslStreamCertificateContext CertificateContext { get; }

    /// <summary>
    /// Offered in this order, the client's preference among them wins per RFC 7301 as SslStream applies it: from
    /// <see cref="ApplicationProtocolsFor"/> (h2 and http/1.1, or one of them, by -Protocol).
    /// </summary>
    public List<SslApplicationProtocol> ApplicationProtocols { get; }

    /// <summary>
    /// Shared by all handshakes and never changed after this constructor: SslStream copies what it needs from it as a
    /// handshake begins, so one instance serves every connection without an allocation each.
    /// </summary>
    public SslServerAuthenticationOptions ServerOptions { get; }

    /// <summary>The whole response a plain-HTTP request to this port gets (a 400 naming the https URL), built once.</summary>
    public byte[] PlainHttpAnswer { get; }

    /// <summary>
    /// Whether a connection's negotiated suite may carry HTTP: every TLS 1.3 suite (all are AEAD), and under TLS 1.2
    /// only ECDHE with AES-GCM or ChaCha20-Poly1305 (Mozilla's "intermediate" list; RFC 9113 §9.2.2 asks the same of
    /// h2). The platform's TLS 1.2 list also has two CBC suites, which its server order picks only for a client that
    /// has none of the AEAD ones; such a connection is closed before a request is read, so no CBC record carries data
    /// (LUCKY13 needs application data to work on) and no h2 runs over a suite §9.2.2 forbids.
    /// </summary>
    public static bool IsAcceptedSuite(SslProtocols protocol, TlsCipherSuite suite) => protocol == SslProtocols.Tls13 || suite switch
    {
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            or TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 or TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
            or TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 or TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => true,
        _ => false,
    };

    private static byte[] BuildPlainHttpAnswer(string httpsUrl) => Http1ResponseEncoder.BuildClosingTextAnswer(
        "HTTP/1.1 400 Bad Request", "This port speaks HTTPS, not plain HTTP. Use " + httpsUrl + " instead.\n");

    /// <summary>
    /// The ALPN list for a server's -Protocol: h2 first where HTTP/2 is spoken (RFC 9113 §3.2; the client's own order
    /// decides among what both have), http/1.1 where HTTP/1.1 is. Only ECDHE with AEAD carries
    /// requests under TLS 1.2 (<see cref="IsAcceptedSuite"/>), which is what §9.2.2 asks of h2.
    /// </summary>
    public static IReadOnlyList<SslApplicationProtocol> ApplicationProtocolsFor(ServerProtocol protocol) => protocol switch
    {
        ServerProtocol.Http1 => new[] { SslApplicationProtocol.Http11 },
        ServerProtocol.Http2 => new[] { SslApplicationProtocol.Http2 },
        _ => new[] { SslApplicationProtocol.Http2, SslApplicationProtocol.Http11 },
    };

    /// <summary>The name ServerRequest shows for a negotiated protocol, in OpenSSL's spelling ("TLSv1.3").</summary>
    public static string ProtocolText(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}
