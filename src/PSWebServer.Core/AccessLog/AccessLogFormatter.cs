using System;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PSWebServer.Http;

namespace PSWebServer.AccessLog;

/// <summary>
/// Turns records into lines of the access log file. Runs on the writer thread only (never on a loop), so it may
/// allocate the few strings the JSON form needs. Text forms are pure ASCII: a quote, a backslash, a control byte
/// or a byte above 0x7E in a field is written as <c>\"</c>, <c>\\</c> or <c>\xHH</c>, so a client cannot forge a line
/// or a field (the way nginx escapes its log).
/// </summary>
internal sealed class AccessLogFormatter
{
    private readonly AccessLogFormat _format;
    private readonly string _serverName;
    private readonly JsonWriterOptions _jsonOptions = new()
    {
        // Still escapes quotes, backslashes and control characters: only '+', '<', '&' and non-ASCII stay readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };
    private Utf8JsonWriter? _json;

    public AccessLogFormatter(AccessLogFormat format, string serverName)
    {
        if (!Enum.IsDefined(format)) throw new ArgumentOutOfRangeException(nameof(format));
        _format = format;
        _serverName = serverName;
    }

    /// <summary>Appends one line, ending in LF, for <paramref name="record"/>.</summary>
    public void Append(in AccessLogRecord record, ArrayBufferWriter<byte> output)
    {
        if (_format == AccessLogFormat.Json) AppendJson(record, output);
        else AppendText(record, output, combined: _format == AccessLogFormat.Combined);
    }

    private static void AppendText(in AccessLogRecord record, ArrayBufferWriter<byte> output, bool combined)
    {
        AppendEscaped(output, HostOf(record.ClientAddress), dashWhenEmpty: true);
        Literal(output, " - - [");
        var time = new DateTime(record.TimestampUtcTicks, DateTimeKind.Utc);
        Span<byte> span = output.GetSpan(32);
        time.TryFormat(span, out int written, "dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture);
        output.Advance(written);
        Literal(output, " +0000] \"");
        if (record.Method.IsEmpty)
        {
            // A request rejected before its request line could be read: Apache and nginx write "-" too.
            Literal(output, "-");
        }
        else
        {
            AppendEscaped(output, record.Method);
            Literal(output, " ");
            AppendEscaped(output, record.Target);
            string protocol = HttpVersions.ToText(record.Version);
            if (protocol.Length != 0)
            {
                Literal(output, " ");
                Literal(output, protocol);
            }
        }
        Literal(output, "\" ");
        Number(output, record.StatusCode);
        Literal(output, " ");
        Number(output, record.BytesSent);
        if (combined)
        {
            Literal(output, " \"");
            AppendEscaped(output, record.Referer, dashWhenEmpty: true);
            Literal(output, "\" \"");
            AppendEscaped(output, record.UserAgent, dashWhenEmpty: true);
            Literal(output, "\"");
        }
        Literal(output, "\n");
    }

    private void AppendJson(in AccessLogRecord record, ArrayBufferWriter<byte> output)
    {
        if (_json is null) _json = new Utf8JsonWriter(output, _jsonOptions);
        else _json.Reset(output);
        Utf8JsonWriter json = _json;

        ReadOnlySpan<byte> target = record.Target;
        int queryStart = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> path = queryStart < 0 ? target : target.Slice(0, queryStart);
        ReadOnlySpan<byte> query = queryStart < 0 ? default : target.Slice(queryStart + 1);

        // The same fields, names and decoding as ServerRequest (Get-ServerRequest), except that the time is UTC
        // (a file outlives the session's time zone) and the duration is a number of milliseconds.
        json.WriteStartObject();
        json.WriteNumber("Id", record.Id);
        json.WriteString("Timestamp", new DateTime(record.TimestampUtcTicks, DateTimeKind.Utc));
        json.WriteString("ServerName", _serverName);
        json.WriteString("ClientAddress", record.ClientAddress);
        json.WriteString("Method", Encoding.Latin1.GetString(record.Method));
        json.WriteString("Path", PercentDecoding.DecodeForDisplay(path));
        json.WriteString("Query", Encoding.Latin1.GetString(query));
        json.WriteString("Protocol", HttpVersions.ToText(record.Version));
        json.WriteNumber("StatusCode", record.StatusCode);
        json.WriteNumber("BytesSent", record.BytesSent);
        json.WriteNumber("DurationMs", Math.Round(TimeSpan.FromTicks(record.DurationTicks).TotalMilliseconds, 4));
        json.WriteString("UserAgent", Encoding.Latin1.GetString(record.UserAgent));
        json.WriteString("Referer", Encoding.Latin1.GetString(record.Referer));
        json.WriteString("Range", Encoding.Latin1.GetString(record.Range));
        json.WriteString("ContentEncoding", record.ContentEncoding);
        json.WriteEndObject();
        json.Flush();
        Literal(output, "\n");
    }

    /// <summary>The address without its port: <c>1.2.3.4:5678</c> → <c>1.2.3.4</c>, <c>[::1]:5678</c> → <c>::1</c>.</summary>
    internal static string HostOf(string clientAddress)
    {
        if (clientAddress.StartsWith('['))
        {
            int close = clientAddress.IndexOf(']');
            return close > 0 ? clientAddress.Substring(1, close - 1) : clientAddress;
        }
        int colon = clientAddress.LastIndexOf(':');
        return colon > 0 && clientAddress.IndexOf(':') == colon ? clientAddress.Substring(0, colon) : clientAddress;
    }

    private static void AppendEscaped(ArrayBufferWriter<byte> output, string text, bool dashWhenEmpty)
    {
        if (text.Length == 0 && dashWhenEmpty)
        {
            Literal(output, "-");
            return;
        }
        foreach (char c in text) Escaped(output, c > 0xFF ? (byte)'?' : (byte)c);
    }

    private static void AppendEscaped(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes, bool dashWhenEmpty = false)
    {
        if (bytes.IsEmpty && dashWhenEmpty)
        {
            Literal(output, "-");
            return;
        }
        foreach (byte b in bytes) Escaped(output, b);
    }

    private static void Escaped(ArrayBufferWriter<byte> output, byte b)
    {
        Span<byte> span = output.GetSpan(4);
        if (b == '"' || b == '\\')
        {
            span[0] = (byte)'\\';
            span[1] = b;
            output.Advance(2);
        }
        else if (b < 0x20 || b >= 0x7F)
        {
            span[0] = (byte)'\\';
            span[1] = (byte)'x';
            span[2] = (byte)"0123456789ABCDEF"[b >> 4];
            span[3] = (byte)"0123456789ABCDEF"[b & 0xF];
            output.Advance(4);
        }
        else
        {
            span[0] = b;
            output.Advance(1);
        }
    }

    private static void Literal(ArrayBufferWriter<byte> output, string ascii)
    {
        Span<byte> span = output.GetSpan(ascii.Length);
        for (int i = 0; i < ascii.Length; i++) span[i] = (byte)ascii[i];
        output.Advance(ascii.Length);
    }

    private static void Number(ArrayBufferWriter<byte> output, long value)
    {
        Span<byte> span = output.GetSpan(20);
        value.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }
}
