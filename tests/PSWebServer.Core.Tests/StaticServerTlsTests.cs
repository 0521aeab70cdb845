using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using PSWebServer.Tls;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>An HTTPS server end to end: a start that fails leaves nothing listening; large files and ranges arrive byte-exact.</summary>
[Collection(SocketTestCollection.Name)]
public sealed class StaticServerTlsTests : IDisposable
{
    private const int LargeLength = 5 * 1024 * 1024 + 123; // not a multiple of any chunk size
    private readonly ServerScope _scope = new();
    private readonly byte[] _large = new byte[LargeLength];

    public StaticServerTlsTests()
    {
        new Random(8).NextBytes(_large);
        File.WriteAllBytes(Path.Combine(_scope.Root, "large.bin"), _large);
    }

    public void Dispose() => _scope.Dispose();

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public void Start_WithACertificateThatCannotServe_Throws_AndLeavesNothingListening()
    {
        int port = FreePort();
        using RSA key = RSA.Create(2048);
        X509Certificate2 expired = new CertificateRequest("CN=old", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));

        var error = Assert.Throws<ServerException>(() => _scope.Start(port: port, certificate: CertificateSource.FromCertificate(expired)));

        Assert.Equal(ServerErrorKind.CertificateExpired, error.Kind);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port)); // refused: nothing bound it
    }

    [Theory]
    [InlineData("epoll", false)]
    [InlineData("socket", false)]
    [InlineData("epoll", true)]
    [InlineData("socket", true)]
    public async Task LargeFile_OverTls_ArrivesByteExact_TwiceOnOneConnection(string engine, bool outOfThePageCache)
    {
        StaticServer server = _scope.Start(engine: engine, certificate: CertificateSource.SelfSigned());
        using TlsTestClient client = await TlsTestClient.ConnectAsync(server);
        // pieces the page cache lacks are read on a work thread, the others where the send runs: both, in one body
        if (outOfThePageCache) PageCache.Evict(Path.Combine(_scope.Root, "large.bin"));

        for (int i = 0; i < 2; i++)
        {
            TestResponse response = await client.RequestAsync(TestClient.Get("/large.bin"));
            Assert.Equal(200, response.StatusCode);
            Assert.Equal(LargeLength.ToString(), response.Header("Content-Length"));
            Assert.True(_large.AsSpan().SequenceEqual(response.Body), "the body differs from the file");
        }
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Ranges_OverTls_AreTheRightBytes(string engine)
    {
        StaticServer server = _scope.Start(engine: engine, certificate: CertificateSource.SelfSigned());
        using TlsTestClient client = await TlsTestClient.ConnectAsync(server);

        TestResponse single = await client.RequestAsync(TestClient.Get("/large.bin", "Range: bytes=1000000-3999999\r\n"));
        TestResponse multi = await client.RequestAsync(TestClient.Get("/large.bin", "Range: bytes=0-9,2000000-2000009\r\n"));

        Assert.Equal(206, single.StatusCode);
        Assert.True(_large.AsSpan(1_000_000, 3_000_000).SequenceEqual(single.Body));
        Assert.Equal(206, multi.StatusCode);
        Assert.StartsWith("multipart/byteranges", multi.Header("Content-Type"));
        Assert.Contains(Convert.ToHexString(_large, 2_000_000, 10), Convert.ToHexString(multi.Body));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_WithATlsClientStalledMidDownload_IsBoundedByTheGrace(string engine)
    {
        StaticServer server = _scope.Start(engine: engine, certificate: CertificateSource.SelfSigned());
        using TlsTestClient client = await TlsTestClient.ConnectAsync(server);
        client.Socket.ReceiveBufferSize = 64 * 1024;
        await client.SendAsync(TestClient.Get("/big.bin")); // 50 MiB: far more than the socket buffers hold
        byte[] some = new byte[64 * 1024];
        int read = 0;
        while (read < some.Length) read += await client.Ssl.ReadAsync(some.AsMemory(read));
        await Task.Delay(300); // the server fills the buffers and waits for the client, with a piece read off the loop
        var clock = System.Diagnostics.Stopwatch.StartNew();

        bool graceful = server.Stop(TimeSpan.FromSeconds(1));

        Assert.False(graceful);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), "Stop did not wait for the grace: " + clock.Elapsed);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), "Stop took " + clock.Elapsed);
        Assert.Equal(0, server.ActiveConnections);
    }

    [Fact]
    public async Task PemFullChain_SendsTheIntermediateWithTheLeaf()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa middleKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        X509Certificate2 root = CaRequest("CN=test root", rootKey).CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        X509Certificate2 middle = CaRequest("CN=test intermediate", middleKey).Create(root, now.AddDays(-1), now.AddDays(20), new byte[] { 2 })
            .CopyWithPrivateKey(middleKey);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(names.Build());
        X509Certificate2 leaf = leafRequest.Create(middle, now.AddDays(-1), now.AddDays(10), new byte[] { 3 });
        string chain = _scope.Site.File("fullchain.pem", leaf.ExportCertificatePem() + "\n" + middle.ExportCertificatePem());
        string key = _scope.Site.File("privkey.pem", leafKey.ExportPkcs8PrivateKeyPem());
        StaticServer server = _scope.Start(certificate: CertificateSource.FromFile(chain, keyPath: key));

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, server.Port);
        using var ssl = new System.Net.Security.SslStream(new NetworkStream(socket, ownsSocket: false));
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(new X509Certificate2(root.RawData)); // only the root: the intermediate must come from the server
        await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            CertificateChainPolicy = policy,
        });

        Assert.Equal(leaf.Thumbprint, new X509Certificate2(ssl.RemoteCertificate!).Thumbprint);
    }

    private static CertificateRequest CaRequest(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ManyClients_AtOnce_AreAllServed(string engine)
    {
        StaticServer server = _scope.Start(engine: engine, certificate: CertificateSource.SelfSigned());
        var clients = new Task[20];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = Task.Run(async () =>
            {
                using TlsTestClient client = await TlsTestClient.ConnectAsync(server);
                for (int r = 0; r < 5; r++) Assert.Equal(ServerScope.TextA, (await client.RequestAsync(TestClient.Get("/a.txt"))).BodyText);
            });
        }
        await Task.WhenAll(clients);
        Assert.True(await ServerScope.EventuallyAsync(() => server.RequestCount == 100, TimeSpan.FromSeconds(5)));
    }
}
