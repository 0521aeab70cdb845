using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PSWebServer.Http;

/// <summary>Collects fields for a <see cref="HeaderBlock"/>; used where blocks are made (cache fills, start-up), never per cached request.</summary>
internal sealed class HeaderBlockBuilder
{
    private readonly List<KeyValuePair<byte[], byte[]>> _fields = new(8);

    public HeaderBlockBuilder Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        _fields.Add(new(name.ToArray(), value.ToArray()));
        return this;
    }

    /// <summary>Text known to be ASCII (types, tokens, dates the server made).</summary>
    public HeaderBlockBuilder Add(ReadOnlySpan<byte> name, string value)
    {
        _fields.Add(new(name.ToArray(), Encoding.ASCII.GetBytes(value)));
        return this;
    }

    public HeaderBlockBuilder Add(ReadOnlySpan<byte> name, long value) =>
        Add(name, value.ToString(CultureInfo.InvariantCulture));

    public HeaderBlock Build() => _fields.Count == 0 ? HeaderBlock.Empty : new HeaderBlock(_fields.ToArray());
}
