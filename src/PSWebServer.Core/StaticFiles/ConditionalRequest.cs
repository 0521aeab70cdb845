using System;
using PSWebServer.Http;

namespace PSWebServer.StaticFiles;

/// <summary>The outcome of the conditional headers for one representation.</summary>
internal enum Precondition : byte
{
    Proceed,
    NotModified,   // 304
    Failed,        // 412
}

/// <summary>Evaluates the conditional request headers in the order RFC 9110 §13.2.2 gives.</summary>
internal static class ConditionalRequest
{
    public static Precondition Evaluate(ReadOnlySpan<byte> head, HttpRequestHead request, ReadOnlySpan<byte> entityTag, DateTime lastModifiedUtc)
    {
        DateTime lastModified = HttpDate.TruncateToSeconds(lastModifiedUtc);
        if (request.IfMatch.IsPresent)
        {
            if (!EntityTag.ListMatches(request.IfMatch.Of(head), entityTag, weak: false)) return Precondition.Failed;
        }
        else if (request.IfUnmodifiedSince.IsPresent && HttpDate.TryParse(request.IfUnmodifiedSince.Of(head), out DateTime unmodifiedSince))
        {
            if (lastModified > unmodifiedSince) return Precondition.Failed;
        }

        if (request.IfNoneMatch.IsPresent)
        {
            // only GET and HEAD reach here, for which a match means 304
            return EntityTag.ListMatches(request.IfNoneMatch.Of(head), entityTag, weak: true) ? Precondition.NotModified : Precondition.Proceed;
        }
        if (request.IfModifiedSince.IsPresent && HttpDate.TryParse(request.IfModifiedSince.Of(head), out DateTime modifiedSince))
        {
            if (lastModified <= modifiedSince) return Precondition.NotModified;
        }
        return Precondition.Proceed;
    }
}
