using PSWebServer.LiveReload;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>Which changed names live reload ignores: hidden paths, what the Windows rules refuse, editors' scratch files.</summary>
public sealed class WatchedNamesTests
{
    [Theory]
    [InlineData("index.html")]
    [InlineData("css/site.css")]
    [InlineData("css\\site.css")]
    [InlineData("img/logo v2.png")]
    [InlineData("notes~draft.txt")]
    [InlineData("4913.html")]
    public void SiteFiles_AreWatched(string path) => Assert.False(WatchedNames.IsIgnored(path, windowsRules: false));

    [Theory]
    [InlineData(".git/index")]
    [InlineData("sub/.hidden/page.html")]
    [InlineData(".page.html.swp")]
    [InlineData("page.html.swp")]
    [InlineData("page.html.swx")]
    [InlineData("page.html~")]
    [InlineData("4913")]
    [InlineData("sub/4913")]
    [InlineData("page.html.tmp")]
    [InlineData("PAGE.TMP")]
    [InlineData("#page.html#")]
    [InlineData("")]
    public void HiddenAndScratchNames_AreIgnored(string path) => Assert.True(WatchedNames.IsIgnored(path, windowsRules: false));

    [Theory]
    [InlineData("con.html")]
    [InlineData("sub/PROGRA~1/x.html")]
    public void WindowsRefusals_AreIgnored_UnderWindowsRules(string path)
    {
        Assert.True(WatchedNames.IsIgnored(path, windowsRules: true));
        Assert.False(WatchedNames.IsIgnored(path, windowsRules: false));
    }
}
