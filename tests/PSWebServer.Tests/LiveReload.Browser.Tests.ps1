# Live reload in a real browser (issue 10, Proof): Debian's chromium driven by puppeteer-core (tests/browser,
# installed by `npm ci` in build.ps1's Test task). A page reloads with new content within a second of a change,
# a stylesheet change applies without a navigation, a page with no </body> reloads, fetch() and XHR of an HTML
# fragment get it without the script, eight tabs share one stream (all load, all reload), and Invoke-ServerReload
# reloads a -NoWatch server's page.
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
}

AfterAll {
    Get-StaticServer -Name 'lr-watch', 'lr-script' -ErrorAction SilentlyContinue | Stop-StaticServer -Timeout 1
}

Describe 'Live reload in chromium' -Skip:$skip {
    BeforeAll {
        $node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        $chromium = @('chromium', 'chromium-browser', 'google-chrome') |
            ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue } | Select-Object -First 1
        if (-not $node -or -not $chromium -or -not (Test-Path (Join-Path $browserDir 'node_modules/puppeteer-core'))) {
            throw "The browser test needs node, chromium and tests/browser/node_modules (npm ci --prefix tests/browser); CI installs them (see .ci/run, build.ps1)."
        }

        $watchRoot = Join-Path $TestDrive 'lr-watch'
        $scriptRoot = Join-Path $TestDrive 'lr-script'
        $signalDir = Join-Path $TestDrive 'lr-signals'
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $watchRoot 'css'), $scriptRoot, $signalDir
        Set-Content -LiteralPath (Join-Path $watchRoot 'index.html') -NoNewline -Value '<!doctype html><html><head><link rel="stylesheet" href="/css/site.css"></head><body><h1 id="t">one</h1></body></html>'
        Set-Content -LiteralPath (Join-Path $watchRoot 'css/site.css') -Value 'h1 { color: rgb(255, 0, 0); }'
        Set-Content -LiteralPath (Join-Path $watchRoot 'fragment.html') -NoNewline -Value '<ul><li>fragment</li></ul>'
        Set-Content -LiteralPath (Join-Path $watchRoot 'bare.html') -NoNewline -Value '<p id="t">bare one</p>'
        Set-Content -LiteralPath (Join-Path $watchRoot 'many.html') -NoNewline -Value '<html><body><p id="t">many one</p></body></html>'
        Set-Content -LiteralPath (Join-Path $scriptRoot 'index.html') -NoNewline -Value '<html><body><h1 id="t">before</h1></body></html>'

        $watching = Start-StaticServer $watchRoot -Port 0 -Name 'lr-watch' -LiveReload
        $scripted = Start-StaticServer $scriptRoot -Port 0 -Name 'lr-script' -LiveReload -NoWatch

        $config = @{
            chromium = $chromium.Source; watchUrl = $watching.Url; watchRoot = $watchRoot
            scriptUrl = $scripted.Url; scriptRoot = $scriptRoot; signalDir = $signalDir
        } | ConvertTo-Json -Compress

        $start = [System.Diagnostics.ProcessStartInfo]::new($node.Source)
        $start.ArgumentList.Add((Join-Path $browserDir 'livereload.mjs'))
        $start.ArgumentList.Add($config)
        $start.WorkingDirectory = $browserDir
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()

        # The page on the -NoWatch server asks for its reload by writing a file; this side answers with the cmdlet.
        $reloaded = $false
        $counted = $false
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        while (-not $process.HasExited -and $clock.Elapsed.TotalSeconds -lt 120) {
            if (-not $counted -and (Test-Path (Join-Path $signalDir 'tabs'))) {
                # written under another name and renamed: the page polls for the file, and must never read it half-written
                Set-Content -LiteralPath (Join-Path $signalDir 'tabs-counted.tmp') -Value $watching.LiveReloadClients
                Move-Item -LiteralPath (Join-Path $signalDir 'tabs-counted.tmp') -Destination (Join-Path $signalDir 'tabs-counted') -Force
                $counted = $true
            }
            if (-not $reloaded -and (Test-Path (Join-Path $signalDir 'ready'))) {
                $scripted | Invoke-ServerReload
                $reloaded = $true
            }
            Start-Sleep -Milliseconds 50
        }
        if (-not $process.HasExited) {
            $process.Kill($true) # the node process this test started, by its object
            $process.WaitForExit(5000)
        }
        $exitCode = $process.ExitCode
        $results = @($stdout.Result -split "`n" | Where-Object { $_.StartsWith('{') } | ForEach-Object { $_ | ConvertFrom-Json })
        foreach ($r in $results) { Write-Host "    browser: $($r.name): $($r.ok) $($r.detail.Substring(0, [Math]::Min(120, $r.detail.Length)))" }
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
        'page carries the script'
        'page reloads with new content within a second'
        'stylesheet change applies without a navigation'
        'fetch() of an HTML fragment has no script'
        'XHR of an HTML fragment has no script'
        'page without </body> reloads'
        'eight tabs all load and all reload'
        'eight tabs share one stream'
        '-NoWatch: a change alone does not reload'
        'Invoke-ServerReload reloads the page'
    ) {
        $check = Get-Check $_
        $check | Should -Not -BeNullOrEmpty -Because $log
        $check.ok | Should -BeTrue -Because "$($check.detail)`n$log"
    }
}
