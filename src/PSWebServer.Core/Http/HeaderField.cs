namespace PSWebServer.Http;

/// <summary>One header field line of a request, as it was sent: its name and its trimmed value, both offsets into the head.</summary>
internal readonly struct HeaderField
{
    public HeaderField(HeaderSegment name, HeaderSegment value)
    {
        Name = name;
        Value = value;
    }

    public HeaderSegment Name { get; }
    public HeaderSegment Value { get; }
}
