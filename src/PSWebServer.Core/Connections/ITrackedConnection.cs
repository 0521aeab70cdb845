namespace PSWebServer.Connections;

/// <summary>
/// What <see cref="ConnectionManager"/> needs from anything it tracks: an HTTP/1.1 connection today, and next a TLS
/// handshake or an HTTP/2 session. The manager knows no protocol; it only asks these three things, from the heartbeat
/// thread and from stop, while the connection's own code runs elsewhere. So every member must be safe to call from any
/// thread, at any time, more than once, and must not block or throw.
/// </summary>
/// <remarks>
/// A new phase gets its own deadline by keeping a <see cref="ConnectionDeadline"/>: it calls
/// <see cref="ConnectionDeadline.Enter"/> with its timeout when it begins (a handshake: the handshake timeout; a session
/// waiting for its next frame: the idle timeout, as idle), and answers <see cref="AbortIfPastDeadline"/> and
/// <see cref="CloseIfIdle"/> from it. A phase that hands the same socket on to another (a TLS handshake to the HTTP/1.1
/// or HTTP/2 code chosen by ALPN) passes its registration on with <see cref="ConnectionManager.Replace"/>, so the
/// connection is counted once and never untracked in between.
/// </remarks>
internal interface ITrackedConnection
{
    /// <summary>
    /// Stop has begun: close now if nothing is in flight (between requests, nothing buffered). A connection that is busy
    /// finishes what it is doing, answers with "close", and ends by itself within the grace period or is aborted after it.
    /// </summary>
    void CloseIfIdle();

    /// <summary>
    /// The heartbeat's check, about once a second: abort when the current phase's deadline is before
    /// <paramref name="now"/> (a timestamp of <see cref="ConnectionManager.Time"/>). A phase with no deadline does nothing.
    /// </summary>
    void AbortIfPastDeadline(long now);

    /// <summary>Ends the connection at once (the grace period is over, or the server faulted): pending operations fail and its code unwinds.</summary>
    void Abort();
}
