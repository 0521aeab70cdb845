using System;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;

namespace PSWebServer.Tests.Support;

/// <summary>A raw socket client on 127.0.0.1: sends exactly the bytes a test gives and reads responses with a timeout.</summary>
internal sealed class TestClient : IDisposable
{
    private TestClient(Socket socket)
    {
        Socket = socket;
        Reader = HttpResponseReader.For(socket);
    }

    public Socket Socket { get; }
    public HttpResponseReader Reader { get; }
    public int LocalPort => ((IPEndPoint)Socket.LocalEndPoint!).Port;

    public static async Task<TestClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new System.Threading.CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new TestClient(socket);
    }

    public async Task SendAsync(string text)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text);
        int sent = 0;
        while (sent < bytes.Length) sent += await Socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None).ConfigureAwait(false);
    }

    public Task<TestResponse> ReadAsync(bool noBody = false, TimeSpan? timeout = null) => Reader.ReadAsync(noBody, timeout);

    /// <summary>Sends one request and reads its response.</summary>
    public async Task<TestResponse> RequestAsync(string request, bool noBody = false)
    {
        await SendAsync(request).ConfigureAwait(false);
        return await ReadAsync(noBody).ConfigureAwait(false);
    }

    public static string Get(string path, string extraHeaders = "") => "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extraHeaders + "\r\n";

    /// <summary>Closes with a reset instead of a FIN.</summary>
    public void Reset()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Close();
    }

    public void Dispose() => Socket.Dispose();
}
