using System.Text;
using PSWebServer.TestResponses;
using Xunit;

namespace PSWebServer.Tests;

public sealed class ByteWildcardTests
{
    [Theory]
    [InlineData("/api/items", "/api/items", true)]
    [InlineData("/api/items", "/api/items/", false)]
    [InlineData("/api/items", "/API/items", false)]
    [InlineData("/api/*", "/api/", true)]
    [InlineData("/api/*", "/api/items/7/parts", true)]
    [InlineData("/api/*", "/api", false)]
    [InlineData("*", "/anything/at/all", true)]
    [InlineData("*.json", "/a/b.json", true)]
    [InlineData("*.json", "/a/b.json.bak", false)]
    [InlineData("/items/?", "/items/7", true)]
    [InlineData("/items/?", "/items/77", false)]
    [InlineData("/items/?", "/items/", false)]
    [InlineData("/items/?", "/items/é", true)]
    [InlineData("/a*b*c", "/axxbyyc", true)]
    [InlineData("/a*b*c", "/axxbyy", false)]
    [InlineData("/a*bc", "/abcbcbc", true)]
    [InlineData("/*/*/end", "/x/y/end", true)]
    [InlineData("/*/*/end", "/x/end", false)]
    [InlineData("/a**", "/a", true)]
    public void Matches_LikeAWildcardOverCharacters_CaseSensitively(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, new ByteWildcard(pattern).IsMatch(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void ALongTextAgainstManyStars_IsDecidedQuickly()
    {
        var wildcard = new ByteWildcard("/*a*a*a*a*a*a*a*b");
        byte[] text = Encoding.ASCII.GetBytes("/" + new string('a', 4000));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(wildcard.IsMatch(text));
        Assert.True(clock.Elapsed < System.TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
    }
}
