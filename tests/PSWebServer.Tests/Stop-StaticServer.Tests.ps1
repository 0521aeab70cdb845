BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

Describe 'Stop-StaticServer' {
    BeforeEach {
        $site = New-TestSite
        $web1 = Start-StaticServer $site -Port 0 -Name web1
        $web2 = Start-StaticServer $site -Port 0 -Name web2
        $api = Start-StaticServer $site -Port 0 -Name api
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'stops a server piped to it, closes its port and forgets it' {
        $web1 | Stop-StaticServer
        $web1.State | Should -Be 'Stopped'
        Test-TcpConnect -Port $web1.Port | Should -BeFalse
        (Get-StaticServer).Name | Should -Be @('web2', 'api')
        $web2.State | Should -Be 'Running'
    }

    It 'stops servers piped from Get-StaticServer' {
        Get-StaticServer -Name web* | Stop-StaticServer
        (Get-StaticServer).Name | Should -Be 'api'
        $web1.State, $web2.State | Should -Be @('Stopped', 'Stopped')
    }

    It 'stops a server given positionally' {
        Stop-StaticServer $api
        $api.State | Should -Be 'Stopped'
    }

    It 'stops by -Name, with wildcards' {
        Stop-StaticServer -Name web*
        (Get-StaticServer).Name | Should -Be 'api'
    }

    It 'stops by exact -Name, ignoring case' {
        Stop-StaticServer -Name API
        $api.State | Should -Be 'Stopped'
        @(Get-StaticServer).Count | Should -Be 2
    }

    It 'stops by -Id' {
        Stop-StaticServer -Id $web1.Id, $api.Id
        (Get-StaticServer).Name | Should -Be 'web2'
    }

    It 'stops every server with -All' {
        Stop-StaticServer -All
        Get-StaticServer | Should -BeNullOrEmpty
        foreach ($server in $web1, $web2, $api) {
            $server.State | Should -Be 'Stopped'
            Test-TcpConnect -Port $server.Port | Should -BeFalse
        }
    }

    It 'writes nothing without -PassThru' {
        Stop-StaticServer -Name web1 | Should -BeNullOrEmpty
    }

    It 'writes the stopped servers with -PassThru' {
        $stopped = Stop-StaticServer -Name web* -PassThru
        $stopped.Name | Should -Be @('web1', 'web2')
        $stopped.State | Should -Be @('Stopped', 'Stopped')
        $stopped[0] | Should -BeOfType PSWebServer.StaticServer
    }

    It 'stops nothing with -WhatIf' {
        Stop-StaticServer -All -WhatIf
        Stop-StaticServer -Name web1 -WhatIf
        $web1 | Stop-StaticServer -WhatIf
        @(Get-StaticServer).Count | Should -Be 3
        $web1.State | Should -Be 'Running'
        (Invoke-TestRequest "$($web1.Url)a.txt").StatusCode | Should -Be 200
    }

    It 'writes ServerNotFound (ObjectNotFound) for an exact name that matches nothing, and goes on' {
        Stop-StaticServer -Name nope, web1 -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ServerNotFound,PSWebServer.Commands.StopStaticServerCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'nope'
        $web1.State | Should -Be 'Stopped'
    }

    It 'stays silent for a wildcard that matches nothing' {
        Stop-StaticServer -Name nope* -ErrorVariable err
        $err | Should -BeNullOrEmpty
        @(Get-StaticServer).Count | Should -Be 3
    }

    It 'writes ServerNotFound for an Id that matches nothing' {
        Stop-StaticServer -Id 999999 -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ServerNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'accepts a server that is already stopped' {
        $web1 | Stop-StaticServer
        { $web1 | Stop-StaticServer -ErrorAction Stop } | Should -Not -Throw
        $web1.State | Should -Be 'Stopped'
    }

    It 'stops a server with a keep-alive client within -Timeout' {
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $body = $client.GetStringAsync("$($web1.Url)a.txt").GetAwaiter().GetResult()
            $body | Should -Be 'hello from a'
            $elapsed = Measure-Command { Stop-StaticServer -Name web1 -Timeout 2 }
            $elapsed.TotalSeconds | Should -BeLessThan 4
            $web1.State | Should -Be 'Stopped'
            $web1.ActiveConnections | Should -Be 0
        }
        finally {
            $client.Dispose()
        }
    }

    Context 'with a download in flight' {
        BeforeEach {
            # Larger than every socket buffer between here and the server, and never read: the response stays in flight.
            $file = [System.IO.File]::Create((Join-Path $site 'big.bin'))
            $file.SetLength(256MB)
            $file.Dispose()
            $client = [System.Net.Sockets.TcpClient]::new()
            $client.ReceiveBufferSize = 64KB
            $client.Connect('127.0.0.1', $web1.Port)
            $request = [System.Text.Encoding]::ASCII.GetBytes("GET /big.bin HTTP/1.1`r`nHost: test`r`n`r`n")
            $client.GetStream().Write($request, 0, $request.Length)
            $null = $client.GetStream().Read([byte[]]::new(4096), 0, 4096)   # the response has begun
        }
        AfterEach {
            $client.Dispose()
        }

        BeforeAll {
            # Runs "$server | <stop command>" in a runspace of its own and waits until that stop is under way;
            # returns the PowerShell instance and its pending result.
            function Start-BackgroundStop($server, [string] $stopCommand) {
                $ps = [powershell]::Create()
                $null = $ps.AddScript("param(`$server, `$module) Import-Module `$module; `$server | $stopCommand").
                    AddArgument($server).AddArgument($ModuleManifest)
                $running = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(10)
                while ($server.State -eq 'Running' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                $server.State | Should -Be 'Stopping'
                $ps, $running
            }
        }

        It 'Ctrl+C during the grace period aborts what is in flight at once, forgets the server and stops the pipeline' {
            # Its own runspace, as a second prompt would be; PowerShell.Stop() is what Ctrl+C does to a pipeline.
            $ps, $running = Start-BackgroundStop $web1 'Stop-StaticServer -Timeout 60'
            try {

                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Stop()

                $watch.Elapsed.TotalSeconds | Should -BeLessThan 8
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                $web1.State | Should -Be 'Stopped'     # stopped, not left draining behind the prompt
                $web1.ActiveConnections | Should -Be 0
                Get-StaticServer -Name web1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                $running.IsCompleted | Should -BeTrue
            }
            finally {
                $ps.Dispose()
            }
        }

        It 'a second Stop-StaticServer waits for the stop in progress, and a shorter -Timeout cuts it short' {
            $ps, $running = Start-BackgroundStop $web1 'Stop-StaticServer -Timeout 60 -WarningAction SilentlyContinue'
            try {

                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $web1 | Stop-StaticServer -Timeout 1 -WarningVariable warned -WarningAction SilentlyContinue
                $watch.Stop()

                $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 8
                $web1.State | Should -Be 'Stopped'   # returned only once the one teardown was done
                "$warned" | Should -BeLike '*aborted*'
                $running.AsyncWaitHandle.WaitOne(5000) | Should -BeTrue   # the first one ended with it
            }
            finally {
                $ps.Dispose()
            }
        }
    }

    It 'rejects a negative -Timeout' {
        { Stop-StaticServer -All -Timeout -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'keeps the stopped server''s log readable through the object' {
        $null = Invoke-TestRequest "$($web1.Url)a.txt"
        $null = Wait-ServerRequest $web1
        $web1 | Stop-StaticServer
        ($web1 | Get-ServerRequest).Path | Should -Be '/a.txt'
    }
}

Describe 'Get-StaticServer' {
    BeforeEach {
        $site = New-TestSite
        $web1 = Start-StaticServer $site -Port 0 -Name web1
        $web2 = Start-StaticServer $site -Port 0 -Name web2
        $api = Start-StaticServer $site -Port 0 -Name api
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'gets every server in Id order' {
        $all = Get-StaticServer
        $all.Name | Should -Be @('web1', 'web2', 'api')
        $all.Id | Should -Be @($web1.Id, $web2.Id, $api.Id)
        $all[0] | Should -BeOfType PSWebServer.StaticServer
    }

    It 'gets by -Name with wildcards, each server once' {
        (Get-StaticServer -Name web*, *1).Name | Should -Be @('web1', 'web2')
    }

    It 'takes -Name positionally' {
        (Get-StaticServer api).Id | Should -Be $api.Id
    }

    It 'gets by -Id' {
        (Get-StaticServer -Id $api.Id, $web1.Id).Name | Should -Be @('web1', 'api')
    }

    It 'writes ServerNotFound for an exact name or an Id that matches nothing' {
        $found = Get-StaticServer -Name nope, api -ErrorAction SilentlyContinue -ErrorVariable err
        $found.Name | Should -Be 'api'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ServerNotFound,PSWebServer.Commands.GetStaticServerCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'

        Get-StaticServer -Id 999999 -ErrorAction SilentlyContinue -ErrorVariable err2
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'ServerNotFound,*'
    }

    It 'stays silent for a wildcard that matches nothing' {
        Get-StaticServer -Name zzz* -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
    }

    It 'returns live objects whose counters follow the traffic' {
        $web1.RequestCount | Should -Be 0
        $null = Invoke-TestRequest "$($web1.Url)a.txt"
        $null = Invoke-TestRequest "$($web1.Url)missing"
        $null = Wait-ServerRequest $web1 -Count 2
        $server = Get-StaticServer -Name web1
        $server.RequestCount | Should -Be 2
        $server.BytesSent | Should -BeGreaterThan 0
        $server.StartTime | Should -BeLessOrEqual (Get-Date)
        $server.LastError | Should -BeNullOrEmpty
    }

    It 'returns nothing when no server runs' {
        Stop-StaticServer -All
        Get-StaticServer | Should -BeNullOrEmpty
    }
}
