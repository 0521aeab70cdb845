BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

# -AccessLog through the cmdlet: the path resolved like -Path, the formats, the errors. The engine's writer (order,
# rotation, load) is proven by the xunit tests AccessLogWriterTests and StaticServerAccessLogTests.
Describe 'Start-StaticServer -AccessLog' {
    BeforeEach {
        $site = New-TestSite
        $logs = Join-Path $TestDrive ('logs' + [guid]::NewGuid().ToString('n'))
        $null = New-Item -ItemType Directory -Path $logs
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'resolves a relative path against the PowerShell location, writes Combined by default, and flushes on stop' {
        Push-Location $logs
        try {
            $server = Start-StaticServer -Path $site -Port 0 -AccessLog ./access.log
        }
        finally {
            Pop-Location
        }
        (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
        (Invoke-TestRequest "$($server.Url)missing").StatusCode | Should -Be 404
        $server | Stop-StaticServer

        $lines = Get-Content -LiteralPath (Join-Path $logs 'access.log')
        $lines | Should -HaveCount 2
        $lines[0] | Should -Match '^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET /a\.txt HTTP/1\.1" 200 \d+ "-" ".+"$'
        $lines[1] | Should -Match '"GET /missing HTTP/1\.1" 404 \d+ '
    }

    It 'writes <Format> lines' -ForEach @(
        @{ Format = 'Common'; Pattern = '^127\.0\.0\.1 - - \[.+\] "GET /a\.txt\?q=1 HTTP/1\.1" 200 \d+$' }
        @{ Format = 'Combined'; Pattern = '^127\.0\.0\.1 - - \[.+\] "GET /a\.txt\?q=1 HTTP/1\.1" 200 \d+ "-" ".+"$' }
    ) {
        $path = Join-Path $logs "$Format.log"
        $server = Start-StaticServer -Path $site -Port 0 -AccessLog $path -AccessLogFormat $Format
        $null = Invoke-TestRequest "$($server.Url)a.txt?q=1"
        $server | Stop-StaticServer
        Get-Content -LiteralPath $path | Should -Match $Pattern
    }

    It 'writes JSON lines with the fields Get-ServerRequest shows' {
        $path = Join-Path $logs 'access.jsonl'
        $server = Start-StaticServer -Path $site -Port 0 -AccessLog $path -AccessLogFormat Json
        $null = Invoke-TestRequest "$($server.Url)a.txt?q=1"
        $journal = Wait-ServerRequest $server 1
        $server | Stop-StaticServer

        $entry = Get-Content -LiteralPath $path | ConvertFrom-Json
        $entry.Id | Should -Be $journal[0].Id
        $entry.Path | Should -Be '/a.txt'
        $entry.Query | Should -Be 'q=1'
        $entry.StatusCode | Should -Be 200
        $entry.BytesSent | Should -Be $journal[0].BytesSent
        $entry.UserAgent | Should -Be $journal[0].UserAgent
        $entry.ServerName | Should -Be $server.Name
    }

    It 'fails with PathNotFound (ObjectNotFound) when the folder does not exist, and starts nothing' {
        $err = { Start-StaticServer -Path $site -Port 0 -AccessLog (Join-Path $logs 'no/such/access.log') } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'PathNotFound,PSWebServer.Commands.StartStaticServerCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike '*-AccessLog*does not exist*'
        Get-StaticServer | Should -BeNullOrEmpty
    }

    It 'fails with PathNotFile (InvalidArgument) when the path is a folder' {
        $err = { Start-StaticServer -Path $site -Port 0 -AccessLog $logs } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'PathNotFile,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-StaticServer | Should -BeNullOrEmpty
    }

    It 'fails with AccessLogUnavailable (PermissionDenied) when the file cannot be opened for writing' -Skip:$IsWindows {
        if ((id -u) -eq '0') {
            # root writes past a file's mode bits, but not into a read-only sysfs attribute
            $path = '/sys/kernel/uevent_seqnum'
            if (-not (Test-Path -LiteralPath $path)) { Set-ItResult -Skipped -Because 'running as root without sysfs'; return }
        }
        else {
            $path = Join-Path $logs 'readonly.log'
            Set-Content -LiteralPath $path -Value ''
            chmod 444 $path
        }
        $err = { Start-StaticServer -Path $site -Port 0 -AccessLog $path } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AccessLogUnavailable,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        Get-StaticServer | Should -BeNullOrEmpty
    }
}
