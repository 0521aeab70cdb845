namespace PSWebServer.Transport;

/// <summary>
/// How much a connection that sends files leaves unsent in the kernel (<see cref="IConnectionTransport.LimitUnsentBytes"/>,
/// TCP_NOTSENT_LOWAT), for HTTP/1.1 and HTTP/2 alike.
/// </summary>
internal static class UnsentLimit
{
    /// <summary>
    /// Small on purpose: with a short unsent queue each send transmits what it adds, on the server's core, while the
    /// client reads. With a deep queue the client's ACKs do the transmitting, on the client's core, which is then the
    /// limit: on loopback (the default listen address) a 10 MiB file went from ~125 to ~185 req/s going from 256 KiB to
    /// 32 KiB, at less server CPU per request (docs/benchmarks.md, "fourth pass"). 16 KiB cost HTTPS more wake-ups than
    /// it saved (a send is two 16 KiB TLS records); Cloudflare's tuning guide for HTTP/2 servers sets 16 KiB. It also keeps a
    /// slow but steady reader inside the send timeout: room is reported as the client reads, not after megabytes drain.
    /// </summary>
    public const int FileSendBytes = 32 * 1024;
}
