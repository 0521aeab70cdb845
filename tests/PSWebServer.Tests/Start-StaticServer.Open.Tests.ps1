BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

# -Open hands the URL to the system's opener; on Linux that is xdg-open, found on PATH, so a stand-in records the call.
Describe 'Start-StaticServer -Open' -Skip:(-not $IsLinux) {
    BeforeEach {
        $root = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'site') -Force
        Set-Content -Path (Join-Path $root 'index.html') -Value '<p>hi</p>'
        $bin = New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid())) -Force
        $savedPath = $env:PATH
        $server = $null
    }
    AfterEach {
        $env:PATH = $savedPath
        if ($server) { $server | Stop-StaticServer }
    }

    It 'opens the default browser at the server''s URL once it is listening' {
        $record = Join-Path $TestDrive 'opened.txt'
        $opener = Join-Path $bin 'xdg-open'
        # The stand-in also fetches the page, which shows the server was listening when the browser was asked.
        Set-Content -Path $opener -Value "#!/bin/sh`necho `"`$1`" > '$record.tmp'`ncurl -s -o /dev/null -w '%{http_code}' `"`$1`" >> '$record.tmp'`nmv '$record.tmp' '$record'`n"
        chmod +x $opener
        $env:PATH = "$bin$([IO.Path]::PathSeparator)$savedPath"

        $server = Start-StaticServer -Path $root -Port 0 -Open

        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while (-not (Test-Path $record) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $lines = Get-Content $record
        $lines[0] | Should -Be $server.Url
        $lines[1] | Should -Be '200'
    }

    It 'warns, naming the URL, and keeps serving when no browser can be opened' {
        $env:PATH = "$bin" # no opener anywhere on it
        $server = Start-StaticServer -Path $root -Port 0 -Open -WarningVariable warned -WarningAction SilentlyContinue
        $env:PATH = $savedPath

        "$warned" | Should -Match ([regex]::Escape($server.Url))
        $server.State | Should -Be 'Running'
        (Invoke-WebRequest -Uri $server.Url).StatusCode | Should -Be 200
    }
}
