BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

Describe 'Get-ServerRequest' {
    BeforeAll {
        $site = New-TestSite
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
        Get-Job | Where-Object Name -like 'PSWSTest*' | Remove-Job -Force
    }

    Context 'reading and filtering the log' {
        BeforeEach {
            $server = Start-StaticServer $site -Port 0 -Name reqs
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $null = Invoke-TestRequest "$($server.Url)missing.txt"
            $null = Invoke-TestRequest "$($server.Url)a.txt" -Method HEAD
            $null = Invoke-TestRequest "$($server.Url)a.txt" -Method POST
            $null = Invoke-TestRequest "$($server.Url)sub"
            $null = Invoke-TestRequest "$($server.Url)sub/index.html?x=1&y=a%20b"
            $all = Wait-ServerRequest $server -Count 6
        }

        It 'returns every logged request, oldest first, as ServerRequest objects' {
            $all.Count | Should -Be 6
            $all[0] | Should -BeOfType PSWebServer.ServerRequest
            $all.Path | Should -Be @('/a.txt', '/missing.txt', '/a.txt', '/a.txt', '/sub', '/sub/index.html')
            $all.Method | Should -Be @('GET', 'GET', 'HEAD', 'POST', 'GET', 'GET')
            $all.StatusCode | Should -Be @(200, 404, 200, 405, 301, 200)
            $all.Id | Should -Be @(1..6)
        }

        It 'fills every field' {
            $first = $all[0]
            $first.ServerName | Should -Be 'reqs'
            $first.ClientAddress | Should -Match '^127\.0\.0\.1:\d+$'
            $first.Protocol | Should -Be 'HTTP/1.1'
            $first.Query | Should -Be ''
            $first.BytesSent | Should -BeGreaterThan 12
            $first.Duration | Should -BeOfType TimeSpan
            $first.Duration | Should -BeGreaterOrEqual ([TimeSpan]::Zero)
            $first.UserAgent | Should -BeLike '*PowerShell*'
            $first.Timestamp | Should -BeOfType DateTime
            $first.Timestamp.Kind | Should -Be 'Local'
            $first.Timestamp | Should -BeLessOrEqual (Get-Date)
            "$first" | Should -Be 'GET /a.txt 200'
            $all[5].Query | Should -Be 'x=1&y=a%20b'
        }

        It 'gets all servers without a selector, and one with -Server, -Name or -Id' {
            $other = Start-StaticServer $site -Port 0 -Name other
            $null = Invoke-TestRequest "$($other.Url)a.txt"
            $null = Wait-ServerRequest $other
            @(Get-ServerRequest).Count | Should -Be 7
            (Get-ServerRequest -Name other).ServerName | Should -Be 'other'
            @(Get-ServerRequest -Name re*).Count | Should -Be 6
            (Get-ServerRequest -Id $other.Id).ServerName | Should -Be 'other'
            @(Get-ServerRequest -Server $server).Count | Should -Be 6
            @($other | Get-ServerRequest).Count | Should -Be 1
            @(Get-StaticServer | Get-ServerRequest).Count | Should -Be 7
        }

        It 'writes ServerNotFound for an exact -Name or -Id that matches nothing' {
            Get-ServerRequest -Name nope -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be 'ServerNotFound,PSWebServer.Commands.GetServerRequestCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            Get-ServerRequest -Id 999999 -ErrorAction SilentlyContinue -ErrorVariable err2
            $err2[0].FullyQualifiedErrorId | Should -BeLike 'ServerNotFound,*'
            Get-ServerRequest -Name nope* -ErrorVariable err3 | Should -BeNullOrEmpty
            $err3 | Should -BeNullOrEmpty
        }

        It 'filters by -Path as a case-insensitive wildcard over the decoded path' {
            (Get-ServerRequest -Path /a.txt).Count | Should -Be 3
            (Get-ServerRequest -Path /SUB*).Path | Should -Be @('/sub', '/sub/index.html')
            (Get-ServerRequest -Path '*/INDEX.html').Path | Should -Be '/sub/index.html'
            Get-ServerRequest -Path /nothing* | Should -BeNullOrEmpty
        }

        It 'filters by -Method, ignoring case' {
            (Get-ServerRequest -Method head).Method | Should -Be 'HEAD'
            @(Get-ServerRequest -Method GET, POST).Count | Should -Be 5
            @(Get-ServerRequest -Method PUT).Count | Should -Be 0
        }

        It 'filters by -StatusCode' {
            (Get-ServerRequest -StatusCode 404).Path | Should -Be '/missing.txt'
            @(Get-ServerRequest -StatusCode 405, 301).StatusCode | Should -Be @(405, 301)
        }

        It 'combines filters' {
            @(Get-ServerRequest -Path /a.txt -Method GET -StatusCode 200).Count | Should -Be 1
        }

        It 'filters by -Since, in local or UTC time' {
            $since = Get-Date
            $null = Invoke-TestRequest "$($server.Url)later.txt"
            $null = Wait-ServerRequest $server -Count 7
            (Get-ServerRequest -Since $since).Path | Should -Be '/later.txt'
            (Get-ServerRequest -Since $since.ToUniversalTime()).Path | Should -Be '/later.txt'
            @(Get-ServerRequest -Since $since.AddHours(-1)).Count | Should -Be 7
        }

        It 'keeps the newest N with -Last, after filtering' {
            (Get-ServerRequest -Last 2).Path | Should -Be @('/sub', '/sub/index.html')
            (Get-ServerRequest -Path /a.txt -Last 1).Method | Should -Be 'POST'
            Get-ServerRequest -Last 0 | Should -BeNullOrEmpty
            @(Get-ServerRequest -Last 100).Count | Should -Be 6
        }

        It 'writes requests that format as a table within 120 columns, with no type names' {
            $text = Get-ServerRequest | Format-Table | Out-String -Width 120
            $lines = $text -split '\r?\n' | Where-Object { $_.Trim() }
            $lines.Count | Should -Be 8    # header, rule, 6 rows
            foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual 120 }
            $lines[0] | Should -Match '^Time\s+Server\s+Method\s+Status\s+Path\s+Bytes\s+Ms\s+Client'
            $lines[2] | Should -Match '^\d\d:\d\d:\d\d\.\d{3} reqs\s+GET\s+200 /a\.txt\s+\d+\s+\d+\.\d\d 127\.0\.0\.1:\d+'
            $text | Should -Not -Match 'PSWebServer\.|System\.'
        }
    }

    Context '-Wait' {
        BeforeEach {
            $server = Start-StaticServer $site -Port 0 -Name waiting
        }

        It 'finds a request that completed before the command started (no race)' {
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $found = $server | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1
            $found.Path | Should -Be '/a.txt'
        }

        It 'streams a request that completes while waiting, and Select-Object -First ends the wait at once' {
            $url = "$($server.Url)late.txt"
            # -Last 0 drops what completed before the command took its place in the log, so the client must wait
            # for that moment: the command says it on the verbose stream, merged here into the pipeline, and the
            # client thread is released by it (an event, never a head start that a slow machine can outrun).
            $following = [System.Threading.ManualResetEventSlim]::new($false)
            $job = Start-ThreadJob -Name PSWSTest-late {
                if (($using:following).Wait(20000)) { $null = Invoke-WebRequest $using:url -SkipHttpErrorCheck }
            }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $found = @($server | Get-ServerRequest -Last 0 -Wait -Timeout 20 -Verbose 4>&1 | ForEach-Object {
                    if ($_ -is [System.Management.Automation.VerboseRecord]) { $following.Set() } else { $_ }
                } | Select-Object -First 1)
            $watch.Stop()
            $following.IsSet | Should -BeTrue -Because 'the command announces when it follows'
            $found.Count | Should -Be 1
            $found[0].Path | Should -Be '/late.txt'
            $found[0].StatusCode | Should -Be 404
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $null = $job | Wait-Job -Timeout 10
            $following.Dispose()
        }

        It 'says on the verbose stream which servers it follows, from which request' {
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $null = Wait-ServerRequest $server
            $said = $server | Get-ServerRequest -Last 0 -Wait -Timeout 0.2 -Verbose 4>&1
            $said | Should -HaveCount 1
            $said.Message | Should -BeLike "Following 'waiting' after request 1:*"
        }

        It 'ends quietly after -Timeout when nothing comes' {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $found = Get-ServerRequest -Name waiting -Wait -Timeout 1 -ErrorVariable err
            $watch.Stop()
            $found | Should -BeNullOrEmpty
            $err | Should -BeNullOrEmpty
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It 'writes the existing matches, then the new ones, until -Timeout' {
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $null = Invoke-TestRequest "$($server.Url)index.html"
            $url = "$($server.Url)a.txt"
            $job = Start-ThreadJob -Name PSWSTest-more { Start-Sleep -Milliseconds 300; $null = Invoke-WebRequest $using:url }
            $found = @($server | Get-ServerRequest -Path /a.txt -Wait -Timeout 3)
            $found.Count | Should -Be 2
            $found.Path | Should -Be @('/a.txt', '/a.txt')
            $found[1].Id | Should -BeGreaterThan $found[0].Id
            $null = $job | Wait-Job -Timeout 10
        }

        It 'honours -Last for the backlog before following' {
            foreach ($name in 'one', 'two', 'three') { $null = Invoke-TestRequest "$($server.Url)$name" }
            $null = Wait-ServerRequest $server -Count 3
            (Get-ServerRequest -Name waiting -Last 1 -Wait -Timeout 0.5).Path | Should -Be '/three'
            Get-ServerRequest -Name waiting -Last 0 -Wait -Timeout 0.5 | Should -BeNullOrEmpty
        }

        It 'follows several servers at once' {
            $other = Start-StaticServer $site -Port 0 -Name other
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $null = Invoke-TestRequest "$($other.Url)a.txt"
            $found = @(Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 2)
            ($found.ServerName | Sort-Object) | Should -Be @('other', 'waiting')
        }

        It 'ends when the followed server stops' {
            $stopper = Start-ThreadJob -Name PSWSTest-stop -ScriptBlock {
                Start-Sleep -Milliseconds 300
                $target = $using:server
                $null = $target.Stop([TimeSpan]::FromSeconds(1))
            }
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $server | Get-ServerRequest -Wait | Should -BeNullOrEmpty
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            $null = $stopper | Wait-Job -Timeout 10
        }

        It 'is not disturbed by Clear-ServerRequest' {
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $null = Wait-ServerRequest $server
            $server | Clear-ServerRequest
            $url = "$($server.Url)after-clear"
            $job = Start-ThreadJob -Name PSWSTest-clear { Start-Sleep -Milliseconds 300; $null = Invoke-WebRequest $using:url -SkipHttpErrorCheck }
            $found = @($server | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1)
            $found.Path | Should -Be '/after-clear'
            $null = $job | Wait-Job -Timeout 10
        }

        It 'rejects -Timeout without -Wait' {
            { Get-ServerRequest -Timeout 1 } | Should -Throw -ErrorId 'TimeoutWithoutWait,*'
        }
    }

    Context 'serialisation' {
        BeforeEach {
            $server = Start-StaticServer $site -Port 0 -Name ser
            $null = Invoke-TestRequest "$($server.Url)a.txt?q=1"
            $request = Wait-ServerRequest $server | Select-Object -First 1
        }

        It 'survives ConvertTo-Json' {
            $json = $request | ConvertTo-Json
            $back = $json | ConvertFrom-Json
            $back.Path | Should -Be '/a.txt'
            $back.Query | Should -Be 'q=1'
            $back.StatusCode | Should -Be 200
            $back.Method | Should -Be 'GET'
            $back.ServerName | Should -Be 'ser'
            $back.BytesSent | Should -Be $request.BytesSent
            $back.Id | Should -Be $request.Id
            $back.Duration.Ticks | Should -Be $request.Duration.Ticks
        }

        It 'survives Export-Clixml and Import-Clixml' {
            $file = Join-Path $TestDrive 'requests.xml'
            $server | Get-ServerRequest | Export-Clixml -LiteralPath $file
            $back = Import-Clixml -LiteralPath $file
            $back.pstypenames | Should -Contain 'Deserialized.PSWebServer.ServerRequest'
            $back.Path | Should -Be '/a.txt'
            $back.StatusCode | Should -Be 200
            $back.Timestamp | Should -BeOfType DateTime
            $back.Timestamp | Should -Be $request.Timestamp
            $back.Duration | Should -BeOfType TimeSpan
            $back.Duration | Should -Be $request.Duration
            $back.ClientAddress | Should -Be $request.ClientAddress
        }
    }
}

Describe 'Clear-ServerRequest' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $one = Start-StaticServer $site -Port 0 -Name one
        $two = Start-StaticServer $site -Port 0 -Name two
        foreach ($server in $one, $two) {
            $null = Invoke-TestRequest "$($server.Url)a.txt"
            $null = Wait-ServerRequest $server
        }
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'clears every log without a selector' {
        Clear-ServerRequest
        Get-ServerRequest | Should -BeNullOrEmpty
        # counters are totals, not the log
        $one.RequestCount | Should -Be 1
    }

    It 'clears by -Name, -Id and pipeline' {
        Clear-ServerRequest -Name one
        (Get-ServerRequest).ServerName | Should -Be 'two'
        Clear-ServerRequest -Id $two.Id
        Get-ServerRequest | Should -BeNullOrEmpty

        $null = Invoke-TestRequest "$($one.Url)a.txt"
        $null = Wait-ServerRequest $one
        $one | Clear-ServerRequest
        Get-ServerRequest | Should -BeNullOrEmpty
    }

    It 'keeps logging after a clear, with ids that keep counting' {
        Clear-ServerRequest -Name one
        $null = Invoke-TestRequest "$($one.Url)index.html"
        $after = Wait-ServerRequest $one
        $after.Path | Should -Be '/index.html'
        $after.Id | Should -Be 2
    }

    It 'clears nothing with -WhatIf' {
        Clear-ServerRequest -WhatIf
        @(Get-ServerRequest).Count | Should -Be 2
    }

    It 'writes ServerNotFound for an exact name that matches nothing' {
        Clear-ServerRequest -Name nope -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'ServerNotFound,PSWebServer.Commands.ClearServerRequestCommand'
        @(Get-ServerRequest).Count | Should -Be 2
    }
}
