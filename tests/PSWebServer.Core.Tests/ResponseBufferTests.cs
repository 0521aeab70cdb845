using System.Text;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The connection's output buffer: heads and small bodies gathered for one send.</summary>
public sealed class ResponseBufferTests
{
    [Fact]
    public void Growing_KeepsWhatWasWritten()
    {
        using var buffer = new ResponseBuffer();
        byte[] prefix = Encoding.ASCII.GetBytes("HTTP/1.1 304 Not Modified\r\n\r\n");
        buffer.Write(prefix);
        buffer.Write(new byte[100_000]); // grows past the first rented array

        Assert.Equal(prefix.Length + 100_000, buffer.Length);
        Assert.Equal(prefix, buffer.WrittenSpan.Slice(0, prefix.Length).ToArray());
    }

    [Fact]
    public void Numbers_AndAscii_AreWrittenAsText()
    {
        using var buffer = new ResponseBuffer();
        buffer.WriteNumber(1234567890123);
        buffer.Write((byte)' ');
        buffer.WriteAscii("text/plain");
        Assert.Equal("1234567890123 text/plain", Encoding.ASCII.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Clear_ThenRelease_GivesTheArrayBack_AndWritingWorksAfter()
    {
        using var buffer = new ResponseBuffer();
        buffer.Write("abc"u8);
        buffer.Clear();
        buffer.Release();
        Assert.Equal(0, buffer.Length);
        buffer.Write("de"u8);
        Assert.Equal("de", Encoding.ASCII.GetString(buffer.WrittenSpan));
    }
}
