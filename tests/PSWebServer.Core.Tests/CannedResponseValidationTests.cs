using System;
using System.IO;
using PSWebServer.TestResponses;
using Xunit;

namespace PSWebServer.Tests;

public sealed class CannedResponseValidationTests
{
    private static ArgumentException Refused(Action<CannedResponseDefinition> change)
    {
        var definition = new CannedResponseDefinition { Path = "/a" };
        change(definition);
        return Assert.Throws<ArgumentException>(() => CannedResponseValidation.Check(definition));
    }

    [Theory]
    [InlineData("X-Split", "a\r\nSet-Cookie: x=1", "line break")]
    [InlineData("X-Split", "a\nb", "line break")]
    [InlineData("X-Nul", "a\0b", "NUL")]
    [InlineData("X-Bell", "a\u0007b", "control character")]
    [InlineData("X-Wide", "日本", "Latin-1")]
    [InlineData("Bad Name", "v", "not an HTTP header name")]
    [InlineData("", "v", "not an HTTP header name")]
    [InlineData("X:Colon", "v", "not an HTTP header name")]
    [InlineData("Content-Length", "5", "set by the server")]
    [InlineData("transfer-encoding", "chunked", "set by the server")]
    [InlineData("Connection", "close", "set by the server")]
    [InlineData("Date", "x", "set by the server")]
    public void BadHeaders_AreRefused_SayingWhy(string name, string value, string reason)
    {
        ArgumentException refused = Refused(d => d.Headers.Add(new(name, value)));
        Assert.Equal(nameof(CannedResponseDefinition.Headers), refused.ParamName);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public void HeadersAClientUnderTestNeeds_AreAccepted()
    {
        var definition = new CannedResponseDefinition { Path = "/a" };
        definition.Headers.Add(new("Location", "/b"));
        definition.Headers.Add(new("Link", "<http://h/items?page=2>; rel=\"next\""));
        definition.Headers.Add(new("Set-Cookie", "a=1"));
        definition.Headers.Add(new("Set-Cookie", "b=2"));
        definition.Headers.Add(new("Retry-After", "0"));
        definition.Headers.Add(new("Content-Disposition", "attachment; filename=\"é.txt\""));
        definition.Headers.Add(new("Content-Type", "application/problem+json"));
        CannedResponseValidation.Check(definition);
    }

    [Fact]
    public void AContentTypeGivenTwice_IsRefused()
    {
        ArgumentException refused = Refused(d =>
        {
            d.ContentType = "text/plain";
            d.Headers.Add(new("content-type", "application/json"));
        });
        Assert.Contains("twice", refused.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("api/items")]
    [InlineData("/api?page=2")]
    public void BadPaths_AreRefused(string path)
    {
        Assert.Equal("Path", Refused(d => d.Path = path).ParamName);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(199)]
    [InlineData(600)]
    public void InterimOrOutOfRangeStatuses_AreRefused(int status)
    {
        Assert.Equal("StatusCode", Refused(d => d.StatusCode = status).ParamName);
    }

    [Fact]
    public void OtherMistakes_NameTheirProperty()
    {
        Assert.Equal("Times", Refused(d => d.Times = 0).ParamName);
        Assert.Equal("Delay", Refused(d => d.Delay = TimeSpan.FromSeconds(-1)).ParamName);
        Assert.Equal("BytesPerSecond", Refused(d => d.BytesPerSecond = -5).ParamName);
        Assert.Equal("Methods", Refused(d => d.Methods.Add("GE T")).ParamName);
        Assert.Equal("BodyFile", Refused(d => d.BodyFile = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))).ParamName);
        Assert.Equal("BodyFile", Refused(d => { d.Body = new byte[1]; d.BodyFile = "/etc/hostname"; }).ParamName);
        Assert.Equal("Fault", Refused(d => d.Fault = CannedFault.CloseMidBody).ParamName);
        Assert.Equal("RequestHeaders", Refused(d => d.RequestHeaders.Add(new("Bad Name", "*"))).ParamName);
        Assert.Equal("Query", Refused(d => d.Query.Add(new("", "1"))).ParamName);
        Assert.Equal("BodyContains", Refused(d => d.BodyContains = "").ParamName);
    }
}
