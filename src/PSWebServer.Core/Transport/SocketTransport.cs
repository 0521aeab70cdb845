using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace PSWebServer.Transport;

/// <summary>
/// A connection's socket. Uses the ValueTask socket methods, which complete inline when the kernel already has
/// the data or room, and reuse one cached operation object per socket, so steady traffic allocates nothing.
/// </summary>
internal sealed class SocketTransport : IConnectionTransport
{
    // One sendfile call per chunk, so a slow reader is noticed between chunks and the send timeout can act.
    private const int FileChunkBytes = 4 * 1024 * 1024;

    private readonly Socket _socket;
    private int _unsentLimit; // the TCP_NOTSENT_LOWAT last asked for (0: the kernel's default), so asking again costs nothing
    private SocketAsyncEventArgs? _filePackets;

    public SocketTransport(Socket socket)
    {
        _socket = socket;
        socket.NoDelay = true; // a response is one write; don't let Nagle hold its tail back
        RemoteAddress = socket.RemoteEndPoint is IPEndPoint remote ? FormatEndPoint(remote) : "";
    }

    public string RemoteAddress { get; }

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer) => _socket.ReceiveAsync(buffer, SocketFlags.None);

    public ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        ValueTask<int> send = _socket.SendAsync(data, SocketFlags.None);
        if (send.IsCompletedSuccessfully && send.Result == data.Length) return default;
        return AwaitSend(send, data);
    }

    /// <summary>Two sends: .NET's gather send wants arrays, and this engine is not the one measured for speed.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        await SendAsync(first).ConfigureAwait(false);
        await SendAsync(second).ConfigureAwait(false);
    }

    private async ValueTask AwaitSend(ValueTask<int> pending, ReadOnlyMemory<byte> data)
    {
        int sent = await pending.ConfigureAwait(false);
        while (sent < data.Length)
        {
            data = data.Slice(sent);
            sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
        }
    }

    /// <summary>SendPacketsAsync with a file element is sendfile(2) on Linux and TransmitPackets on Windows: the bytes never enter managed memory.</summary>
    public async ValueTask SendFileAsync(FileStream file, long offset, long count)
    {
        if (!file.IsAsync)
        {
            // Files opened non-blocking by descriptor (Linux) are synchronous handles, which SendPackets refuses:
            // copy through a pooled buffer. This engine is the fallback on Linux; the epoll engine sendfiles them.
            await CopyFileAsync(file, offset, count).ConfigureAwait(false);
            return;
        }
        SocketAsyncEventArgs args = _filePackets ??= CreatePacketArgs();
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, FileChunkBytes);
            args.SendPacketsElements = new[] { new SendPacketsElement(file, offset, chunk, endOfPacket: true) };
            var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            args.UserToken = completion;
            if (!_socket.SendPacketsAsync(args)) Complete(args);
            await completion.Task.ConfigureAwait(false);
            offset += chunk;
            count -= chunk;
        }
    }

    private async ValueTask CopyFileAsync(FileStream file, long offset, long count)
    {
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle = file.SafeFileHandle; // once: each read of it is an lseek(2)
        try
        {
            while (count > 0)
            {
                int read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, count)), offset);
                if (read == 0) throw new IOException("The file ended before its length was sent.");
                await SendAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                offset += read;
                count -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SocketAsyncEventArgs CreatePacketArgs()
    {
        var args = new SocketAsyncEventArgs();
        args.Completed += static (_, e) => Complete(e);
        return args;
    }

    private static void Complete(SocketAsyncEventArgs args)
    {
        var completion = (TaskCompletionSource)args.UserToken!;
        if (args.SocketError == SocketError.Success) completion.TrySetResult();
        else completion.TrySetException(new SocketException((int)args.SocketError));
    }

    public void LimitUnsentBytes(int bytes)
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _unsentLimit) == bytes) return;
        Volatile.Write(ref _unsentLimit, bytes); // asked once per limit, also when the kernel lacks the option
        try
        {
            _socket.SetRawSocketOption(LinuxNative.IPPROTO_TCP, LinuxNative.TCP_NOTSENT_LOWAT, BitConverter.GetBytes(bytes));
        }
        catch (SocketException)
        {
            // an older kernel without the option: the send timeout is then coarser, nothing worse
        }
    }

    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // already reset by the peer: nothing left to tell it
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Abort() => _socket.Dispose();

    public void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0); // close then sends RST and drops the send queue
        }
        catch (SocketException)
        {
            // already reset by the peer
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        _socket.Dispose();
    }

    public void Dispose()
    {
        _socket.Dispose();
        _filePackets?.Dispose();
    }

    private static string FormatEndPoint(IPEndPoint endPoint)
    {
        IPAddress address = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + address + "]:" + endPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : address + ":" + endPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
