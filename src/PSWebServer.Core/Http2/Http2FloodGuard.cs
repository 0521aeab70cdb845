using System;

namespace PSWebServer.Http2;

/// <summary>
/// Per-connection rate limits on frames that cost the server work but carry no request (RFC 9113 §10.5): each count
/// runs over a fixed interval (<see cref="Interval"/>, 10 s by default) and breaking one is a connection error
/// ENHANCE_YOUR_CALM (GOAWAY, then close). Time comes from a <see cref="TimeProvider"/> so tests can step it.
/// <para>
/// Default limits, per 10 s, and why (nginx keeps one budget per connection that each control frame spends and
/// each request refills; h2o and Go limit resets and pings separately; we keep one counter per kind, fixed intervals,
/// so a burst at an interval's edge can reach twice a limit, which is still far from a flood):
/// <list type="bullet">
/// <item>Rapid Reset (CVE-2023-44487): 200 streams reset by the client within 1 s of opening. A browser leaving a
/// page cancels at most about the concurrent-stream limit (100) at once; the attack needs thousands per second.</item>
/// <item>PING (CVE-2019-9512): 50. Keep-alive and RTT probes are a few per minute.</item>
/// <item>SETTINGS (CVE-2019-9515): 50. A client sends one at the start and rarely another.</item>
/// <item>Empty DATA / HEADERS without END_STREAM (CVE-2019-9518): 100. They move no octets and close nothing.</item>
/// <item>CONTINUATION (CVE-2024-27316): 1000 over the connection, on top of the per-block bound in
/// <see cref="Http2HeaderBlockAssembler"/>: a legitimate client needs one or two per large block.</item>
/// </list>
/// ACK frames (PING, SETTINGS) are answers to us and not counted.
/// </para>
/// </summary>
internal sealed class Http2FloodGuard
{
    public const int DefaultRapidResetLimit = 200;
    public const int DefaultPingLimit = 50;
    public const int DefaultSettingsLimit = 50;
    public const int DefaultEmptyFrameLimit = 100;
    public const int DefaultContinuationLimit = 1000;

    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private readonly long _earlyResetTicks;

    private readonly Counter _resets;
    private readonly Counter _pings;
    private readonly Counter _settings;
    private readonly Counter _empty;
    private readonly Counter _continuations;

    public Http2FloodGuard(TimeProvider time, TimeSpan? interval = null, TimeSpan? earlyReset = null,
        int rapidResetLimit = DefaultRapidResetLimit, int pingLimit = DefaultPingLimit,
        int settingsLimit = DefaultSettingsLimit, int emptyFrameLimit = DefaultEmptyFrameLimit,
        int continuationLimit = DefaultContinuationLimit)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Interval = interval ?? TimeSpan.FromSeconds(10);
        EarlyReset = earlyReset ?? TimeSpan.FromSeconds(1);
        if (Interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval));
        if (EarlyReset < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(earlyReset));
        _intervalTicks = ToTimestampTicks(Interval);
        _earlyResetTicks = ToTimestampTicks(EarlyReset);
        _resets = new Counter(rapidResetLimit);
        _pings = new Counter(pingLimit);
        _settings = new Counter(settingsLimit);
        _empty = new Counter(emptyFrameLimit);
        _continuations = new Counter(continuationLimit);
    }

    public TimeSpan Interval { get; }

    /// <summary>A client reset this soon after the stream opened counts towards Rapid Reset.</summary>
    public TimeSpan EarlyReset { get; }

    /// <summary>The timestamp the stream table keeps as a stream's opening time.</summary>
    public long Now() => _time.GetTimestamp();

    /// <summary>A RST_STREAM from the client that closed an active stream opened at <paramref name="openedAt"/>.</summary>
    public bool OnStreamReset(long openedAt, out Http2FrameError error)
    {
        long now = _time.GetTimestamp();
        error = default;
        if (openedAt < 0 || now - openedAt > _earlyResetTicks)
            return true;
        return Count(_resets, now, "too many streams reset by the client (Rapid Reset)", out error);
    }

    /// <summary>A PING without ACK.</summary>
    public bool OnPing(out Http2FrameError error) =>
        Count(_pings, _time.GetTimestamp(), "too many PING frames", out error);

    /// <summary>A SETTINGS without ACK.</summary>
    public bool OnSettings(out Http2FrameError error) =>
        Count(_settings, _time.GetTimestamp(), "too many SETTINGS frames", out error);

    /// <summary>A DATA or HEADERS frame with an empty payload (after padding) and no END_STREAM.</summary>
    public bool OnEmptyFrame(out Http2FrameError error) =>
        Count(_empty, _time.GetTimestamp(), "too many empty frames", out error);

    /// <summary>Any CONTINUATION frame.</summary>
    public bool OnContinuation(out Http2FrameError error) =>
        Count(_continuations, _time.GetTimestamp(), "too many CONTINUATION frames", out error);

    private bool Count(Counter counter, long now, string reason, out Http2FrameError error)
    {
        error = default;
        if (now - counter.Start >= _intervalTicks || now < counter.Start)
        {
            counter.Start = now;
            counter.Count = 0;
        }
        if (++counter.Count > counter.Limit)
        {
            error = Http2FrameError.Connection(Http2ErrorCode.EnhanceYourCalm, 0, reason);
            return false;
        }
        return true;
    }

    private long ToTimestampTicks(TimeSpan span) =>
        (long)Math.Min(long.MaxValue / 2, span.TotalSeconds * _time.TimestampFrequency);

    // A class so the five counters are fields mutated in place; allocated once per connection.
    private sealed class Counter
    {
        public Counter(int limit)
        {
            if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit));
            Limit = limit;
            Start = long.MinValue / 2;
        }

        public int Limit { get; }

        public long Start { get; set; }

        public int Count { get; set; }
    }
}
