namespace PSWebServer.Http2;

/// <summary>Result of <see cref="Http2Preface.Check"/>.</summary>
internal enum Http2PrefaceStatus
{
    /// <summary>Every octet so far matches; more are needed.</summary>
    NeedMore,

    /// <summary>The whole 24-octet preface is there.</summary>
    Match,

    /// <summary>An octet differs: not HTTP/2 (for h2c prior knowledge, serve HTTP/1.1 instead).</summary>
    Mismatch,
}
