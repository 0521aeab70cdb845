namespace PSWebServer.Http2;

/// <summary>What <see cref="Http2FrameReader.Read"/> found at the start of the buffer.</summary>
internal enum Http2ReadStatus
{
    /// <summary>Not a whole frame yet: read more octets and call again with the same start.</summary>
    NeedMore,

    /// <summary>A complete, valid frame of a known type.</summary>
    Frame,

    /// <summary>A complete frame of an unknown type (§5.5): skip its octets. Inside a field block it is still a
    /// PROTOCOL_ERROR (§6.10), which the connection checks, since only it knows a block is open.</summary>
    Ignored,

    /// <summary>A violation; for a stream error the whole frame has arrived, so it can be skipped.</summary>
    Error,
}
