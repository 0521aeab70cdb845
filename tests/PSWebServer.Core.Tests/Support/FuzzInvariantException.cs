using System;

namespace PSWebServer.Tests.Support;

/// <summary>A fuzz target found a unit breaking its contract; to AFL it is a crash like any escaping exception.</summary>
internal sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException(string message) : base(message) { }
}
