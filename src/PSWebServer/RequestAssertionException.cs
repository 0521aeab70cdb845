using System;

namespace PSWebServer;

/// <summary>
/// Thrown (as a terminating error) by Assert-ServerRequest when the requests a server saw are not the ones expected.
/// Its own type, so a test can tell a failed assertion from a mistake in calling it.
/// </summary>
public sealed class RequestAssertionException : Exception
{
    public RequestAssertionException(string message)
        : base(message)
    {
    }
}
