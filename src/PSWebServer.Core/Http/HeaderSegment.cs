namespace PSWebServer.Http;

/// <summary>Where a piece of the request head lies in the connection's buffer: an offset from the head's start and a length.</summary>
internal readonly struct HeaderSegment
{
    public static readonly HeaderSegment Absent = new(-1, 0);

    public HeaderSegment(int start, int length)
    {
        Start = start;
        Length = length;
    }

    public int Start { get; }
    public int Length { get; }
    public bool IsPresent => Start >= 0;

    public System.ReadOnlySpan<byte> Of(System.ReadOnlySpan<byte> head) => IsPresent ? head.Slice(Start, Length) : default;
}
