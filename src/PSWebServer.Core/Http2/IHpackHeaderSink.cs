using System;

namespace PSWebServer.Http2;

/// <summary>
/// Receives the fields of a header block as the <see cref="HpackDecoder"/> decodes them. The spans are valid only
/// during the call (they point into the block, the decoder's scratch buffer or the dynamic table), which is what
/// keeps decoding free of per-field allocation: the sink copies only what it keeps.
/// </summary>
internal interface IHpackHeaderSink
{
    void OnHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);
}
