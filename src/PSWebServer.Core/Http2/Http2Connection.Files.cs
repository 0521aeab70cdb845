using System;
using System.Buffers;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using PSWebServer.Http;
using PSWebServer.Transport;

namespace PSWebServer.Http2;

internal sealed partial class Http2Connection
{
    // A piece the page cache does not hold is read on a work thread into one pooled buffer of this size, then framed.
    private const int FilePieceBytes = 128 * 1024;

    /// <summary>
    /// A file slice as DATA, never read whole. Each turn reads what the page cache holds straight into the payloads of
    /// the DATA frames in the output (<see cref="TryWriteFileTurnLocked"/>): no buffer between the file and the frames,
    /// which on an h2 10 MiB download was a copy of every byte. A piece the cache lacks is read on a work thread (never
    /// a cold read on a loop) into a pooled buffer and framed from there.
    /// </summary>
    private async ValueTask SendFileAsync(Http2Stream stream, FileStream file, long offset, long length, bool endStream)
    {
        _transport.LimitUnsentBytes(UnsentLimit.FileSendBytes); // only connections that send files; a system call only the first time
        SafeFileHandle handle = file.SafeFileHandle; // once per response: positional reads need no seek
        byte[]? piece = null;
        try
        {
            while (length > 0)
            {
                Task? wait;
                int sent = 0;
                lock (_sync)
                {
                    int allowed = TurnLocked(stream, length, resumeOnPool: false, out Http2FlowWindow? window, out wait);
                    if (allowed > 0) sent = TryWriteFileTurnLocked(stream, window!, handle, offset, allowed, endStream && allowed == length);
                }
                if (sent > 0)
                {
                    offset += sent;
                    length -= sent;
                    FlushSoon();
                    continue;
                }
                if (wait != null)
                {
                    FlushSoon();
                    await wait.ConfigureAwait(false);
                    continue;
                }
                if (sent == 0) throw FileChanged();

                // Not in the page cache: this piece is read where it may wait, then framed like bytes from memory.
                piece ??= ArrayPool<byte>.Shared.Rent((int)Math.Min(length, FilePieceBytes));
                int read = await PageCacheRead.ReadAsync(handle, piece.AsMemory(0, (int)Math.Min(length, piece.Length)), offset).ConfigureAwait(false);
                if (read <= 0) throw FileChanged();
                offset += read;
                length -= read;
                await SendDataAsync(stream, piece.AsMemory(0, read), endStream && length == 0).ConfigureAwait(false);
            }
        }
        finally
        {
            if (piece != null) ArrayPool<byte>.Shared.Return(piece);
        }
    }

    private static IOException FileChanged() => new("The file ended before its length: it changed while being sent.");

    /// <summary>
    /// Under the lock, one turn of a file body: up to <paramref name="allowed"/> bytes at <paramref name="offset"/> read
    /// from the page cache into DATA frames laid out in the output (one preadv2 with RWF_NOWAIT, one slot per frame's
    /// payload), then the frames' headers written for what was read and the windows consumed. The bytes sent; 0 at the
    /// end of the file; -1 when the cache holds none of them (the caller reads them on a work thread).
    /// </summary>
    private int TryWriteFileTurnLocked(Http2Stream stream, Http2FlowWindow window, SafeFileHandle handle, long offset, int allowed, bool endsStream)
    {
        int maxFrame = (int)_peer.MaxFrameSize;
        int frames = (allowed + maxFrame - 1) / maxFrame;
        Span<byte> target = _output.GetSpan(frames * Http2FrameHeader.Size + allowed);
        int read = PageCacheRead.TryReadSlots(handle, target, Http2FrameHeader.Size, maxFrame, allowed, offset);
        if (read <= 0) return read;

        bool last = endsStream && read == allowed; // a short read (part cached) leaves the end for a later turn
        int written = 0;
        for (int left = read; left > 0;)
        {
            int chunk = Math.Min(maxFrame, left);
            left -= chunk;
            written += Http2FrameWriter.WriteDataHeader(target.Slice(written), stream.Id, chunk, last && left == 0);
        }
        _output.Advance(written);
        _answerQueued = true;
        CountDataLocked(stream, window, read, last);
        return read;
    }
}
