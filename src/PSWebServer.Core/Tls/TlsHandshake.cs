using System;
using System.Buffers;
using System.Net.Security;
using System.Security.Authentication;
using System.Threading.Tasks;
using PSWebServer.Connections;
using PSWebServer.Http;
using PSWebServer.Transport;

namespace PSWebServer.Tls;

/// <summary>
/// The first phase of an HTTPS connection, tracked like any other: it is counted against MaxConnections from accept
/// (the engine's reservation), has its own deadline (<see cref="ServerLimits.HandshakeTimeout"/>, from the accept:
/// a client that sends nothing, or half a ClientHello, is closed when it passes), is closed at once by Stop while the
/// client has sent nothing, and aborted at the end of the grace mid-handshake. Once the handshake is done it hands its
/// registration to the HTTP connection on the TLS transport (<see cref="ConnectionManager.Replace"/>), so the client
/// is counted once throughout and never untracked in between.
/// </summary>
internal sealed class TlsHandshake : ITrackedConnection
{
    private const byte HandshakeRecord = 0x16; // TLS record type 22: every ClientHello begins with it
    private const int FirstReadBytes = 4096;

    private readonly IConnectionTransport _transport;
    private readonly TlsSettings _settings;
    private readonly ConnectionManager _manager;
    private readonly ConnectionDeadline _deadline;
    private readonly RequestLog _log;
    private readonly ServerStatistics _statistics;
    private readonly TimeSpan _timeout;
    private readonly Action<TlsTransport, long> _startHttp;
    private long _id;

    /// <param name="startHttp">Starts the HTTP connection on the TLS transport, taking over the registration id given.</param>
    public TlsHandshake(IConnectionTransport transport, TlsSettings settings, ConnectionManager manager, RequestLog log,
        ServerStatistics statistics, ServerLimits limits, Action<TlsTransport, long> startHttp)
    {
        _transport = transport;
        _settings = settings;
        _manager = manager;
        _log = log;
        _statistics = statistics;
        _timeout = limits.HandshakeTimeout;
        _startHttp = startHttp;
        _deadline = new ConnectionDeadline(manager);
    }

    /// <summary>Registers the phase and runs it on the caller's thread until its first wait (on epoll: the loop thread).</summary>
    public Task Start()
    {
        _id = _manager.Register(this);
        return RunAsync();
    }

    public void CloseIfIdle()
    {
        if (_deadline.IsIdle) Abort();
    }

    public void AbortIfPastDeadline(long now)
    {
        if (_deadline.IsPast(now)) Abort();
    }

    public void Abort()
    {
        try
        {
            _transport.Abort();
        }
        catch (Exception)
        {
            // closing a socket that is already closing: nothing to do
        }
    }

    private async Task RunAsync()
    {
        bool handedOver = false;
        SslStream? ssl = null;
        byte[]? first = ArrayPool<byte>.Shared.Rent(FirstReadBytes);
        try
        {
            // Nothing received yet: idle, so Stop closes it at once. The deadline runs from here to the handshake's end.
            _deadline.Enter(_timeout, idle: true);
            if (_manager.Stopping) return;
            int received = await _transport.ReceiveAsync(first).ConfigureAwait(false);
            if (received == 0) return;
            _deadline.Restore((_deadline.Deadline, false)); // the client has begun: same deadline, no longer idle

            if (first[0] != HandshakeRecord)
            {
                await AnswerPlainHttpAsync(first).ConfigureAwait(false);
                return;
            }

            var stream = new TransportStream(_transport);
            stream.SetPrefix(first, received);
            first = null; // the stream returns it to the pool once SslStream has read it
            ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsServerAsync(_settings.ServerOptions).ConfigureAwait(false);
            if (!TlsSettings.IsAcceptedSuite(ssl.SslProtocol, ssl.NegotiatedCipherSuite))
            {
                // a TLS 1.2 client with no AEAD suite got one of the platform's CBC suites: no HTTP over it. close_notify
                // and the close, before anything is read; the client sees the connection end as a refusal.
                await ssl.ShutdownAsync().ConfigureAwait(false);
                return;
            }
            _deadline.Clear(); // done: a heartbeat pass still holding this phase must not abort the connection now being handed over

            var tls = new TlsTransport(_transport, stream, ssl, TlsSettings.ProtocolText(ssl.SslProtocol), ssl.TargetHostName,
                ssl.NegotiatedApplicationProtocol);
            _startHttp(tls, _id); // the HTTP connection now owns the transport and the registration (its loop never throws)
            handedOver = true;
        }
        catch (Exception ex) when (IsHandshakeFailure(ex))
        {
            // the client left, sent something that is not TLS we accept (an old version, no shared cipher), or the
            // deadline or stop aborted it: the connection ends, the server goes on
        }
        catch (Exception ex)
        {
            _statistics.ReportError(ex);
        }
        finally
        {
            if (first != null) ArrayPool<byte>.Shared.Return(first);
            if (!handedOver)
            {
                try
                {
                    ssl?.Dispose();
                }
                catch (Exception)
                {
                    // freeing a half-made TLS session: the socket is closed below either way
                }
                _transport.Dispose();
                _manager.Unregister(_id);
            }
        }
    }

    /// <summary>
    /// A plain-HTTP request on the HTTPS port (its first byte is not a TLS record): a 400 that says which URL to use,
    /// then a close. The client's request is read and dropped for a moment first, so the close does not reset the
    /// answer away before the client reads it.
    /// </summary>
    private async ValueTask AnswerPlainHttpAsync(byte[] scratch)
    {
        byte[] answer = _settings.PlainHttpAnswer;
        _deadline.Enter(ConnectionEnd.LingerTime, idle: false);
        await _transport.SendAsync(answer).ConfigureAwait(false);
        _statistics.CountResponse(answer.Length);
        _log.Record(new RequestRecord
        {
            TimestampUtcTicks = DateTime.UtcNow.Ticks,
            ClientAddress = _transport.RemoteAddress,
            Version = HttpVersion.None,
            StatusCode = 400,
            BytesSent = answer.Length,
            ContentEncoding = "",
        });
        _transport.ShutdownSend();
        await ConnectionEnd.DrainAsync(_transport, scratch).ConfigureAwait(false);
    }

    private static bool IsHandshakeFailure(Exception ex) => ex is AuthenticationException || ConnectionEnd.IsDisconnect(ex);
}
