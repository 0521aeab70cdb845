using System;
using System.Collections.Generic;

namespace PSWebServer.TestResponses;

/// <summary>
/// What a caller asks for when adding a canned response: a plain, mutable description. <see cref="CannedResponseTable.Add"/>
/// checks it and turns it into a <see cref="CannedResponse"/> (an <see cref="ArgumentException"/> naming the property
/// when something is wrong); changing the definition afterwards changes nothing on the server.
/// </summary>
public sealed class CannedResponseDefinition
{
    /// <summary>
    /// The request path it answers, percent-decoded, compared case-sensitively: exact, or a wildcard where <c>*</c> is any
    /// run of characters (including <c>/</c>) and <c>?</c> one character. Must begin with <c>/</c> or <c>*</c>.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>The methods it answers (GET also answers HEAD); empty for every method.</summary>
    public IList<string> Methods { get; } = new List<string>();

    public int StatusCode { get; set; } = 200;

    /// <summary>The body, from memory. At most one of <see cref="Body"/> and <see cref="BodyFile"/>.</summary>
    public byte[]? Body { get; set; }

    /// <summary>The full path of a file whose content is the body, opened and read for each answer (so it may change).</summary>
    public string? BodyFile { get; set; }

    /// <summary>Content-Type; null for the file's type by extension, application/octet-stream for other bodies, none without a body.</summary>
    public string? ContentType { get; set; }

    /// <summary>Fields sent with the answer, in order (a name may repeat). Content-Type here stands for <see cref="ContentType"/>.</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>How many requests it answers before it is used up; null for no limit.</summary>
    public int? Times { get; set; }

    /// <summary>How long to wait before answering.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Send the body at about this many bytes a second; 0 for as fast as the client reads.</summary>
    public long BytesPerSecond { get; set; }

    public CannedFault Fault { get; set; }

    /// <summary>Query parameters the request must have: each name with a value matching the wildcard (<c>*</c>: present, any value).</summary>
    public IList<KeyValuePair<string, string>> Query { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>Request headers it must have: each name (any case) with a value matching the wildcard.</summary>
    public IList<KeyValuePair<string, string>> RequestHeaders { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>Text the request body must contain (as UTF-8 bytes, case-sensitive); null for any body.</summary>
    public string? BodyContains { get; set; }

    /// <summary>Names the response in the request log (<c>ServerRequest.AnsweredBy</c>); made from the id, methods, path and status when null.</summary>
    public string? Description { get; set; }

    /// <summary>Throws the <see cref="ArgumentException"/> <see cref="CannedResponseTable.Add"/> would, without adding it anywhere.</summary>
    public void Validate() => CannedResponseValidation.Check(this);
}
