# Start-StaticServer -LiveReload / -NoWatch and Invoke-ServerReload: what the cmdlets add to the engine's live reload
# (the engine itself is proven in xunit, the browser side in LiveReload.Browser.Tests.ps1).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer

    function Start-EventReader([string] $Url) {
        # The event stream's text for 2.5 s, read by curl -N (unbuffered) in a thread job. The job gets only plain
        # values: a script block of this runspace would run back here, on the thread the test is using.
        $curl = (Get-Command curl -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
        Start-ThreadJob -ArgumentList $curl, "$($Url)__pswebserver/events" -ScriptBlock {
            param($curl, $events)
            & $curl -s -N --max-time 2.5 $events 2>$null | Out-String
        }
    }
}

AfterAll {
    Get-StaticServer -Name 'lrt-*' | Stop-StaticServer -Timeout 1
}

Describe 'Start-StaticServer -LiveReload' {
    BeforeAll {
        $root = New-TestSite -Name 'lrt-site'
        $server = Start-StaticServer $root -Port 0 -Name 'lrt-on' -LiveReload
    }

    It 'reports live reload and watching on the server object' {
        $server.LiveReload | Should -BeTrue
        $server.LiveReloadWatching | Should -BeTrue
    }

    It 'injects the script into a page navigation, not into a fetch' {
        $page = Invoke-WebRequest "$($server.Url)index.html" -Headers @{ 'Sec-Fetch-Dest' = 'document'; 'Sec-Fetch-Mode' = 'navigate' }
        $fetch = Invoke-WebRequest "$($server.Url)index.html" -Headers @{ 'Sec-Fetch-Dest' = 'empty'; 'Sec-Fetch-Mode' = 'cors' }
        $page.Content | Should -BeLike '*<script src="/__pswebserver/livereload.js"></script>'
        $fetch.Content | Should -Be '<h1>root index</h1>'
        $page.Headers.ETag[0] | Should -Not -Be $fetch.Headers.ETag[0]
    }

    It 'serves the client script' {
        $script = Invoke-WebRequest "$($server.Url)__pswebserver/livereload.js"
        $script.StatusCode | Should -Be 200
        $script.Headers.'Content-Type'[0] | Should -BeLike 'text/javascript*'
    }

    It 'leaves a server without -LiveReload as it was' {
        $plain = Start-StaticServer $root -Port 0 -Name 'lrt-off'
        try {
            $plain.LiveReload | Should -BeFalse
            (Invoke-WebRequest "$($plain.Url)index.html" -Headers @{ 'Sec-Fetch-Dest' = 'document' }).Content | Should -Be '<h1>root index</h1>'
            (Invoke-WebRequest "$($plain.Url)__pswebserver/livereload.js" -SkipHttpErrorCheck).StatusCode | Should -Be 404
        }
        finally {
            $plain | Stop-StaticServer -Timeout 1
        }
    }

    It '-NoWatch without -LiveReload is an InvalidArgument error and starts nothing' {
        $before = @(Get-StaticServer).Count
        { Start-StaticServer $root -Port 0 -Name 'lrt-nowatch' -NoWatch -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoWatchWithoutLiveReload,PSWebServer.Commands.StartStaticServerCommand'
        @(Get-StaticServer).Count | Should -Be $before
    }
}

Describe 'Invoke-ServerReload' {
    BeforeAll {
        $root = New-TestSite -Name 'lrt-reload'
        $server = Start-StaticServer $root -Port 0 -Name 'lrt-script' -LiveReload -NoWatch
    }

    It 'tells an open event stream to reload, by pipeline' {
        # A stream whose client left is noticed at its next write (the heartbeat): count from what is open now.
        $open = $server.LiveReloadClients
        $job = Start-EventReader $server.Url
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while ($server.LiveReloadClients -le $open -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $server.LiveReloadClients | Should -Be ($open + 1)
        $server | Invoke-ServerReload
        $text = $job | Receive-Job -Wait -AutoRemoveJob
        $text | Should -Match 'data: reload'
    }

    It 'sends a stylesheet swap for -Path naming only stylesheets, by -Name, with file paths under the root' {
        # A stream whose client left is noticed at its next write (the heartbeat): count from what is open now.
        $open = $server.LiveReloadClients
        $job = Start-EventReader $server.Url
        $deadline = [DateTime]::UtcNow.AddSeconds(5)
        while ($server.LiveReloadClients -le $open -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        Invoke-ServerReload -Name 'lrt-script' -Path (Join-Path $root 'css/site.css'), '/print.css'
        $text = $job | Receive-Job -Wait -AutoRemoveJob
        $text | Should -Match 'data: css /css/site.css'
        $text | Should -Match 'data: css /print.css'
        $text | Should -Not -Match 'data: reload'
    }

    It 'writes LiveReloadNotEnabled (InvalidOperation) for a server without -LiveReload, and goes on to the next' {
        $plain = Start-StaticServer $root -Port 0 -Name 'lrt-plain'
        try {
            $plain, $server | Invoke-ServerReload -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'LiveReloadNotEnabled,PSWebServer.Commands.InvokeServerReloadCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            $failures[0].TargetObject.Name | Should -Be 'lrt-plain'
        }
        finally {
            $plain | Stop-StaticServer -Timeout 1
        }
    }

    It 'without a selection, tells every live-reload server and skips the others without an error' {
        $plain = Start-StaticServer $root -Port 0 -Name 'lrt-plain2'
        try {
            Invoke-ServerReload -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures.Count | Should -Be 0
        }
        finally {
            $plain | Stop-StaticServer -Timeout 1
        }
    }

    It 'writes ServerNotFound for a name that matches no server' {
        Invoke-ServerReload -Name 'lrt-nobody' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'ServerNotFound,PSWebServer.Commands.InvokeServerReloadCommand'
    }

    It 'writes ServerNotRunning for a stopped server' {
        $stopped = Start-StaticServer $root -Port 0 -Name 'lrt-stopped' -LiveReload
        $stopped | Stop-StaticServer -Timeout 1
        $stopped | Invoke-ServerReload -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'ServerNotRunning,PSWebServer.Commands.InvokeServerReloadCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }
}
