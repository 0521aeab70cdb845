# HTTP/2 in a real browser (issue 12, Proof: real clients): Debian's chromium driven by puppeteer-core (tests/browser/h2.mjs,
# installed by `npm ci` in build.ps1's Test task) loads wwwroot over https from a -SelfSigned server, trusted by its SPKI
# hash only, and reports performance.getEntriesByType('navigation')[0].nextHopProtocol 'h2' for the page, its stylesheet
# and image and fetch() calls; the same site from a -Protocol Http1 server reports 'http/1.1' (the control). The journal
# shows the same from the server's side.
# Missing chromium, node or tests/browser/node_modules skips here and fails under CI=true.

BeforeDiscovery {
    $browserDir = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../browser'))
    $node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $chromium = @('chromium', 'chromium-browser', 'google-chrome') |
        ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue } | Select-Object -First 1
    $missing = @(
        if (-not $node) { 'node' }
        if (-not $chromium) { 'chromium' }
        if (-not (Test-Path (Join-Path $browserDir 'node_modules/puppeteer-core'))) { 'tests/browser/node_modules (npm ci)' }
    )
    $skip = $missing.Count -gt 0 -and $env:CI -ne 'true'
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
    $browserDir = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../browser'))
    $WwwRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../wwwroot'))
}

AfterAll {
    Get-StaticServer -Name 'h2b-*' -ErrorAction SilentlyContinue | Stop-StaticServer -Timeout 1
}

Describe 'wwwroot over h2 in chromium' -Skip:$skip {
    BeforeAll {
        $node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        $chromium = @('chromium', 'chromium-browser', 'google-chrome') |
            ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue } | Select-Object -First 1
        if (-not $node -or -not $chromium -or -not (Test-Path (Join-Path $browserDir 'node_modules/puppeteer-core'))) {
            throw "The browser test needs node, chromium and tests/browser/node_modules (npm ci --prefix tests/browser); CI installs them (see .ci/run, build.ps1)."
        }

        $h2Server = Start-StaticServer $WwwRoot -Port 0 -Name 'h2b-auto' -SelfSigned
        $h1Server = Start-StaticServer $WwwRoot -Port 0 -Name 'h2b-http1' -SelfSigned -Protocol Http1
        $h2Pem = $h2Server | Export-ServerCertificate -Path (Join-Path $TestDrive 'h2b-auto.pem')
        $h1Pem = $h1Server | Export-ServerCertificate -Path (Join-Path $TestDrive 'h2b-http1.pem')

        $config = @{
            chromium = $chromium.Source; h2Url = $h2Server.Url; h1Url = $h1Server.Url
            spki = "$($h2Pem.SpkiSha256),$($h1Pem.SpkiSha256)"
        } | ConvertTo-Json -Compress

        $start = [System.Diagnostics.ProcessStartInfo]::new($node.Source)
        $start.ArgumentList.Add((Join-Path $browserDir 'h2.mjs'))
        $start.ArgumentList.Add($config)
        $start.WorkingDirectory = $browserDir
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(90000)) {
            $process.Kill($true) # the node process this test started, by its object
            $process.WaitForExit(5000)
        }
        $exitCode = $process.ExitCode
        $results = @($stdout.Result -split "`n" | Where-Object { $_.StartsWith('{') } | ForEach-Object { $_ | ConvertFrom-Json })
        foreach ($r in $results) { Write-Host "    browser: $($r.name): $($r.ok) $($r.detail.Substring(0, [Math]::Min(160, $r.detail.Length)))" }
        $log = "exit $exitCode`nstdout:`n$($stdout.Result)`nstderr:`n$($stderr.Result)"
        function Get-Check([string] $Name) { $results | Where-Object name -eq $Name | Select-Object -First 1 }
    }
    AfterAll {
        if ($process) { $process.Dispose() }
    }

    It 'ran to the end without a browser error' {
        $exitCode | Should -Be 0 -Because $log
        (Get-Check 'browser run') | Should -BeNullOrEmpty -Because $log
    }

    It '<_>' -ForEach @(
        'wwwroot renders over https'
        'navigation over h2'
        'page subresources over h2'
        'fetch() over h2'
        '-Protocol Http1 server: http/1.1'
    ) {
        $check = Get-Check $_
        $check | Should -Not -BeNullOrEmpty -Because $log
        $check.ok | Should -BeTrue -Because "$($check.detail)`n$log"
    }

    It 'journals chromium''s requests as HTTP/2 over TLS 1.3 on the Auto server, HTTP/1.1 on the Http1 one' {
        foreach ($asset in '/', '/css/site.css', '/img/logo.png', '/hello.txt', '/data/server.json') {
            $record = $h2Server | Get-ServerRequest -Path $asset -Wait -Timeout 10 | Select-Object -First 1
            $record | Should -Not -BeNullOrEmpty -Because "chromium fetched $asset"
            $record.Protocol | Should -Be 'HTTP/2' -Because $asset
            $record.StatusCode | Should -BeIn 200, 304
            $record.TlsProtocol | Should -Be 'TLSv1.3'
            $record.UserAgent | Should -Match 'Chrome'
        }
        @($h2Server | Get-ServerRequest | Where-Object Protocol -ne 'HTTP/2').Count | Should -Be 0
        $h1Records = @($h1Server | Get-ServerRequest)
        $h1Records.Count | Should -BeGreaterThan 0
        @($h1Records | Where-Object Protocol -ne 'HTTP/1.1').Count | Should -Be 0
    }
}
