using System;
using System.Text;
using PSWebServer.StaticFiles;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class ConditionalRequestTests
{
    private static readonly DateTime Modified = new(2024, 5, 1, 12, 0, 0, 500, DateTimeKind.Utc); // half a second past
    private const string Tag = "\"5f-10\"";
    private const string Before = "Wed, 01 May 2024 11:59:59 GMT";
    private const string Same = "Wed, 01 May 2024 12:00:00 GMT";
    private const string After = "Wed, 01 May 2024 12:00:01 GMT";

    private static Precondition Evaluate(params string[] headers)
    {
        ParsedRequest request = ParsedRequest.Get(headers);
        return ConditionalRequest.Evaluate(request.Bytes, request.Head, Encoding.ASCII.GetBytes(Tag), Modified);
    }

    private static string Name(Precondition precondition) => precondition.ToString();

    [Fact]
    public void NoConditions_Proceed() => Assert.Equal(Precondition.Proceed, Evaluate());

    [Theory]
    [InlineData(Tag, nameof(Precondition.NotModified))]
    [InlineData("\"other\"", nameof(Precondition.Proceed))]
    [InlineData("*", nameof(Precondition.NotModified))]
    [InlineData("W/" + Tag, nameof(Precondition.NotModified))]
    [InlineData("\"a\", \"b\", " + Tag, nameof(Precondition.NotModified))]
    [InlineData("\"a\", \"b\"", nameof(Precondition.Proceed))]
    [InlineData("garbage", nameof(Precondition.Proceed))]
    public void IfNoneMatch(string value, string expected)
    {
        Assert.Equal(expected, Name(Evaluate("If-None-Match: " + value)));
    }

    [Theory]
    [InlineData(Same, nameof(Precondition.NotModified))]
    [InlineData(After, nameof(Precondition.NotModified))]
    [InlineData(Before, nameof(Precondition.Proceed))]
    [InlineData("not a date", nameof(Precondition.Proceed))]
    [InlineData("Wednesday, 01-May-24 12:00:00 GMT", nameof(Precondition.Proceed))]
    public void IfModifiedSince_ComparesWholeSeconds(string value, string expected)
    {
        Assert.Equal(expected, Name(Evaluate("If-Modified-Since: " + value)));
    }

    [Fact]
    public void IfModifiedSince_IsIgnored_WhenIfNoneMatchIsPresent()
    {
        // The tag does not match, the date would say "not modified": the tag wins.
        Assert.Equal(Precondition.Proceed, Evaluate("If-None-Match: \"other\"", "If-Modified-Since: " + After));
        // And the other way round: the tag matches, the date alone would say "modified".
        Assert.Equal(Precondition.NotModified, Evaluate("If-None-Match: " + Tag, "If-Modified-Since: " + Before));
    }

    [Theory]
    [InlineData(Tag, nameof(Precondition.Proceed))]
    [InlineData("*", nameof(Precondition.Proceed))]
    [InlineData("\"x\", " + Tag, nameof(Precondition.Proceed))]
    [InlineData("\"other\"", nameof(Precondition.Failed))]
    [InlineData("W/" + Tag, nameof(Precondition.Failed))]
    public void IfMatch_UsesStrongComparison(string value, string expected)
    {
        Assert.Equal(expected, Name(Evaluate("If-Match: " + value)));
    }

    [Theory]
    [InlineData(Before, nameof(Precondition.Failed))]
    [InlineData(Same, nameof(Precondition.Proceed))]
    [InlineData(After, nameof(Precondition.Proceed))]
    [InlineData("not a date", nameof(Precondition.Proceed))]
    public void IfUnmodifiedSince(string value, string expected)
    {
        Assert.Equal(expected, Name(Evaluate("If-Unmodified-Since: " + value)));
    }

    [Fact]
    public void IfUnmodifiedSince_IsIgnored_WhenIfMatchIsPresent()
    {
        Assert.Equal(Precondition.Proceed, Evaluate("If-Match: " + Tag, "If-Unmodified-Since: " + Before));
    }

    [Fact]
    public void FailedPrecondition_WinsOverNotModified()
    {
        Assert.Equal(Precondition.Failed, Evaluate("If-Match: \"other\"", "If-None-Match: " + Tag));
        Assert.Equal(Precondition.Failed, Evaluate("If-Unmodified-Since: " + Before, "If-Modified-Since: " + After));
    }

    [Fact]
    public void PassedIfMatch_ThenIfNoneMatchDecides()
    {
        Assert.Equal(Precondition.NotModified, Evaluate("If-Match: " + Tag, "If-None-Match: " + Tag));
    }
}
