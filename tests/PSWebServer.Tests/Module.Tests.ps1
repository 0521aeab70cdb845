BeforeDiscovery {
    $cmdletNames = 'Start-StaticServer', 'Stop-StaticServer', 'Get-StaticServer', 'Get-ServerRequest', 'Clear-ServerRequest',
        'Add-ServerResponse', 'Get-ServerResponse', 'Remove-ServerResponse', 'Assert-ServerRequest', 'Export-ServerCertificate', 'Invoke-ServerReload'
    $canSignal = -not $IsWindows -and [bool](Get-Command kill -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
    $cmdletNames = 'Start-StaticServer', 'Stop-StaticServer', 'Get-StaticServer', 'Get-ServerRequest', 'Clear-ServerRequest',
        'Add-ServerResponse', 'Get-ServerResponse', 'Remove-ServerResponse', 'Assert-ServerRequest', 'Export-ServerCertificate', 'Invoke-ServerReload'
}

Describe 'The module' {
    It 'has a complete manifest' {
        $manifest = Test-ModuleManifest -Path $ModuleManifest -ErrorAction Stop
        $manifest.Version | Should -Be '0.1.0'
        $manifest.RootModule | Should -Be 'PSWebServer.dll'
        $manifest.Guid | Should -Not -Be ([guid]::Empty)
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Be 'Core'
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.Copyright | Should -Not -BeNullOrEmpty
        $manifest.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $manifest.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.PrivateData.PSData.Tags | Should -Not -BeNullOrEmpty
        $manifest.ExportedFunctions.Count | Should -Be 0
        $manifest.ExportedAliases.Count | Should -Be 0
    }

    It 'exports exactly its cmdlets' {
        $exported = (Get-Module PSWebServer).ExportedCommands.Values
        ($exported.Name | Sort-Object) | Should -Be ($cmdletNames | Sort-Object)
        $exported.CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
    }

    It 'makes the engine types known' {
        'PSWebServer.StaticServer' -as [type] | Should -Not -BeNullOrEmpty
        'PSWebServer.ServerRequest' -as [type] | Should -Not -BeNullOrEmpty
    }
}

Describe 'Help' {
    It '<_> has a synopsis, a description, two examples and every parameter described' -ForEach $cmdletNames {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # without a help file, the synopsis is the generated syntax line
        $help.Synopsis | Should -Not -Match "^\s*$_ \["
        ($help.Description.Text -join ' ').Length | Should -BeGreaterThan 50
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Not -BeNullOrEmpty
            ($example.Remarks.Text -join ' ') | Should -Not -BeNullOrEmpty
        }
        $command = Get-Command $_
        $documented = @($help.Parameters.Parameter.Name)
        foreach ($name in $command.Parameters.Keys) {
            if ($name -in [System.Management.Automation.Cmdlet]::CommonParameters) { continue }
            if ($name -in 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorAction', 'Verbose', 'Debug') { continue }
            if ($name -in [System.Management.Automation.Cmdlet]::OptionalCommonParameters -and $name -notin 'WhatIf', 'Confirm') { continue }
            $documented | Should -Contain $name -Because "-$name of $_ needs help"
            $parameter = $help.Parameters.Parameter | Where-Object Name -eq $name
            ($parameter.Description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$name of $_ needs a description"
        }
        # the help file's parameters exist on the command (no stale entries)
        foreach ($name in $documented) { $command.Parameters.Keys | Should -Contain $name }
    }

    It 'describes pipeline input and positions as the cmdlets bind them' {
        $server = (Get-Help Stop-StaticServer -Parameter Server)
        $server.pipelineInput | Should -BeLike 'True (ByValue)*'
        $server.position | Should -Be '0'
        (Get-Help Start-StaticServer -Parameter Path).position | Should -Be '0'
        (Get-Help Start-StaticServer -Parameter Port).defaultValue | Should -Be '8080'
        (Get-Help Stop-StaticServer -Parameter Timeout).defaultValue | Should -Be '5'
    }

    It 'has the about_PSWebServer topic' {
        $about = Get-Help about_PSWebServer
        "$about" | Should -Match 'about_PSWebServer'
        "$about" | Should -Match 'Get-ServerRequest'
    }

    It 'has a well-formed MAML file' {
        $file = Join-Path (Split-Path $ModuleManifest) 'en-US/PSWebServer.dll-Help.xml'
        { [xml](Get-Content -Raw -LiteralPath $file) } | Should -Not -Throw
    }
}

Describe 'Formatting' {
    BeforeAll {
        $site = New-TestSite
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'shows servers as a table within 120 columns, every column present, no type names' {
        $deep = Join-Path $TestDrive ('a-rather-long-folder-name-' * 4)
        $null = New-Item -ItemType Directory -Path $deep
        $null = Start-StaticServer $site -Port 0 -Name first
        $null = Start-StaticServer $deep -Port 0 -Name second-with-a-long-name
        $text = Get-StaticServer | Format-Table | Out-String -Width 120
        $lines = $text -split '\r?\n' | Where-Object { $_.Trim() }
        $lines.Count | Should -Be 4
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
        $lines[0] | Should -Match '^\s*Id\s+Name\s+State\s+Url\s+Requests\s+Active\s+Engine\s+Root\s*$'
        $lines[2] | Should -Match '^\s*\d+ first\s+Running\s+http://127\.0\.0\.1:\d+/\s+0\s+0 (Epoll|Socket)\s+/'
        $text | Should -Not -Match 'PSWebServer\.|System\.'
    }

    It 'shows in the table which engine each server runs on' {
        $null = Start-StaticServer $site -Port 0 -Name on-sockets -Engine Socket
        $null = Start-StaticServer $site -Port 0 -Name automatic
        $lines = (Get-StaticServer | Format-Table | Out-String -Width 120) -split '\r?\n' | Where-Object { $_.Trim() }
        $lines[2] | Should -Match '^\s*\d+ on-sockets\s.*\s0 Socket\s+/'
        $expected = if ($IsLinux) { 'Epoll' } else { 'Socket' }
        $lines[3] | Should -Match "^\s*\d+ automatic\s.*\s0 $expected\s+/"
    }

    It 'shows a server as a list with LastError as text and no type names' {
        $server = Start-StaticServer $site -Port 0
        $text = $server | Format-List | Out-String -Width 120
        $text | Should -Match 'Url\s+: http://127\.0\.0\.1:\d+/'
        $text | Should -Match 'LoggedRequests\s+: 0'
        $text | Should -Match 'Engine\s+: (Epoll|Socket)'
        $text | Should -Match 'EngineFallbackReason\s+:'
        $text | Should -Match 'LastError\s+:'
        $text | Should -Not -Match 'PSWebServer\.|System\.'
    }

    It 'shows a request as a list with no type names' {
        $server = Start-StaticServer $site -Port 0
        $null = Invoke-TestRequest "$($server.Url)a.txt"
        $text = Wait-ServerRequest $server | Format-List | Out-String -Width 120
        $text | Should -Match 'Path\s+: /a\.txt'
        $text | Should -Match 'DurationMs\s+: \d+\.\d{3}'
        $text | Should -Not -Match 'PSWebServer\.|System\.'
    }
}

Describe 'Lifetime across processes' {
    It 'Remove-Module stops every server, and a new import starts afresh' {
        $result = Invoke-ChildPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleManifest'
`$a = Start-StaticServer '$TestDrive' -Port 0
`$b = Start-StaticServer '$TestDrive' -Port 0
Remove-Module PSWebServer
"STATES `$(`$a.State) `$(`$b.State)"
`$client = [System.Net.Sockets.TcpClient]::new()
try { `$client.Connect('127.0.0.1', `$a.Port); 'CONNECTED' } catch { 'REFUSED' } finally { `$client.Dispose() }
Import-Module '$ModuleManifest'
"COUNT `$(@(Get-StaticServer).Count)"
`$c = Start-StaticServer '$TestDrive' -Port `$a.Port
"RESTARTED `$(`$c.Port -eq `$a.Port) `$(`$c.State)"
Stop-StaticServer -All
"@
        $result.Error | Should -BeNullOrEmpty
        $result.Output | Should -Contain 'STATES Stopped Stopped'
        $result.Output | Should -Contain 'REFUSED'
        $result.Output | Should -Contain 'COUNT 0'
        $result.Output | Should -Contain 'RESTARTED True Running'
        $result.ExitCode | Should -Be 0
    }

    It 'a process with running servers exits promptly' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-ChildPwsh -TimeoutSeconds 30 -Script @"
Import-Module '$ModuleManifest'
`$s = Start-StaticServer '$TestDrive' -Port 0
`$null = Invoke-WebRequest `$s.Url -SkipHttpErrorCheck
"RUNNING `$(`$s.State)"
exit 3
"@
        $result.Output | Should -Contain 'RUNNING Running'
        $result.ExitCode | Should -Be 3
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 25
    }

    It 'Start-StaticServer -Wait in a child pwsh writes requests as they happen and stops when Select-Object -First is satisfied' {
        $site = New-TestSite
        $script = Join-Path $TestDrive 'wait-first.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$ModuleManifest'
Start-StaticServer '$site' -Port 0 -Name waiter -Wait | Select-Object -First 2 | ForEach-Object { "REQ `$(`$_.Method) `$(`$_.Path) `$(`$_.StatusCode)" }
"AFTER `$(@(Get-StaticServer).Count)"
"@
        $child = Start-ChildPwsh -ScriptFile $script
        try {
            $announce = Read-ChildLine $child '^Serving '
            $announce | Should -Match ([regex]::Escape("Serving $site at http://127.0.0.1:") + '\d+/ - press Ctrl\+C to stop\.')
            $url = [regex]::Match($announce, 'http://\S+/').Value
            (Invoke-TestRequest "${url}a.txt").StatusCode | Should -Be 200
            Read-ChildLine $child '^REQ ' | Should -Be 'REQ GET /a.txt 200'
            (Invoke-TestRequest "${url}missing").StatusCode | Should -Be 404
            Read-ChildLine $child '^REQ ' | Should -Be 'REQ GET /missing 404'
            Read-ChildLine $child '^AFTER ' | Should -Be 'AFTER 0'
            $child.WaitForExit(20000) | Should -BeTrue
            $child.ExitCode | Should -Be 0
            Test-TcpConnect -Port ([uri]$url).Port | Should -BeFalse
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }

    It 'Start-StaticServer -Wait stops the server cleanly on Ctrl+C (SIGINT)' -Skip:(-not $canSignal) {
        $site = New-TestSite
        $script = Join-Path $TestDrive 'wait-ctrlc.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$ModuleManifest'
try {
    Start-StaticServer '$site' -Port 0 -Wait | ForEach-Object { "REQ `$(`$_.Path) `$(`$_.StatusCode)" }
}
finally {
    # runs after Ctrl+C stopped the pipeline: -Wait's own cleanup has already stopped and unregistered the server
    [Console]::Out.WriteLine("FINALLY `$(@(Get-StaticServer).Count)")
}
"@
        # A run started in the background of a script ignores SIGINT, and so would the child: give it a terminal's default.
        $child = Start-ChildPwsh -ScriptFile $script -DefaultSigInt
        try {
            $url = [regex]::Match((Read-ChildLine $child '^Serving '), 'http://\S+/').Value
            (Invoke-TestRequest "${url}a.txt").StatusCode | Should -Be 200
            Read-ChildLine $child '^REQ ' | Should -Be 'REQ /a.txt 200'
            $kill = (Get-Command kill -CommandType Application | Select-Object -First 1).Source
            & $kill -INT $child.Id
            Read-ChildLine $child '^FINALLY ' | Should -Be 'FINALLY 0'
            $child.WaitForExit(20000) | Should -BeTrue
            Test-TcpConnect -Port ([uri]$url).Port | Should -BeFalse
        }
        finally {
            if (-not $child.HasExited) { $child.Kill($true) }
            $child.Dispose()
        }
    }
}
