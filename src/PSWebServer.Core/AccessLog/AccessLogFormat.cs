namespace PSWebServer;

/// <summary>How each line of the access log file is written.</summary>
public enum AccessLogFormat
{
    /// <summary>NCSA common log format: <c>host - - [time] "request line" status bytes</c>.</summary>
    Common,
    /// <summary>Common, then the quoted Referer and User-Agent: what most log analysers expect.</summary>
    Combined,
    /// <summary>One JSON object per line with the fields of <see cref="ServerRequest"/>.</summary>
    Json,
}
