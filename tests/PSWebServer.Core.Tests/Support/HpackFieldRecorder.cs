using System;
using System.Collections.Generic;
using System.Text;
using PSWebServer.Http2;

namespace PSWebServer.Tests.Support;

/// <summary>Collects the fields an <see cref="HpackDecoder"/> produces, copied (the spans die with the call), as Latin-1 strings.</summary>
internal sealed class HpackFieldRecorder : IHpackHeaderSink
{
    public List<(string Name, string Value)> Fields { get; } = new();

    public void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) =>
        Fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));

    /// <summary>Hex as the RFC prints it: spaces and line breaks between groups.</summary>
    public static byte[] Hex(string hex)
    {
        var digits = new StringBuilder(hex.Length);
        foreach (char c in hex)
        {
            if (!char.IsWhiteSpace(c))
                digits.Append(c);
        }
        return Convert.FromHexString(digits.ToString());
    }

    /// <summary>The dynamic table, newest entry first, as (name, value) strings.</summary>
    public static List<(string Name, string Value)> TableOf(HpackDecoder decoder)
    {
        var table = decoder.Table;
        var entries = new List<(string, string)>();
        for (int i = 0; i < table.Count; i++)
            entries.Add((Encoding.Latin1.GetString(table.GetName(i)), Encoding.Latin1.GetString(table.GetValue(i))));
        return entries;
    }
}
