using System;
using System.IO;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

public sealed class OptionsValidationAccessLogTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private StaticServerOptions With(string? path, AccessLogFormat format = AccessLogFormat.Combined) =>
        new() { Root = _folder.Path, AccessLogPath = path, AccessLogFormat = format };

    [Fact]
    public void NoAccessLog_AndAFileInAnExistingFolder_AreAccepted()
    {
        OptionsValidation.Check(With(null));
        OptionsValidation.Check(With(Path.Combine(_folder.Path, "access.log"), AccessLogFormat.Json));
    }

    [Fact]
    public void RelativePath_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => OptionsValidation.Check(With("logs/access.log")));
        Assert.Equal(nameof(StaticServerOptions.AccessLogPath), e.ParamName);
    }

    [Fact]
    public void MissingFolder_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => OptionsValidation.Check(With(Path.Combine(_folder.Path, "no", "a.log"))));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Folder_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => OptionsValidation.Check(With(_folder.Path)));
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public void UndefinedFormat_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => OptionsValidation.Check(With(null, (AccessLogFormat)42)));
    }
}
