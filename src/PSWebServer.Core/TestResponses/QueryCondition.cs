using System;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.TestResponses;

/// <summary>
/// "The query has a parameter <c>name</c> whose value matches": names and values are compared decoded (percent escapes,
/// and '+' as a space, as HTML forms and PowerShell's -Body on a GET encode them). Decoding goes into stack memory;
/// only a parameter longer than that allocates.
/// </summary>
internal sealed class QueryCondition
{
    private const int StackBytes = 256;

    private readonly byte[] _name;
    private readonly ByteWildcard _value;

    public QueryCondition(string name, string valuePattern)
    {
        Name = name;
        _name = Encoding.UTF8.GetBytes(name);
        _value = new ByteWildcard(valuePattern);
    }

    public string Name { get; }

    public string ValuePattern => _value.Text;

    /// <param name="query">The query as sent, without its '?'.</param>
    public bool IsMatch(ReadOnlySpan<byte> query)
    {
        while (true)
        {
            int end = query.IndexOf((byte)'&');
            ReadOnlySpan<byte> pair = end < 0 ? query : query.Slice(0, end);
            if (pair.Length > 0 && PairMatches(pair)) return true;
            if (end < 0) return false;
            query = query.Slice(end + 1);
        }
    }

    private bool PairMatches(ReadOnlySpan<byte> pair)
    {
        int equals = pair.IndexOf((byte)'=');
        ReadOnlySpan<byte> rawName = equals < 0 ? pair : pair.Slice(0, equals);
        ReadOnlySpan<byte> rawValue = equals < 0 ? default : pair.Slice(equals + 1);

        Span<byte> name = rawName.Length <= StackBytes ? stackalloc byte[StackBytes] : new byte[rawName.Length];
        int nameLength = Decode(rawName, name);
        if (nameLength < 0 || !name.Slice(0, nameLength).SequenceEqual(_name)) return false;
        if (_value.MatchesAll) return true;

        Span<byte> value = rawValue.Length <= StackBytes ? stackalloc byte[StackBytes] : new byte[rawValue.Length];
        int valueLength = Decode(rawValue, value);
        return valueLength >= 0 && _value.IsMatch(value.Slice(0, valueLength));
    }

    /// <summary>Form decoding: '+' is a space, then percent escapes; -1 for a malformed escape (then nothing matches it).</summary>
    private static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int length = PercentDecoding.Decode(source, destination);
        if (length < 0) return -1;
        // A '+' that came from "%2B" must stay a '+': replace only where the source had a literal '+'.
        if (source.IndexOf((byte)'+') < 0) return length;
        int written = 0;
        for (int i = 0; i < source.Length; i++, written++)
        {
            if (source[i] == (byte)'+') destination[written] = (byte)' ';
            else if (source[i] == (byte)'%') i += 2;
        }
        return length;
    }

    public override string ToString() => Name + "=" + ValuePattern;
}
