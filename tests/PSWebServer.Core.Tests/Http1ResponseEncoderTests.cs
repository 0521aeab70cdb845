using System;
using System.Text;
using PSWebServer.Http;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>The HTTP/1.1 head of a response described as data: framing, blocks, fields, and the server's own lines.</summary>
public sealed class Http1ResponseEncoderTests
{
    private static string Head(HttpResponse response, ConnectionMode mode = ConnectionMode.KeepAlive, bool chunked = false)
    {
        using var output = new ResponseBuffer();
        Http1ResponseEncoder.WriteHead(output, response, mode, chunked);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Fact]
    public void Head_HasStatusLine_Length_Blocks_Fields_Server_Date_InThatOrder()
    {
        using var response = new HttpResponse { StatusCode = 200 };
        response.SetBytes(new byte[5]);
        response.AddBlock(new HeaderBlockBuilder().Add("Content-Type"u8, "text/plain").Build());
        response.Headers.Add("X-Id"u8, 42);

        string head = Head(response);

        Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nX-Id: 42\r\nServer: PSWebServer\r\nDate: ", head);
        Assert.EndsWith(" GMT\r\n\r\n", head);
        Assert.DoesNotContain("Connection:", head);
    }

    [Theory]
    [InlineData("close", "Connection: close\r\n")]
    [InlineData("http10", "Connection: keep-alive\r\n")]
    public void Connection_IsSaid_WhenItMustBe(string mode, string line)
    {
        using var response = new HttpResponse { StatusCode = 404 };
        Assert.Contains(line, Head(response, mode == "close" ? ConnectionMode.Close : ConnectionMode.KeepAliveHttp10));
    }

    [Fact]
    public void NoContentLength_On204_OrWhenTheLengthIsNone()
    {
        using var noContent = new HttpResponse { StatusCode = 204, ContentLength = 0 };
        using var notModified = new HttpResponse { StatusCode = 304 };
        Assert.DoesNotContain("Content-Length", Head(noContent));
        Assert.DoesNotContain("Content-Length", Head(notModified));
    }

    [Fact]
    public void Chunked_ReplacesContentLength()
    {
        using var response = new HttpResponse { StatusCode = 200, Body = BodyKind.Stream };
        string head = Head(response, chunked: true);
        Assert.Contains("Transfer-Encoding: chunked\r\n", head);
        Assert.DoesNotContain("Content-Length", head);
    }

    [Theory]
    [InlineData(1, "1\r\n")]
    [InlineData(15, "f\r\n")]
    [InlineData(16, "10\r\n")]
    [InlineData(65536, "10000\r\n")]
    [InlineData(int.MaxValue, "7fffffff\r\n")]
    public void ChunkHeader_IsLowercaseHex(int length, string expected)
    {
        using var output = new ResponseBuffer();
        Http1ResponseEncoder.WriteChunkHeader(output, length);
        Assert.Equal(expected, Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(200, false, true)]
    [InlineData(200, true, false)]
    [InlineData(204, false, false)]
    [InlineData(304, false, false)]
    [InlineData(404, false, true)]
    public void SendsBody_FollowsTheMethodAndStatus(int status, bool head, bool sends) =>
        Assert.Equal(sends, Http1ResponseEncoder.SendsBody(status, head));
}
