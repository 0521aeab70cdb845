using Xunit;

namespace PSWebServer.Tests;

/// <summary>
/// Tests over real sockets run one at a time and apart from the rest: they measure time, and 500 clients or a
/// 50 MB transfer beside them would make those measurements noise.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SocketTestCollection
{
    public const string Name = "Real sockets";
}
