# Real clients against the module (issue 4, "Proof with real clients"): aria2c splitting a download into
# ranges, wget2 mirroring wwwroot, headless Chromium rendering wwwroot and fetching media, and
# Invoke-WebRequest with and without -Resume. A missing client fails its test: CI installs them all.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/HttpClientHelpers.ps1
    Import-PSWebServer
    $WwwRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../wwwroot'))

    function Get-TreeHash {
        # Relative path → SHA-256 of every file under $Root, sorted by path (ordinal), as "path sha" lines.
        param([Parameter(Mandatory)] [string] $Root)
        $full = [System.IO.Path]::GetFullPath($Root)
        Get-ChildItem -LiteralPath $full -Recurse -File -Force |
            ForEach-Object { '{0} {1}' -f [System.IO.Path]::GetRelativePath($full, $_.FullName).Replace('\', '/'), (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash } |
            Sort-Object -CaseSensitive
    }
}

AfterAll {
    Stop-StaticServer -All -Timeout 1
}

Describe 'aria2c' {
    BeforeAll {
        $root = Join-Path $TestDrive 'aria-site'
        $out = Join-Path $TestDrive 'aria-out'
        $null = New-Item -ItemType Directory -Force -Path $root, $out
        $bytes = New-RandomFile -Path (Join-Path $root 'fifty.bin') -Length 50MB -Seed 50
        $expected = Get-Sha256 $bytes
        $bytes = $null
        $server = Start-StaticServer $root -Port 0
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'splits a 50 MiB download over 8 connections into ranges, and the result''s SHA-256 equals the file''s' {
        $aria2c = Get-ToolPath aria2c
        $run = Invoke-Native -FilePath $aria2c -TimeoutSeconds 90 -ArgumentList @(
            '--no-conf=true', '-x8', '-s8', '-k1M', '--allow-overwrite=true', '--auto-file-renaming=false',
            '--file-allocation=none', '--max-tries=1', '--connect-timeout=5', '--timeout=30', '--summary-interval=0',
            '--console-log-level=warn', '--download-result=hide', '-d', $out, '-o', 'fifty.bin', "$($server.Url)fifty.bin")
        $run.ExitCode | Should -Be 0 -Because "aria2c said: $($run.StdErr) $($run.StdOut)"
        (Get-FileHash -LiteralPath (Join-Path $out 'fifty.bin') -Algorithm SHA256).Hash | Should -Be $expected

        # aria2c closes its first connection once that one's segment is in, so not every request ends normally
        $null = $server | Get-ServerRequest -Path '/fifty.bin' -StatusCode 206 -Wait -Timeout 10 | Select-Object -First 6
        $ranged = @($server | Get-ServerRequest -Path '/fifty.bin' -StatusCode 206)
        $ranged.Count | Should -BeGreaterOrEqual 6
        $ranged | ForEach-Object { $_.Range | Should -Match '^bytes=\d+-\d*$' }
        @($ranged.ClientAddress | Select-Object -Unique).Count | Should -BeGreaterOrEqual 4 -Because 'aria2c opens several connections'
        @($server | Get-ServerRequest -Path '/fifty.bin' | Where-Object StatusCode -notin 200, 206).Count | Should -Be 0
    }
}

Describe 'wget2 mirroring wwwroot' {
    BeforeAll {
        $server = Start-StaticServer $WwwRoot -Port 0
        $out = Join-Path $TestDrive 'mirror'
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'mirrors the site by following links, and the tree and bytes equal wwwroot' {
        $wget = Get-ToolPath wget2, wget
        $run = Invoke-Native -FilePath $wget -TimeoutSeconds 60 -ArgumentList @(
            '-r', '-np', '-nH', '--no-robots', '--tries=1', '--timeout=10', '-P', $out, $server.Url)
        # wget and wget2 exit 8 when some link answered an error: wwwroot links /no-such-page on purpose.
        $run.ExitCode | Should -BeIn 0, 8 -Because "$wget said: $($run.StdErr)"
        $mirrored = Get-TreeHash $out
        $original = Get-TreeHash $WwwRoot
        ($mirrored -join "`n") | Should -Be ($original -join "`n")
        ($server | Get-ServerRequest -Path '/no-such-page' -Wait -Timeout 10 | Select-Object -First 1).StatusCode | Should -Be 404
    }
}

Describe 'headless Chromium' {
    BeforeAll {
        $server = Start-StaticServer $WwwRoot -Port 0 -Name wwwroot
        $shots = Join-Path $TestDrive 'shots'
        $null = New-Item -ItemType Directory -Force -Path $shots

        $media = Join-Path $TestDrive 'media'
        $null = New-Item -ItemType Directory -Force -Path $media
        New-WavFile -Path (Join-Path $media 'tone.wav') -Seconds 4
        [System.IO.File]::WriteAllText((Join-Path $media 'index.html'), @'
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>media</title></head>
<body>
<h1>media page</h1>
<audio id="player" src="tone.wav" preload="auto" autoplay muted controls></audio>
<p id="state">waiting</p>
<script>
  const player = document.getElementById('player');
  const state = document.getElementById('state');
  for (const name of ['loadedmetadata', 'canplay', 'playing', 'error']) {
    player.addEventListener(name, () => { state.textContent += ' ' + name; });
  }
</script>
</body></html>
'@)
        $mediaServer = Start-StaticServer $media -Port 0 -Name media
    }
    AfterAll {
        @($server, $mediaServer) | Where-Object { $_ } | Stop-StaticServer -Timeout 1
    }

    It 'renders wwwroot''s index: the screenshot is not blank, and the page''s CSS and image were fetched' {
        $blank = Join-Path $shots 'blank.png'
        $page = Join-Path $shots 'index.png'
        $blankRun = Invoke-Chromium -Arguments "--screenshot=$blank", '--window-size=1024,768', 'about:blank'
        $blankRun.ExitCode | Should -Be 0 -Because $blankRun.StdErr
        $run = Invoke-Chromium -Arguments "--screenshot=$page", '--window-size=1024,768', '--virtual-time-budget=5000', $server.Url
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        Test-Path -LiteralPath $page | Should -BeTrue

        $blankStats = Get-PngStatistic $blank
        $pageStats = Get-PngStatistic $page
        $pageStats.Width | Should -Be 1024
        $pageStats.Height | Should -Be 768
        $blankStats.DistinctColors | Should -BeLessOrEqual 2 -Because 'about:blank is one colour: the decoder must see that'
        $pageStats.DistinctColors | Should -BeGreaterThan 50 -Because 'text, a header band and a logo give many colours'
        $pageStats.NonBackground | Should -BeGreaterThan 0.05
        (Get-Item -LiteralPath $page).Length | Should -BeGreaterThan (3 * (Get-Item -LiteralPath $blank).Length)

        foreach ($asset in '/', '/css/site.css', '/img/logo.png') {
            $record = $server | Get-ServerRequest -Path $asset -Wait -Timeout 10 | Select-Object -First 1
            $record.StatusCode | Should -BeIn 200, 304 -Because "Chromium fetched $asset"
            $record.UserAgent | Should -Match 'Chrome'
        }
    }

    It 'builds the DOM of wwwroot''s index (--dump-dom)' {
        $run = Invoke-Chromium -Arguments '--dump-dom', '--virtual-time-budget=3000', $server.Url
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match '<h1>PSWebServer</h1>'
        $run.StdOut | Should -Match 'href="/css/site.css"'
    }

    It 'fetches an audio file with Range requests, as browsers do for media' {
        $run = Invoke-Chromium -TimeoutSeconds 60 -Arguments @(
            '--autoplay-policy=no-user-gesture-required', '--mute-audio', '--virtual-time-budget=8000', '--dump-dom', $mediaServer.Url)
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match 'media page'
        $record = $mediaServer | Get-ServerRequest -Path '/tone.wav' -Wait -Timeout 15 | Where-Object Range | Select-Object -First 1
        $record | Should -Not -BeNullOrEmpty -Because 'Chromium''s media loader asks for the audio with a Range header'
        $record.Range | Should -Match '^bytes=\d+-\d*$'
        $record.StatusCode | Should -Be 206
        $record.UserAgent | Should -Match 'Chrome'
        $run.StdOut | Should -Match 'loadedmetadata' -Because 'the WAV decoded from the ranges the server sent'
    }
}

Describe 'Invoke-WebRequest -OutFile, with and without -Resume' {
    BeforeAll {
        $root = Join-Path $TestDrive 'iwr-site'
        $downloads = Join-Path $TestDrive 'iwr-out'
        $null = New-Item -ItemType Directory -Force -Path $root, $downloads
        $bytes = New-RandomFile -Path (Join-Path $root 'file.bin') -Length (1MB + 4321) -Seed 7
        $expected = Get-Sha256 $bytes
        $server = Start-StaticServer $root -Port 0
        $url = "$($server.Url)file.bin"
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }
    BeforeEach {
        $server | Clear-ServerRequest
    }

    It 'downloads the whole file without -Resume' {
        $target = Join-Path $downloads 'plain.bin'
        Invoke-WebRequest -Uri $url -OutFile $target -TimeoutSec 30 -NoProxy
        (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash | Should -Be $expected
        $record = $server | Get-ServerRequest -Path '/file.bin' -Wait -Timeout 10 | Select-Object -First 1
        $record.StatusCode | Should -Be 200
        $record.Range | Should -Be ''
    }

    It 'completes a partial file with -Resume through a Range request' {
        $target = Join-Path $downloads 'resumed.bin'
        [System.IO.File]::WriteAllBytes($target, (Get-ByteSlice $bytes 0 300000))
        Invoke-WebRequest -Uri $url -OutFile $target -Resume -TimeoutSec 30 -NoProxy
        (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash | Should -Be $expected
        $record = $server | Get-ServerRequest -Path '/file.bin' -Wait -Timeout 10 | Select-Object -First 1
        $record.Range | Should -Be 'bytes=300000-'
        $record.StatusCode | Should -Be 206
    }

    It 'leaves a complete file as it is with -Resume (the server answers 416 with Content-Range: bytes */length)' {
        $target = Join-Path $downloads 'complete.bin'
        [System.IO.File]::WriteAllBytes($target, $bytes)
        Invoke-WebRequest -Uri $url -OutFile $target -Resume -TimeoutSec 30 -NoProxy
        (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash | Should -Be $expected
        $record = $server | Get-ServerRequest -Path '/file.bin' -Wait -Timeout 10 | Select-Object -First 1
        $record.Range | Should -Be "bytes=$($bytes.Length)-"
        $record.StatusCode | Should -Be 416
    }
}
