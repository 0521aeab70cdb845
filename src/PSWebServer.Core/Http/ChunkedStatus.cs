namespace PSWebServer.Http;

/// <summary>Where <see cref="ChunkedBodyDecoder.Decode"/> stopped.</summary>
internal enum ChunkedStatus
{
    /// <summary>All the input is consumed and the body goes on: feed more.</summary>
    NeedMoreData,
    /// <summary>Data is waiting and the destination is full: give it more room.</summary>
    DestinationFull,
    /// <summary>The last chunk and the trailer section are read; bytes after them belong to the next request.</summary>
    Complete,
    /// <summary>The framing broke the grammar or a bound: <see cref="ChunkedBodyDecoder.Rejection"/> says which.</summary>
    Rejected,
}
