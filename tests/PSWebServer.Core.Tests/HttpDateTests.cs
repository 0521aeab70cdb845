using System;
using System.Text;
using PSWebServer.StaticFiles;
using Xunit;

namespace PSWebServer.Tests;

public sealed class HttpDateTests
{
    [Fact]
    public void Format_IsImfFixdate()
    {
        var date = new DateTime(1994, 11, 6, 8, 49, 37, DateTimeKind.Utc);

        Assert.Equal("Sun, 06 Nov 1994 08:49:37 GMT", Encoding.ASCII.GetString(HttpDate.Format(date)));
    }

    [Fact]
    public void Parse_ReadsImfFixdateAsUtc()
    {
        Assert.True(HttpDate.TryParse("Sun, 06 Nov 1994 08:49:37 GMT"u8, out DateTime parsed));
        Assert.Equal(new DateTime(1994, 11, 6, 8, 49, 37, DateTimeKind.Utc), parsed);
        Assert.Equal(DateTimeKind.Utc, parsed.Kind);
    }

    [Theory]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT")]
    [InlineData("Sun Nov  6 08:49:37 1994")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT trailing")]
    [InlineData("")]
    [InlineData("yesterday")]
    public void Parse_RefusesOtherForms(string text)
    {
        Assert.False(HttpDate.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void RoundTrip_LosesOnlyTheFractionOfASecond()
    {
        var date = new DateTime(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Utc);

        Assert.True(HttpDate.TryParse(HttpDate.Format(date), out DateTime back));
        Assert.Equal(HttpDate.TruncateToSeconds(date), back);
        Assert.Equal(0, HttpDate.TruncateToSeconds(date).Ticks % TimeSpan.TicksPerSecond);
    }
}
