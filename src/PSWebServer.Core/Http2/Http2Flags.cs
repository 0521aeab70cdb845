namespace PSWebServer.Http2;

/// <summary>
/// Frame flags (RFC 9113 §6). Constants rather than a [Flags] enum because the same bit means different things per
/// frame type (0x1 is END_STREAM on DATA/HEADERS and ACK on SETTINGS/PING); the names say which type they belong to.
/// Bits a type does not define are ignored on receipt (§4.1), so the reader never checks for them.
/// </summary>
internal static class Http2Flags
{
    /// <summary>DATA, HEADERS: the last frame the sender will send on the stream.</summary>
    public const byte EndStream = 0x1;

    /// <summary>SETTINGS, PING: an acknowledgement.</summary>
    public const byte Ack = 0x1;

    /// <summary>HEADERS, PUSH_PROMISE, CONTINUATION: the field block ends in this frame.</summary>
    public const byte EndHeaders = 0x4;

    /// <summary>DATA, HEADERS, PUSH_PROMISE: a Pad Length octet leads the payload and padding trails it.</summary>
    public const byte Padded = 0x8;

    /// <summary>HEADERS: the deprecated priority fields (5 octets) follow the Pad Length.</summary>
    public const byte Priority = 0x20;
}
