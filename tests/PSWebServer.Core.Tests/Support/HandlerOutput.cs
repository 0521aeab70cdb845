using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using PSWebServer.Http;

namespace PSWebServer.Tests.Support;

/// <summary>
/// Runs one request through a handler as a connection would (the loop entry, else the off-loop one) and encodes the
/// response with the HTTP/1.1 encoder: the bytes a client would read, without sockets.
/// </summary>
internal static class HandlerOutput
{
    public static async Task<(byte[] Wire, bool BodyFromFile)> RunAsync(IRequestHandler handler, ParsedRequest parsed)
    {
        var request = new HttpRequest(parsed.Head) { Bytes = parsed.Bytes };
        using var response = new HttpResponse();
        if (!handler.TryHandle(request, response)) await handler.HandleAsync(request, response, CancellationToken.None);

        using var output = new ResponseBuffer();
        Http1ResponseEncoder.WriteHead(output, response, ConnectionMode.KeepAlive, chunked: false);
        var wire = new MemoryStream();
        wire.Write(output.WrittenSpan);
        bool sendsBody = Http1ResponseEncoder.SendsBody(response.StatusCode, parsed.Head.Method == HttpMethod.Head);
        bool fromFile = response.File != null;
        if (sendsBody)
        {
            switch (response.Body)
            {
                case BodyKind.Bytes:
                    wire.Write(response.BodyBytes.Span);
                    break;
                case BodyKind.File:
                    Write(wire, response.File!, response.FileOffset, response.FileLength);
                    break;
                case BodyKind.Multipart:
                    foreach (BodyPart part in response.Parts!)
                    {
                        if (part.Bytes != null) wire.Write(part.Bytes);
                        else if (response.File != null) Write(wire, response.File, part.Offset, part.Length);
                        else wire.Write(response.BodyBytes.Span.Slice((int)part.Offset, (int)part.Length));
                    }
                    break;
            }
        }
        return (wire.ToArray(), fromFile);
    }

    private static void Write(Stream wire, FileStream file, long offset, long length)
    {
        var body = new byte[length];
        int got = RandomAccess.Read(file.SafeFileHandle, body, offset);
        wire.Write(body, 0, got);
    }
}
