using System;
using System.Text;
using PSWebServer.StaticFiles;
using Xunit;

namespace PSWebServer.Tests;

public sealed class EntityTagTests
{
    private static bool Matches(string list, string tag, bool weak) =>
        EntityTag.ListMatches(Encoding.ASCII.GetBytes(list), Encoding.ASCII.GetBytes(tag), weak);

    [Theory]
    [InlineData("\"abc\"", "\"abc\"", true)]
    [InlineData("\"abc\"", "\"abd\"", false)]
    [InlineData("*", "\"abc\"", true)]
    [InlineData("  *  ", "\"abc\"", true)]
    [InlineData("\"x\", \"abc\"", "\"abc\"", true)]
    [InlineData("\"x\",\"abc\"", "\"abc\"", true)]
    [InlineData("\"x\" ,  \"y\" , \"abc\"", "\"abc\"", true)]
    [InlineData("\"x\", \"y\"", "\"abc\"", false)]
    [InlineData("W/\"abc\"", "\"abc\"", true)]
    [InlineData("\"x\", W/\"abc\"", "\"abc\"", true)]
    [InlineData("\"abc\"", "W/\"abc\"", true)]
    [InlineData("W/\"abc\"", "W/\"abc\"", true)]
    [InlineData("\"a,b\"", "\"a,b\"", true)]
    [InlineData("abc", "\"abc\"", false)]
    [InlineData("\"abc", "\"abc\"", false)]
    [InlineData("", "\"abc\"", false)]
    [InlineData("\"\"", "\"abc\"", false)]
    public void WeakComparison(string list, string tag, bool expected)
    {
        Assert.Equal(expected, Matches(list, tag, weak: true));
    }

    [Theory]
    [InlineData("\"abc\"", "\"abc\"", true)]
    [InlineData("*", "\"abc\"", true)]
    [InlineData("\"x\", \"abc\"", "\"abc\"", true)]
    [InlineData("W/\"abc\"", "\"abc\"", false)]
    [InlineData("\"abc\"", "W/\"abc\"", false)]
    [InlineData("W/\"abc\"", "W/\"abc\"", false)]
    [InlineData("W/\"abc\", \"abc\"", "\"abc\"", true)]
    [InlineData("\"abd\"", "\"abc\"", false)]
    public void StrongComparison(string list, string tag, bool expected)
    {
        Assert.Equal(expected, Matches(list, tag, weak: false));
    }

    [Fact]
    public void ForFile_IsAQuotedStrongTag_ThatChangesWithTimeAndLength()
    {
        var time = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc);
        string tag = Encoding.ASCII.GetString(EntityTag.ForFile(time, 1234));

        Assert.StartsWith("\"", tag);
        Assert.EndsWith("\"", tag);
        Assert.DoesNotContain("W/", tag);
        Assert.Equal(tag, Encoding.ASCII.GetString(EntityTag.ForFile(time, 1234)));
        Assert.NotEqual(tag, Encoding.ASCII.GetString(EntityTag.ForFile(time.AddTicks(1), 1234)));
        Assert.NotEqual(tag, Encoding.ASCII.GetString(EntityTag.ForFile(time, 1235)));
        Assert.NotEqual(tag, Encoding.ASCII.GetString(EntityTag.ForFile(time, 1234, "-gzip")));
    }
}
