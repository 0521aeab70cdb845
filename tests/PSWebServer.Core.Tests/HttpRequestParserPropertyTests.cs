using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using PSWebServer.Http;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Properties of <see cref="HttpRequestParser"/> over generated input. The invariants themselves live in
/// <see cref="FuzzTargets.CheckParser"/> (shared with the AFL harness): a status with a consistent reason and
/// consumed count, pieces of a complete head inside its bytes, and the same answer whole or in pieces.
/// Written against the contract, not today's rejection list: any request outside the valid shapes below may be
/// rejected for any reason, but never crash the parser or be answered inconsistently.
/// </summary>
public sealed class HttpRequestParserPropertyTests
{
    private static readonly HttpRequestParser Parser = new(new ServerLimits());

    private static readonly HttpRequestParser SmallParser = new(new ServerLimits { MaxRequestLineBytes = 64, MaxHeaderBytes = 256, MaxHeaderCount = 6 });

    /// <summary>Pieces of request heads, so random concatenations reach past the request line.</summary>
    private static readonly string[] Fragments =
    {
        "GET", "HEAD", "OPTIONS", "POST", "CONNECT", " ", "  ", "\t", "/", "/a", "?q=1", "#f", "*", "http://h/p",
        "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.", "\r\n", "\n", "\r", "\r\n\r\n", ":", ": ", "Host", "Host: h",
        "Host: a:1", "Host:", "Content-Length: 5", "Content-Length: x", "Transfer-Encoding: chunked", "Connection: close",
        "Connection: keep-alive", "Range: bytes=0-1", "X-A: b", "\0", "\x7f", "\xff", "%", "é",
    };

    private static readonly Gen<byte[]> HttpShaped =
        Gen.OneOfConst(Fragments).Array[0, 40].Select(parts => Encoding.Latin1.GetBytes(string.Concat(parts)));

    private static Gen<int[]> CutsFor(int length) =>
        length < 2 ? Gen.Const(Array.Empty<int>()) : Gen.Int[1, length - 1].Array[0, 8].Select(c => c.Distinct().OrderBy(x => x).ToArray());

    [Fact]
    public void ArbitraryBytes_GetAConsistentAnswer()
    {
        Gen.Byte.Array[0, 700].Sample(bytes => FuzzTargets.Parser(bytes), iter: 3000, threads: 1);
    }

    [Fact]
    public void HttpShapedBytes_GetAConsistentAnswer_FromBothLimitSets()
    {
        HttpShaped.Sample(bytes => FuzzTargets.Parser(bytes), iter: 5000, threads: 1);
    }

    [Fact]
    public void HttpShapedBytes_SplitAnywhere_GetTheSameAnswerAsWhole()
    {
        HttpShaped.SelectMany(bytes => CutsFor(bytes.Length).Select(cuts => (bytes, cuts)))
            .Sample((bytes, cuts) =>
            {
                FuzzTargets.CheckParser(Parser, bytes, cuts);
                FuzzTargets.CheckParser(SmallParser, bytes, cuts);
            }, iter: 3000, threads: 1);
    }

    [Fact]
    public void ValidRequests_ParseToTheirMethodTargetAndHeaders()
    {
        ValidRequest.Generator.Sample(request =>
        {
            byte[] bytes = Encoding.ASCII.GetBytes(request.Text);
            var head = new HttpRequestHead();
            var cursor = default(HttpRequestParser.Cursor);
            ParseStatus status = Parser.TryParse(bytes, ref cursor, head, out int consumed, out RequestRejectionReason reason);

            Assert.True(status == ParseStatus.Complete, $"{status} ({reason}) for {Escape(request.Text)}");
            Assert.Equal(bytes.Length, consumed);
            Assert.Equal(request.Method, Text(bytes, head.MethodText));
            Assert.Equal(request.ExpectedMethod, head.Method);
            Assert.Equal(request.Version == "HTTP/1.1" ? HttpVersion.Http11 : HttpVersion.Http10, head.Version);
            Assert.Equal(request.Path + request.Query, Text(bytes, head.Target));
            Assert.Equal(request.Path, Text(bytes, head.Path));
            Assert.Equal(request.Fields.Count, head.HeaderCount);
            Assert.Equal(request.Host, head.Host.IsPresent ? Text(bytes, head.Host) : null);
            Assert.Equal(request.Field("User-Agent"), head.UserAgent.IsPresent ? Text(bytes, head.UserAgent) : null);
            Assert.Equal(request.Field("Accept"), head.Accept.IsPresent ? Text(bytes, head.Accept) : null);
            Assert.Equal(request.Field("Referer"), head.Referer.IsPresent ? Text(bytes, head.Referer) : null);
            Assert.Equal(request.Field("Range"), head.Range.IsPresent ? Text(bytes, head.Range) : null);
            Assert.Equal(request.ExpectedKeepAlive, head.KeepAlive);
        }, iter: 3000, threads: 1, print: r => Escape(r.Text));
    }

    [Fact]
    public void ValidRequests_SplitAnywhere_CompleteWithTheSameFields()
    {
        ValidRequest.Generator.SelectMany(r => CutsFor(r.Text.Length).Select(cuts => (r.Text, cuts)))
            .Sample((text, cuts) =>
            {
                byte[] bytes = Encoding.ASCII.GetBytes(text);
                FuzzTargets.CheckParser(Parser, bytes, cuts);
                // Every prefix but the whole is Incomplete: nothing is decided before the empty line.
                var head = new HttpRequestHead();
                var cursor = default(HttpRequestParser.Cursor);
                foreach (int cut in cuts)
                {
                    Assert.Equal(ParseStatus.Incomplete, Parser.TryParse(bytes.AsSpan(0, cut), ref cursor, head, out _, out _));
                }
                Assert.Equal(ParseStatus.Complete, Parser.TryParse(bytes, ref cursor, head, out int consumed, out _));
                Assert.Equal(bytes.Length, consumed);
            }, iter: 2000, threads: 1, print: t => Escape(t.Item1) + " cut at " + string.Join(",", t.Item2));
    }

    [Fact]
    public void ValidRequests_FollowedByMoreBytes_ConsumeOnlyTheirHead()
    {
        ValidRequest.Generator.SelectMany(r => HttpShaped.Select(tail => (r.Text, tail)))
            .Sample((text, tail) =>
            {
                byte[] bytes = Encoding.Latin1.GetBytes(text).Concat(tail).ToArray();
                var cursor = default(HttpRequestParser.Cursor);
                Assert.Equal(ParseStatus.Complete, Parser.TryParse(bytes, ref cursor, new HttpRequestHead(), out int consumed, out _));
                Assert.Equal(text.Length, consumed);
                FuzzTargets.CheckParser(Parser, bytes, ReadOnlySpan<int>.Empty);
            }, iter: 1000, threads: 1);
    }

    [Fact]
    public void ValidRequests_WithOneProtocolDefect_AreRejected()
    {
        // Each defect breaks RFC 9112 in a way every version of this parser must refuse (smuggling shapes, controls,
        // a missing or doubled Host); none may come back Complete.
        Gen<int> defects = Gen.Int[0, 6];
        ValidRequest.Generator.SelectMany(r => defects.Select(d => (r, d)))
            .Sample((request, defect) =>
            {
                string text = request.WithDefect(defect);
                byte[] bytes = Encoding.Latin1.GetBytes(text);
                var cursor = default(HttpRequestParser.Cursor);
                ParseStatus status = Parser.TryParse(bytes, ref cursor, new HttpRequestHead(), out _, out RequestRejectionReason reason);
                Assert.True(status == ParseStatus.Rejected, $"defect {defect}: {status} for {Escape(text)}");
                Assert.NotEqual(RequestRejectionReason.None, reason);
            }, iter: 2000, threads: 1, print: t => t.Item2 + ": " + Escape(t.Item1.WithDefect(t.Item2)));
    }

    private static string Text(byte[] bytes, HeaderSegment segment) => Encoding.ASCII.GetString(segment.Of(bytes));

    private static string Escape(string text) => text.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\0", "\\0");

    /// <summary>A request head in a valid RFC 9112 shape, with the fields it should parse to.</summary>
    private sealed record ValidRequest(string Method, string Path, string Query, string Version, string? Host,
        List<(string Name, string Value)> Fields, string Text, string[] LineEnds)
    {
        private const string TokenChars = "!#$&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        private const string PathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%";
        private const string ValueChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

        private static Gen<string> StringOf(string chars, int min, int max) => Gen.Char[chars].Array[min, max].Select(a => new string(a));

        private static readonly Gen<string> MethodGen = Gen.Frequency(
            (4, Gen.OneOfConst("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "get")),
            (1, StringOf(TokenChars, 1, 12).Where(m => m != "CONNECT")));

        private static readonly Gen<string> PathGen = StringOf(PathChars, 0, 12).Array[0, 5]
            .Select(segments => "/" + string.Join("/", segments));

        private static readonly Gen<string> QueryGen = Gen.Frequency(
            (2, Gen.Const("")),
            (1, StringOf(PathChars + "/?", 0, 16).Select(q => "?" + q)));

        private static readonly Gen<string> HostGen = Gen.OneOf(
            (from first in Gen.Char["abcdefghijklmnopqrstuvwxyz"]
             from rest in StringOf("abcdefghijklmnopqrstuvwxyz0123456789-", 0, 10)
             select first + rest).Array[1, 3].Select(labels => string.Join(".", labels)),
            Gen.Byte.Array[4].Select(b => string.Join(".", b)))
            .SelectMany(h => Gen.Frequency((2, Gen.Const(h)), (1, Gen.Int[1, 65535].Select(p => h + ":" + p))));

        /// <summary>A field value: visible characters with inner spaces and tabs, none at either end.</summary>
        private static readonly Gen<string> ValueGen = StringOf(ValueChars, 0, 20).Select(v => v.Trim(' ', '\t'));

        private static readonly Gen<(string, string)> FieldGen = Gen.Frequency(
            (3, StringOf("abcdefghijklmnopqrstuvwxyz-0123456789", 1, 10).Select(n => "X-" + n)),
            (1, Gen.OneOfConst("User-Agent", "Accept", "Referer", "Range", "Cache-Control", "Authorization", "Cookie")))
            .SelectMany(name => ValueGen.Select(value => (name, value)));

        private static readonly Gen<string> ConnectionGen = Gen.OneOfConst("close", "keep-alive", "Keep-Alive, Upgrade", "upgrade", "CLOSE", "te, close");

        private static readonly Gen<string> OwsGen = Gen.OneOfConst("", "", " ", "  ", "\t", " \t");

        private static readonly Gen<string> LineEndGen = Gen.Frequency((4, Gen.Const("\r\n")), (1, Gen.Const("\n")));

        public static readonly Gen<ValidRequest> Generator =
            from method in MethodGen
            from path in PathGen
            from query in QueryGen
            from version in Gen.OneOfConst("HTTP/1.1", "HTTP/1.0")
            from host in HostGen
            from hostAt in Gen.Int[0, 100]
            from sendHost in Gen.Bool
            from fields in FieldGen.Array[0, 8]
            from connection in Gen.OneOf(Gen.Const((string?)null), ConnectionGen.Select(c => (string?)c))
            from ows in OwsGen.Array[24]
            from ends in LineEndGen.Array[24]
            from leading in Gen.Int[0, 3]
            select Build(method, path, query, version, version == "HTTP/1.1" || sendHost ? host : null, hostAt, fields, connection, ows, ends, leading);

        private static ValidRequest Build(string method, string path, string query, string version, string? host, int hostAt,
            (string, string)[] extra, string? connection, string[] ows, string[] ends, int leading)
        {
            // Known names appear at most once, as a client sends them.
            var fields = extra.GroupBy(f => f.Item1, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).ToList();
            if (host != null) fields.Insert(hostAt % (fields.Count + 1), ("Host", host));
            if (connection != null) fields.Add(("Connection", connection));
            var text = new StringBuilder();
            for (int i = 0; i < leading; i++) text.Append("\r\n");
            text.Append(method).Append(' ').Append(path).Append(query).Append(' ').Append(version).Append(ends[0]);
            for (int i = 0; i < fields.Count; i++)
            {
                text.Append(fields[i].Item1).Append(':').Append(ows[i % ows.Length]).Append(fields[i].Item2)
                    .Append(ows[(i + 7) % ows.Length]).Append(ends[(i + 1) % ends.Length]);
            }
            text.Append(ends[^1]);
            return new ValidRequest(method, path, query, version, host, fields, text.ToString(), ends);
        }

        public string? Field(string name) => Fields.Where(f => f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).FirstOrDefault();

        public HttpMethod ExpectedMethod => Method switch
        {
            "GET" => HttpMethod.Get,
            "HEAD" => HttpMethod.Head,
            "OPTIONS" => HttpMethod.Options,
            _ => HttpMethod.Other,
        };

        public bool ExpectedKeepAlive
        {
            get
            {
                string[] tokens = (Field("Connection") ?? "").Split(',').Select(t => t.Trim(' ', '\t').ToLowerInvariant()).ToArray();
                bool close = tokens.Contains("close");
                return Version == "HTTP/1.1" ? !close : tokens.Contains("keep-alive") && !close;
            }
        }

        /// <summary>The same request with one defect: 0 space before a colon, 1 a control byte in a value, 2 a folded
        /// line, 3 no Host on HTTP/1.1, 4 a second Host, 5 a space inside the target, 6 HTTP/2.0 in the request line.</summary>
        public string WithDefect(int defect)
        {
            string headEnd = LineEnds[^1];
            string body = Text.Substring(0, Text.Length - headEnd.Length); // without the empty line that ends the head
            switch (defect)
            {
                case 0: return body + "X-Defect :v" + "\r\n" + headEnd;
                case 1: return body + "X-Defect: a\u0001b" + "\r\n" + headEnd;
                case 2: return body + "X-Defect: a" + "\r\n" + " folded" + "\r\n" + headEnd;
                case 3: return Version == "HTTP/1.1" ? Without("Host") : body + "Host: a\r\nHost: b\r\n" + headEnd;
                case 4: return body + "Host: second.example\r\n" + (Host == null ? "Host: third.example\r\n" : "") + headEnd;
                case 5: return Text.Replace(" " + Path + Query + " ", " " + Path + " x" + Query + " ");
                default: return Text.Replace(" " + Version, " HTTP/2.0");
            }
        }

        private string Without(string name)
        {
            var lines = Text.Split('\n').Where(l => !l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase));
            return string.Join("\n", lines);
        }
    }
}
