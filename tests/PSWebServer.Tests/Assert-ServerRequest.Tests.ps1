# Assert-ServerRequest: Should -Invoke for requests. Silent on success; on failure a terminating error that says
# what was expected and what arrived, which fails an It with a readable message and works with Should -Throw.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

Describe 'Assert-ServerRequest' {
    BeforeAll {
        $site = New-TestSite
        $errorId = 'RequestAssertionFailed,PSWebServer.Commands.AssertServerRequestCommand'
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name asserted
        $base = $server.Url.TrimEnd('/')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
        Get-Job | Where-Object Name -like 'PSWSAssert*' | Remove-Job -Force
    }

    Context 'counting' {
        BeforeEach {
            $null = Invoke-TestRequest "$base/a.txt"
            $null = Invoke-TestRequest "$base/a.txt"
            $null = Invoke-TestRequest "$base/missing.txt"
            $null = Invoke-TestRequest "$base/a.txt" -Method POST
            $null = Wait-ServerRequest $server -Count 4
        }

        It 'writes nothing when at least -Times requests match (default 1)' {
            Assert-ServerRequest -Path /a.txt | Should -BeNullOrEmpty
            Assert-ServerRequest -Path /a.txt -Times 3
            Assert-ServerRequest -Path '/*.txt' -Method GET -StatusCode 200, 404 -Times 3
            Assert-ServerRequest -Method post -StatusCode 405
        }

        It 'fails when fewer match' {
            { Assert-ServerRequest -Path /a.txt -Times 4 } | Should -Throw -ErrorId $errorId
            { Assert-ServerRequest -Path /nothing-here } | Should -Throw -ErrorId $errorId
        }

        It 'with -Exactly wants exactly -Times' {
            Assert-ServerRequest -Path /a.txt -Times 3 -Exactly
            Assert-ServerRequest -Path /never -Times 0 -Exactly
            { Assert-ServerRequest -Path /a.txt -Times 2 -Exactly } | Should -Throw -ErrorId $errorId
            { Assert-ServerRequest -Path /a.txt -Method GET -Exactly } | Should -Throw -ErrorId $errorId
        }

        It 'counts only the requests -Filter says yes to ($_ is the request)' {
            Assert-ServerRequest -Filter { $_.StatusCode -ge 400 } -Times 2 -Exactly
            Assert-ServerRequest -Filter { $PSItem.UserAgent -like '*PowerShell*' } -Times 4 -Exactly
            { Assert-ServerRequest -Filter { $false } } | Should -Throw -ErrorId $errorId
        }

        It 'counts from a clean log after Clear-ServerRequest' {
            Clear-ServerRequest
            Assert-ServerRequest -Times 0 -Exactly
        }

        It 'says in its message what was expected and which requests arrived' {
            $failure = { Assert-ServerRequest -Path /api/items -Method GET -StatusCode 200 -Times 2 } | Should -Throw -PassThru
            $failure.CategoryInfo.Category | Should -Be 'InvalidResult'
            $failure.Exception | Should -BeOfType PSWebServer.RequestAssertionException
            $message = $failure.Exception.Message
            $message | Should -BeLike "Expected at least 2 requests matching GET /api/items with status 200, but 0 did. 4 requests arrived at 'asserted':*"
            $lines = $message -split "`n"
            $lines.Count | Should -Be 5
            $lines[1] | Should -Match '^  \d\d:\d\d:\d\d\.\d{3} GET /a\.txt -> 200$'
            $lines[3] | Should -Match '^  \d\d:\d\d:\d\d\.\d{3} GET /missing\.txt -> 404$'
            $lines[4] | Should -Match '^  \d\d:\d\d:\d\d\.\d{3} POST /a\.txt -> 405$'
        }

        It 'marks the requests that matched when there were too many' {
            $message = ({ Assert-ServerRequest -Path /a.txt -Method GET -Exactly } | Should -Throw -PassThru).Exception.Message
            $message | Should -BeLike 'Expected exactly 1 request matching GET /a.txt, but 2 did.*'
            @($message -split "`n" | Where-Object { $_ -like '*(matches)' }).Count | Should -Be 2
        }

        It 'names in its list the canned response that answered, and any fault' {
            Add-ServerResponse -Path /api/cut -Body ('z' * 5000) -Fault CloseMidBody -Description 'cut download'
            try { $null = Invoke-WebRequest "$base/api/cut" -TimeoutSec 10 } catch { }
            $null = Wait-ServerRequest $server -Count 5
            $message = ({ Assert-ServerRequest -Path /api/none } | Should -Throw -PassThru).Exception.Message
            $message | Should -Match '(?m)^  \d\d:\d\d:\d\d\.\d{3} GET /api/cut -> 200 CloseMidBody \[cut download\]$'
        }

        It 'fails an It with that message' {
            # A Pester run of its own, in a child pwsh, so its failure is not this run's.
            $pester = (Get-Module Pester).Path
            $result = Invoke-ChildPwsh -Script @"
Import-Module '$ModuleManifest'
Import-Module '$pester' -ErrorAction Stop
`$container = New-PesterContainer -ScriptBlock {
    Describe 'script under test' {
        It 'calls the API' {
            `$server = Start-StaticServer '$TestDrive' -Port 0
            try { Assert-ServerRequest -Server `$server -Path /api/items -Method POST }
            finally { `$server | Stop-StaticServer -Timeout 1 }
        }
    }
}
`$run = Invoke-Pester -Container `$container -PassThru -Output None
"FAILED `$(`$run.FailedCount)"
"MESSAGE `$(`$run.Failed[0].ErrorRecord[0].Exception.Message)"
"@
            $result.Output | Should -Contain 'FAILED 1' -Because $result.Error
            ($result.Output | Where-Object { $_ -like 'MESSAGE *' }) | Should -BeLike "MESSAGE Expected at least 1 request matching POST /api/items, but 0 did. No requests arrived at '*'."
        }
    }

    Context 'waiting with -Within' {
        It 'waits for a request a background client makes' {
            $url = "$base/a.txt"
            $null = Start-ThreadJob -Name PSWSAssertThread { Start-Sleep -Milliseconds 300; Invoke-WebRequest $using:url } 
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            Assert-ServerRequest -Path /a.txt -Within 10
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 8
        }

        It 'waits for a request from a child process (a job)' {
            $url = "$base/from-job"
            Add-ServerResponse -Path /from-job -Body 'seen'
            $null = Start-Job -Name PSWSAssertJob { Invoke-RestMethod $using:url }
            Assert-ServerRequest -Path /from-job -Within 30
        }

        It 'gives up after -Within seconds, saying so' {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $failure = { Assert-ServerRequest -Path /never -Within 0.5 } | Should -Throw -PassThru
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.45
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $failure.Exception.Message | Should -BeLike '*but 0 did within 0.5 s. No requests arrived*'
        }

        It 'stops waiting at once when -Exactly is already exceeded' {
            $null = Invoke-TestRequest "$base/a.txt"
            $null = Invoke-TestRequest "$base/a.txt"
            $null = Wait-ServerRequest $server -Count 2
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            { Assert-ServerRequest -Path /a.txt -Exactly -Within 30 } | Should -Throw -ErrorId $errorId
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
    }

    Context 'choosing servers' {
        It 'counts across the chosen servers, by -Server, -Name or all' {
            $other = Start-StaticServer $site -Port 0 -Name other
            $null = Invoke-TestRequest "$base/a.txt"
            $null = Invoke-TestRequest "$($other.Url)a.txt"
            $null = Wait-ServerRequest $server
            $null = Wait-ServerRequest $other
            Assert-ServerRequest -Path /a.txt -Times 2 -Exactly
            $other | Assert-ServerRequest -Path /a.txt -Exactly
            Assert-ServerRequest -Name asserted -Path /a.txt -Exactly
        }

        It 'refuses to assert when no server runs' {
            Stop-StaticServer -All -Timeout 1
            { Assert-ServerRequest } | Should -Throw -ErrorId 'NoServer,PSWebServer.Commands.AssertServerRequestCommand'
        }
    }
}
