using System;
using System.Collections.Generic;
using System.Text;

namespace PSWebServer.Http;

/// <summary>
/// A fixed set of response header fields, made once and shared by every response that carries it: the headers of
/// a cached file form, the user's -Header lines, the Content-Type of the server's own pages. Protocol-neutral (names
/// and values as bytes); each encoder may keep its own wire form of the block here, made on first use, so the fast
/// path copies prebuilt bytes instead of encoding fields per request.
/// </summary>
internal sealed class HeaderBlock
{
    public static readonly HeaderBlock Empty = new(Array.Empty<KeyValuePair<byte[], byte[]>>());

    private readonly KeyValuePair<byte[], byte[]>[] _fields;
    private byte[]? _http1Lines;

    /// <summary>
    /// The block's HTTP/2 wire form (HPACK field representations), kept here by the HTTP/2 encoder the way
    /// <see cref="Http1Lines"/> keeps the HTTP/1 one: made once per block, on first use. A benign race: two threads
    /// build equal arrays.
    /// </summary>
    internal byte[]? Http2Form;

    public HeaderBlock(KeyValuePair<byte[], byte[]>[] fields)
    {
        _fields = fields;
    }

    public static HeaderBlock From(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var list = new List<KeyValuePair<byte[], byte[]>>();
        foreach (KeyValuePair<string, string> field in fields)
        {
            // Latin-1: header values are octets (RFC 9110 §5.5); options validation has refused CR, LF and NUL.
            list.Add(new(Encoding.Latin1.GetBytes(field.Key), Encoding.Latin1.GetBytes(field.Value)));
        }
        return list.Count == 0 ? Empty : new HeaderBlock(list.ToArray());
    }

    public int Count => _fields.Length;

    public ReadOnlySpan<byte> Name(int index) => _fields[index].Key;

    public ReadOnlySpan<byte> Value(int index) => _fields[index].Value;

    /// <summary>The block as HTTP/1.1 field lines ("Name: value\r\n" each), built once.</summary>
    public byte[] Http1Lines
    {
        get
        {
            byte[]? lines = _http1Lines;
            if (lines != null) return lines;
            int length = 0;
            foreach (KeyValuePair<byte[], byte[]> pair in _fields) length += pair.Key.Length + pair.Value.Length + 4;
            lines = new byte[length];
            int at = 0;
            foreach (KeyValuePair<byte[], byte[]> pair in _fields)
            {
                pair.Key.CopyTo(lines, at);
                at += pair.Key.Length;
                lines[at++] = (byte)':';
                lines[at++] = (byte)' ';
                pair.Value.CopyTo(lines, at);
                at += pair.Value.Length;
                lines[at++] = (byte)'\r';
                lines[at++] = (byte)'\n';
            }
            _http1Lines = lines; // a benign race: two threads build equal arrays
            return lines;
        }
    }
}
