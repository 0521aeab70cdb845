using System;
using System.Collections.Generic;
using System.IO;

namespace PSWebServer.Http;

/// <summary>
/// What a handler decided for one request, as data: status, header fields, and where the body comes from. The
/// protocol encoder (<see cref="Http1ResponseEncoder"/> for HTTP/1.1) turns it into bytes and adds what belongs to the
/// protocol and the server (Content-Length or chunked framing, Server, Date, Connection). No handler writes wire bytes.
/// One per connection, reset per request: filling it for a cached file allocates nothing.
/// </summary>
internal sealed class HttpResponse : IDisposable
{
    private const int MaxBlocks = 4;
    private readonly HeaderBlock?[] _blocks = new HeaderBlock?[MaxBlocks];

    public int StatusCode;

    /// <summary>
    /// The body's length, sent as Content-Length (also for HEAD, which sends no body); -1 for none (304, 204) or,
    /// with <see cref="BodyKind.Stream"/>, unknown (HTTP/1.1 then uses chunked framing).
    /// </summary>
    public long ContentLength = -1;

    public BodyKind Body;
    /// <summary>For <see cref="BodyKind.Bytes"/>, and the source of a multipart body held in memory.</summary>
    public ReadOnlyMemory<byte> BodyBytes;
    /// <summary>For <see cref="BodyKind.File"/>, and the source of a multipart body on disk; the connection disposes it.</summary>
    public FileStream? File;
    public long FileOffset;
    public long FileLength;
    public List<BodyPart>? Parts;
    public IResponseBodyWriter? Writer;

    /// <summary>The handler wants the connection closed after this response (the encoder says so in its own way).</summary>
    public bool Close;

    /// <summary>For the request log: the content coding sent ("br", "gzip", or "").</summary>
    public string ContentEncoding = "";

    /// <summary>A failure the connection commits instead of answering normally (canned test responses).</summary>
    public ResponseFault Fault;

    /// <summary>For the request log: which canned response answered (its description), or null for the files.</summary>
    public string? AnsweredBy;

    /// <summary>Fields added for this response only.</summary>
    public ResponseHeaders Headers { get; } = new();

    public int BlockCount { get; private set; }

    public HeaderBlock Block(int index) => _blocks[index]!;

    /// <summary>Adds a shared, prebuilt set of fields (a file form's headers, the user's -Header lines).</summary>
    public void AddBlock(HeaderBlock block)
    {
        if (block.Count == 0) return;
        if (BlockCount == MaxBlocks) throw new InvalidOperationException("Too many header blocks.");
        _blocks[BlockCount++] = block;
    }

    public void SetBytes(ReadOnlyMemory<byte> body)
    {
        Body = BodyKind.Bytes;
        BodyBytes = body;
        ContentLength = body.Length;
    }

    public void SetFile(FileStream file, long offset, long length)
    {
        Body = BodyKind.File;
        File = file;
        FileOffset = offset;
        FileLength = length;
        ContentLength = length;
    }

    /// <summary>Forgets everything decided so far (a handler that started, then found it must answer otherwise).</summary>
    public void Reset()
    {
        StatusCode = 0;
        ContentLength = -1;
        Body = BodyKind.None;
        BodyBytes = default;
        File?.Dispose();
        File = null;
        FileOffset = FileLength = 0;
        Parts = null;
        Writer = null;
        Close = false;
        ContentEncoding = "";
        Fault = ResponseFault.None;
        AnsweredBy = null;
        Headers.Clear();
        Array.Clear(_blocks);
        BlockCount = 0;
    }

    public void Dispose()
    {
        Reset();
        Headers.Dispose();
    }
}
