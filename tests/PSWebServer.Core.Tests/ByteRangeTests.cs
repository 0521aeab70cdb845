using System.Collections.Generic;
using System.Linq;
using System.Text;
using PSWebServer.StaticFiles;
using Xunit;

namespace PSWebServer.Tests;

public sealed class ByteRangeTests
{
    private static (string Outcome, string Ranges) Parse(string header, long length, int maxRanges = 16)
    {
        RangeOutcome outcome = ByteRange.Parse(Encoding.ASCII.GetBytes(header), length, maxRanges, out List<ByteRange> ranges);
        return (outcome.ToString(), string.Join(",", ranges.Select(r => r.Start + "-" + r.End)));
    }

    [Theory]
    [InlineData("bytes=0-0", 100, "0-0")]
    [InlineData("bytes=0-9", 100, "0-9")]
    [InlineData("bytes=10-", 100, "10-99")]
    [InlineData("bytes=-10", 100, "90-99")]
    [InlineData("bytes=-1000", 100, "0-99")]
    [InlineData("bytes=90-1000", 100, "90-99")]
    [InlineData("bytes=99-99", 100, "99-99")]
    [InlineData("BYTES=0-1", 100, "0-1")]
    [InlineData("  bytes=0-1  ", 100, "0-1")]
    [InlineData("bytes= 0-1 ,", 100, "0-1")]
    [InlineData("bytes=0-1, 200-300", 100, "0-1")]
    public void SingleRange_IsSatisfiable(string header, long length, string expected)
    {
        Assert.Equal(("Satisfiable", expected), Parse(header, length));
    }

    [Theory]
    [InlineData("bytes=0-9,500-509", 1000, "0-9,500-509")]
    [InlineData("bytes=500-509,0-9", 1000, "500-509,0-9")]            // the order asked
    [InlineData("bytes=500-509,0-9,505-600", 1000, "500-600,0-9")]    // a merged part stands where its first member did
    [InlineData("bytes=50-59,0-9", 1000, "0-59")]
    [InlineData("bytes=0-9,5-20", 1000, "0-20")]                      // overlapping: merged
    [InlineData("bytes=0-9,10-19", 1000, "0-19")]                     // adjacent: merged
    [InlineData("bytes=0-9,50-59", 1000, "0-59")]                     // a gap smaller than a part header: merged
    [InlineData("bytes=0-0,0-0,0-0,0-0", 1000, "0-0")]
    [InlineData("bytes=-5,0-4", 1000, "995-999,0-4")]
    public void SeveralRanges_AreMerged_AndKeepTheOrderAsked(string header, long length, string expected)
    {
        Assert.Equal(("Satisfiable", expected), Parse(header, length));
    }

    [Theory]
    [InlineData("bytes=100-", 100)]
    [InlineData("bytes=100-200", 100)]
    [InlineData("bytes=-0", 100)]
    [InlineData("bytes=0-", 0)]
    [InlineData("bytes=-5", 0)]
    [InlineData("bytes=200-300, 100-150", 100)]
    public void NothingOverlapping_IsUnsatisfiable(string header, long length)
    {
        Assert.Equal("Unsatisfiable", Parse(header, length).Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bytes=")]
    [InlineData("bytes=,")]
    [InlineData("items=0-1")]
    [InlineData("bytes 0-1")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=0-1,x")]
    [InlineData("bytes=1")]
    [InlineData("bytes=--1")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=0-9999999999999999999")]
    public void Malformed_IsIgnored(string header)
    {
        Assert.Equal("Ignore", Parse(header, 100).Outcome);
    }

    [Fact]
    public void TooManyRanges_AreIgnored_EvenWhenTheyWouldMerge()
    {
        string many = "bytes=" + string.Join(",", Enumerable.Range(0, 17).Select(i => i + "-" + i));

        Assert.Equal("Ignore", Parse(many, 1000, maxRanges: 16).Outcome);
        Assert.Equal(("Satisfiable", "0-16"), Parse(many, 1000, maxRanges: 17));
    }

    [Fact]
    public void MergedRanges_NeverAddUpToMoreThanTheFile()
    {
        string overlapping = "bytes=" + string.Join(",", Enumerable.Range(0, 16).Select(_ => "0-"));
        RangeOutcome outcome = ByteRange.Parse(Encoding.ASCII.GetBytes(overlapping), 5000, 16, out List<ByteRange> ranges);

        Assert.Equal(RangeOutcome.Satisfiable, outcome);
        Assert.True(ranges.Sum(r => r.Length) <= 5000);
    }
}
