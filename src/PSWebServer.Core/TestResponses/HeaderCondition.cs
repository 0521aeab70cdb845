using System;
using System.Text;
using PSWebServer.Http;

namespace PSWebServer.TestResponses;

/// <summary>
/// "The request has a header <c>name</c> (any case) with a value matching": every field line of that name is tried,
/// so a repeated header matches when any of its lines does. Values are compared as sent, case-sensitively.
/// </summary>
internal sealed class HeaderCondition
{
    private readonly byte[] _name;
    private readonly ByteWildcard _value;

    public HeaderCondition(string name, string valuePattern)
    {
        Name = name;
        _name = Encoding.ASCII.GetBytes(name);
        _value = new ByteWildcard(valuePattern);
    }

    public string Name { get; }

    public string ValuePattern => _value.Text;

    public bool IsMatch(HttpRequest request)
    {
        ReadOnlySpan<byte> bytes = request.Span;
        foreach (HeaderField field in request.Head.Fields)
        {
            if (field.Name.Length != _name.Length || !Ascii.EqualsIgnoreCase(field.Name.Of(bytes), _name)) continue;
            if (_value.IsMatch(field.Value.Of(bytes))) return true;
        }
        return false;
    }

    public override string ToString() => Name + ": " + ValuePattern;
}
