# HTTP/2 conformance (issue 12, "Proof: conformance" and "flood tests"): the frame-level suite in
# tests/h2conformance (Python over raw sockets, hyperframe and hpack from Debian's python3-h2, run by
# /usr/bin/python3) against our server in cleartext (h2c with prior knowledge) and over TLS (ALPN h2).
# Every case is its own test: the case list is read at discovery time from run.py --list, the suite runs once per
# server in BeforeAll (run.py --json) and each It looks up its case's result. The TLS run does not verify the
# certificate: it tests framing, and Https.Tests.ps1 tests certificates.
# A missing /usr/bin/python3 or python3-h2 fails the 'the suite is runnable' test: CI installs them (.ci/run).

BeforeDiscovery {
    $script:Python = '/usr/bin/python3'
    $script:RunPy = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../h2conformance/run.py'))
    $listed = if (Test-Path $script:Python) { & $script:Python $script:RunPy --list 2>$null } else { @() }
    $all = foreach ($line in $listed) {
        $id, $group, $section, $title = $line -split "`t", 4
        @{ Id = $id; Group = $group; Section = $section; Title = $title }
    }
    $script:ConformanceCases = @($all | Where-Object Group -EQ 'conformance')
    $script:FloodCases = @($all | Where-Object Group -EQ 'flood')
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/HttpClientHelpers.ps1
    Import-PSWebServer
    $Python = '/usr/bin/python3'
    $RunPy = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../h2conformance/run.py'))

    # Each case waits up to 3 s for an answer it expects (a conformant server answers in milliseconds; the margin is
    # for a loaded CI machine). The cases need a path answered with 200 and a body of 16+ octets, and a file larger than both
    # 65,535-octet flow-control windows (the deterministic stream-window overflow and the empty-DATA flood).
    $site = Join-Path $TestDrive 'h2-site'
    $null = New-Item -ItemType Directory -Force -Path $site
    Set-Content -LiteralPath (Join-Path $site 'index.html') -Value ('<!doctype html><title>h2</title><h1>HTTP/2 conformance</h1>' * 4) -NoNewline
    $null = New-RandomFile -Path (Join-Path $site 'large.bin') -Length 300000 -Seed 12

    # -Protocol Auto is the default; it is named when the cmdlet has it, so this file loads on a branch without it.
    $protocol = @{}
    if ((Get-Command Start-StaticServer).Parameters.ContainsKey('Protocol')) { $protocol.Protocol = 'Auto' }
    $servers = @{
        h2c = Start-StaticServer $site -Port 0 -Name h2conf-clear @protocol
        h2  = Start-StaticServer $site -Port 0 -Name h2conf-tls -SelfSigned @protocol
    }

    function Invoke-H2Suite {
        # Runs run.py against one server and returns its results as a hashtable id -> result.
        param([Parameter(Mandatory)] $Server, [string[]] $Selection, [int] $TimeoutSeconds = 180)
        $json = Join-Path $TestDrive ("h2-{0}-{1}.json" -f $Server.Port, [guid]::NewGuid().ToString('n'))
        $arguments = @($RunPy, '--host', '127.0.0.1', '--port', "$($Server.Port)", '--path', '/index.html',
            '--large-path', '/large.bin', '--timeout', '3', '--json', $json) + $Selection
        if ($Server.Scheme -eq 'https') { $arguments += '--tls' }
        $run = Invoke-Native -FilePath $Python -ArgumentList $arguments -TimeoutSeconds $TimeoutSeconds
        $byId = @{}
        if (Test-Path $json) {
            foreach ($result in (Get-Content -LiteralPath $json -Raw | ConvertFrom-Json)) { $byId[$result.id] = $result }
        }
        [pscustomobject]@{ Results = $byId; Output = "$($run.StdOut)$($run.StdErr)"; ExitCode = $run.ExitCode }
    }

    # The servers run in this process: the managed heap they keep after the floods (collected) is measured here.
    $suites = @{}
    $heapBeforeFloods = $heapAfterFloods = 0
    if (Test-Path $Python) {
        foreach ($name in 'h2c', 'h2') {
            $suites["$name/conformance"] = Invoke-H2Suite $servers[$name] -Selection '--no-floods'
        }
        $heapBeforeFloods = [System.GC]::GetTotalMemory($true)
        foreach ($name in 'h2c', 'h2') {
            $suites["$name/flood"] = Invoke-H2Suite $servers[$name] -Selection '--only', '^flood/'
        }
        $heapAfterFloods = [System.GC]::GetTotalMemory($true)
    }

    function Assert-H2Case {
        param([Parameter(Mandatory)] [string] $Suite, [Parameter(Mandatory)] [string] $Id)
        $run = $suites[$Suite]
        $run | Should -Not -BeNullOrEmpty -Because "run.py ran for $Suite"
        $result = $run.Results[$Id]
        $result | Should -Not -BeNullOrEmpty -Because "run.py reported $Id (its output: $($run.Output))"
        $result.passed | Should -BeTrue -Because "RFC $($result.section): expected $($result.expected), got $($result.got)"
    }
}

AfterAll {
    foreach ($server in $servers.Values) { if ($server) { $server | Stop-StaticServer -Timeout 2 } }
}

Describe 'The HTTP/2 conformance suite' {
    It 'is runnable: /usr/bin/python3 with python3-h2 lists its cases' {
        Test-Path $Python | Should -BeTrue -Because '/usr/bin/python3 runs the suite (apt python3-h2)'
        $check = Invoke-Native -FilePath $Python -ArgumentList @('-c', 'import h2, hyperframe, hpack') -TimeoutSeconds 20
        $check.ExitCode | Should -Be 0 -Because "python3-h2 provides hyperframe and hpack: $($check.StdErr)"
        $list = Invoke-Native -FilePath $Python -ArgumentList @($RunPy, '--list') -TimeoutSeconds 20
        @($list.StdOut -split "`n" | Where-Object { $_ }).Count | Should -BeGreaterThan 150
    }

    It 'finishes each run well under a minute (<_>)' -ForEach @('h2c/conformance', 'h2/conformance') {
        $seconds = ($suites[$_].Results.Values | Measure-Object -Property seconds -Sum).Sum
        $seconds | Should -BeLessThan 60
    }
}

Describe 'HTTP/2 conformance, cleartext h2c (prior knowledge)' {
    It '<Id> <Title>' -ForEach $ConformanceCases {
        Assert-H2Case 'h2c/conformance' $Id
    }
}

Describe 'HTTP/2 conformance, TLS (ALPN h2)' {
    It '<Id> <Title>' -ForEach $ConformanceCases {
        Assert-H2Case 'h2/conformance' $Id
    }
}

Describe 'HTTP/2 floods: the flooding connection is cut, another client keeps getting answers within a second' {
    It 'h2c: <Id> <Title>' -ForEach $FloodCases {
        Assert-H2Case 'h2c/flood' $Id
    }
    It 'h2: <Id> <Title>' -ForEach $FloodCases {
        Assert-H2Case 'h2/flood' $Id
    }
    It 'keeps memory bounded: the managed heap after all floods (collected) grew by less than 64 MiB' {
        $suites['h2c/flood'] | Should -Not -BeNullOrEmpty
        ($heapAfterFloods - $heapBeforeFloods) / 1MB | Should -BeLessThan 64
    }
}
