using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Authentication;
using System.Text;
using System.Threading.Tasks;
using PSWebServer.Tls;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The handshake phase over real sockets on both engines: protocols, ALPN, the plain-HTTP answer, its deadline, the limit and stop.</summary>
[Collection(SocketTestCollection.Name)]
public sealed class TlsHandshakeTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    private StaticServer StartTls(string engine, ServerLimits? limits = null, TimeSpan? stopTimeout = null) =>
        _scope.Start(limits: limits, engine: engine, stopTimeout: stopTimeout, certificate: CertificateSource.SelfSigned());

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Get_OverTls13_Serves_AndRecordsTheTlsVersion(string engine)
    {
        StaticServer server = StartTls(engine);
        Assert.Equal("https", server.Scheme);
        Assert.StartsWith("https://127.0.0.1:", server.Url);
        Assert.False(server.Certificate!.HasPrivateKey);

        using TlsTestClient client = await TlsTestClient.ConnectAsync(server);
        Assert.Equal(SslProtocols.Tls13, client.Ssl.SslProtocol);
        Assert.Equal(SslApplicationProtocol.Http11, client.Ssl.NegotiatedApplicationProtocol);
        TestResponse first = await client.RequestAsync(TestClient.Get("/a.txt"));
        TestResponse second = await client.RequestAsync(TestClient.Get("/index.html")); // keep-alive over the same session

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(ServerScope.TextA, first.BodyText);
        Assert.Equal("<h1>home</h1>", second.BodyText);
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 2, TimeSpan.FromSeconds(5)));
        Assert.All(server.Requests.ReadAll(), r => Assert.Equal("TLSv1.3", r.TlsProtocol));
        Assert.All(server.Requests.ReadAll(), r => Assert.Equal("HTTP/1.1", r.Protocol));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Get_OverTls12_Serves(string engine)
    {
        StaticServer server = StartTls(engine);
        using TlsTestClient client = await TlsTestClient.ConnectAsync(server, SslProtocols.Tls12);

        TestResponse response = await client.RequestAsync(TestClient.Get("/a.txt"));

        Assert.Equal(SslProtocols.Tls12, client.Ssl.SslProtocol);
        Assert.Equal(200, response.StatusCode);
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal("TLSv1.2", server.Requests.ReadAll().Single().TlsProtocol);
    }

    [Fact]
    public async Task PlainHttpServer_RecordsNoTlsVersion()
    {
        StaticServer server = _scope.Start();
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        Assert.True(await ServerScope.EventuallyAsync(() => server.Requests.Count == 1, TimeSpan.FromSeconds(5)));
        Assert.Equal("", server.Requests.ReadAll().Single().TlsProtocol);
        Assert.Equal("http", server.Scheme);
        Assert.Null(server.Certificate);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Tls11Client_IsRefused_AndTheServerGoesOn(string engine)
    {
        StaticServer server = StartTls(engine);
#pragma warning disable SYSLIB0039 // the obsolete protocol is the point: the server must refuse it
        Exception? error = await Record.ExceptionAsync(() => TlsTestClient.ConnectAsync(server, SslProtocols.Tls11));
#pragma warning restore SYSLIB0039
        Assert.NotNull(error);

        using TlsTestClient client = await TlsTestClient.ConnectAsync(server);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Tls12ClientOfferingOnlyCbcSuites_GetsNoHttp(string engine)
    {
        if (!OperatingSystem.IsLinux()) return; // only OpenSSL lets this client choose its suites
        StaticServer server = StartTls(engine);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, server.Port);
        using var ssl = new SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: false));
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = SslProtocols.Tls12,
            CipherSuitesPolicy = new CipherSuitesPolicy(new[]
            {
                TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
            }),
            RemoteCertificateValidationCallback = (_, c, _, e) => TlsTestClient.Trusts(server.Certificate!, c, e),
        };

        // The platform's list (no CipherSuitesPolicy, for its context cache) has these two CBC suites, so the handshake
        // completes; then the server sends close_notify before reading a request: no answer, nothing recorded.
        await ssl.AuthenticateAsClientAsync(options);
        Assert.Equal(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, ssl.NegotiatedCipherSuite);
        int answered;
        try
        {
            await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /a.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"));
            answered = await ssl.ReadAsync(new byte[1024]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException)
        {
            answered = 0; // the close came before the write or the read: a reset instead of the close_notify
        }

        Assert.Equal(0, answered);
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        Assert.Equal(0, server.Requests.Count);
        using TlsTestClient good = await TlsTestClient.ConnectAsync(server, SslProtocols.Tls12);
        Assert.Equal(200, (await good.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13, TlsCipherSuite.TLS_AES_128_GCM_SHA256, true)]
    [InlineData(SslProtocols.Tls13, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, true)]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, true)]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true)]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, true)]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, false)]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, false)]
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, false)] // no forward secrecy
    [InlineData(SslProtocols.Tls12, TlsCipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, false)]
    public void IsAcceptedSuite_IsEcdheWithAeadUnderTls12_AndAnyTls13Suite(SslProtocols protocol, TlsCipherSuite suite, bool accepted) =>
        Assert.Equal(accepted, TlsSettings.IsAcceptedSuite(protocol, suite));

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task PlainHttpOnTheTlsPort_Gets400NamingTheHttpsUrl_AndAClose(string engine)
    {
        StaticServer server = StartTls(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        TestResponse response = await client.RequestAsync(TestClient.Get("/a.txt"));

        Assert.Equal(400, response.StatusCode);
        Assert.True(response.SaysClose);
        Assert.Contains("HTTPS", response.BodyText);
        Assert.Contains(server.Url, response.BodyText);
        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(3)));
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task SilentClient_IsClosedAtTheHandshakeTimeout(string engine)
    {
        StaticServer server = StartTls(engine, new ServerLimits { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        using TestClient silent = await TestClient.ConnectAsync(server.Port);
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 1, TimeSpan.FromSeconds(5)));
        var clock = Stopwatch.StartNew();

        Assert.True(await silent.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(5)));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(500), "closed before its deadline: " + clock.Elapsed);
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task HalfAClientHello_IsClosedAtTheHandshakeTimeout(string engine)
    {
        StaticServer server = StartTls(engine, new ServerLimits { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(HalfClientHello);

        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(5)));
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Handshakes_CountTowardMaxConnections(string engine)
    {
        StaticServer server = StartTls(engine, new ServerLimits { MaxConnections = 2 });
        using TestClient a = await TestClient.ConnectAsync(server.Port);
        using TestClient b = await TestClient.ConnectAsync(server.Port);
        await a.SendAsync(HalfClientHello);
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 2, TimeSpan.FromSeconds(5)));

        // A third client waits in the backlog: its handshake does not complete while two are in theirs.
        Task<TlsTestClient> third = TlsTestClient.ConnectAsync(server, timeout: TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        Assert.False(third.IsCompleted, "a third connection was taken past MaxConnections");
        Assert.Equal(2, server.ActiveConnections);

        b.Dispose(); // one leaves: the third is taken and served
        using TlsTestClient client = await third;
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        Assert.Equal(2, server.ActiveConnections); // a (mid-handshake) and the third (now HTTP): counted once each
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_ClosesASilentHandshakeAtOnce_AndIsGraceful(string engine)
    {
        StaticServer server = StartTls(engine);
        using TestClient silent = await TestClient.ConnectAsync(server.Port);
        using TlsTestClient idle = await TlsTestClient.ConnectAsync(server);
        Assert.Equal(200, (await idle.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 2, TimeSpan.FromSeconds(5)));
        var clock = Stopwatch.StartNew();

        bool graceful = server.Stop(TimeSpan.FromSeconds(5));

        Assert.True(graceful);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "Stop took " + clock.Elapsed);
        Assert.Equal(0, server.ActiveConnections);
        Assert.True(await silent.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_AbortsAHandshakeInProgress_AtTheEndOfTheGrace(string engine)
    {
        StaticServer server = StartTls(engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(HalfClientHello);
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();

        bool graceful = server.Stop(TimeSpan.FromSeconds(1));

        Assert.False(graceful);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), "Stop did not wait for the grace: " + clock.Elapsed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), "Stop took " + clock.Elapsed);
        Assert.Equal(0, server.ActiveConnections);
        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(2)));
    }

    /// <summary>A TLS handshake record header announcing 512 bytes, and only the first few of them.</summary>
    private static string HalfClientHello => Encoding.Latin1.GetString(new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03 });
}
