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
    . $PSScriptRoot/HttpClientHelpers.ps1
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

        # A development preview as issue 12 pictures it: a page that imports 120 unbundled modules.
        $moduleCount = 120
        $modulesRoot = Join-Path $TestDrive 'h2b-modules'
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $modulesRoot 'lib')
        foreach ($i in 1..$moduleCount) {
            Set-Content -LiteralPath (Join-Path $modulesRoot "lib/m$i.js") -NoNewline -Value "export const n$i = $i; window.__modulesLoaded = (window.__modulesLoaded || 0) + 1;`n"
        }
        $imports = (1..$moduleCount | ForEach-Object { "import './lib/m$_.js';" }) -join "`n"
        Set-Content -LiteralPath (Join-Path $modulesRoot 'main.js') -NoNewline -Value $imports
        Set-Content -LiteralPath (Join-Path $modulesRoot 'index.html') -NoNewline -Value '<!doctype html><html><head><script type="module" src="/main.js"></script></head><body><h1>modules</h1></body></html>'
        # and an audio element, which chromium's media loader fetches in ranges
        New-WavFile -Path (Join-Path $modulesRoot 'tone.wav') -Seconds 4
        Set-Content -LiteralPath (Join-Path $modulesRoot 'media.html') -NoNewline -Value @'
<!doctype html><html><head><meta charset="utf-8"></head><body>
<audio id="player" src="/tone.wav" preload="auto" muted controls></audio><p id="state"></p>
<script>
  const player = document.getElementById('player'), state = document.getElementById('state');
  for (const name of ['loadedmetadata', 'canplay', 'error']) player.addEventListener(name, () => { state.textContent += ' ' + name; });
</script></body></html>
'@
        $modulesServer = Start-StaticServer $modulesRoot -Port 0 -Name 'h2b-modules' -SelfSigned
        $modulesPem = $modulesServer | Export-ServerCertificate -Path (Join-Path $TestDrive 'h2b-modules.pem')

        $lrRoot = Join-Path $TestDrive 'h2b-lr'
        $null = New-Item -ItemType Directory -Force -Path $lrRoot
        Set-Content -LiteralPath (Join-Path $lrRoot 'index.html') -NoNewline -Value '<!doctype html><html><body><h1 id="t">one</h1></body></html>'
        $lrServer = Start-StaticServer $lrRoot -Port 0 -Name 'h2b-lr' -SelfSigned -LiveReload
        $lrPem = $lrServer | Export-ServerCertificate -Path (Join-Path $TestDrive 'h2b-lr.pem')

        $config = @{
            chromium = $chromium.Source; h2Url = $h2Server.Url; h1Url = $h1Server.Url
            modulesUrl = $modulesServer.Url; modules = $moduleCount; lrUrl = $lrServer.Url; lrRoot = $lrRoot
            spki = (@($h2Pem, $h1Pem, $modulesPem, $lrPem) | ForEach-Object SpkiSha256) -join ','
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
        '120 modules over h2'
        'audio decodes from ranges over h2'
        'live reload over h2'
        '-Protocol Http1 server: http/1.1'
    ) {
        $check = Get-Check $_
        $check | Should -Not -BeNullOrEmpty -Because $log
        $check.ok | Should -BeTrue -Because "$($check.detail)`n$log"
    }

    It 'journals chromium''s requests to wwwroot as HTTP/2 over TLS 1.3' {
        foreach ($asset in '/', '/css/site.css', '/img/logo.png', '/hello.txt', '/data/server.json') {
            $record = $h2Server | Get-ServerRequest -Path $asset -Wait -Timeout 10 | Select-Object -First 1
            $record | Should -Not -BeNullOrEmpty -Because "chromium fetched $asset"
            $record.Protocol | Should -Be 'HTTP/2' -Because $asset
            $record.StatusCode | Should -BeIn 200, 304
            $record.TlsProtocol | Should -Be 'TLSv1.3'
            $record.UserAgent | Should -Match 'Chrome'
        }
        @($h2Server | Get-ServerRequest | Where-Object Protocol -ne 'HTTP/2').Count | Should -Be 0
    }

    It 'fetches the 120 modules over one HTTP/2 connection' {
        $modulesServer | Assert-ServerRequest -Path '/lib/m*.js' -Filter { $_.Protocol -eq 'HTTP/2' } -Exactly -Times $moduleCount -Within 10
        $records = @($modulesServer | Get-ServerRequest -Path '/lib/m*.js')
        @($records | Where-Object StatusCode -ne 200).Count | Should -Be 0
        @($records.ClientAddress | Select-Object -Unique).Count | Should -Be 1 -Because 'chromium multiplexes an origin''s requests on one h2 connection'
    }

    It 'journals chromium''s Range requests for the audio as HTTP/2 206s' {
        $record = $modulesServer | Get-ServerRequest -Path '/tone.wav' -Wait -Timeout 10 | Where-Object Range | Select-Object -First 1
        $record | Should -Not -BeNullOrEmpty -Because 'chromium''s media loader asks for audio with a Range header'
        $record.Range | Should -Match '^bytes=\d+-\d*$'
        $record.StatusCode | Should -Be 206
        $record.Protocol | Should -Be 'HTTP/2'
    }

    It 'journals the live-reload page and its reload as HTTP/2' {
        $record = $lrServer | Get-ServerRequest -Path '/index.html' -Wait -Timeout 10 | Select-Object -First 1
        $record.Protocol | Should -Be 'HTTP/2'
        $lrServer | Assert-ServerRequest -Path '/index.html' -Filter { $_.Protocol -eq 'HTTP/2' } -Times 2 -Within 10
    }

    It 'keeps the control server on HTTP/1.1' {
        $h1Records = @($h1Server | Get-ServerRequest)
        $h1Records.Count | Should -BeGreaterThan 0
        @($h1Records | Where-Object Protocol -ne 'HTTP/1.1').Count | Should -Be 0
    }
}
