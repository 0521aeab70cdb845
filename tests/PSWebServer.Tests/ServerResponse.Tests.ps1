# Add-, Get- and Remove-ServerResponse: what each kind of -Body sends, headers, matching, lifetime of uses, errors.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

Describe 'Add-ServerResponse' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name canned
        $base = $server.Url.TrimEnd('/')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    Context '-Body' {
        It 'sends a string as UTF-8 text/plain' {
            Add-ServerResponse -Path /hello -Body 'grüße'
            $r = Invoke-TestRequest "$base/hello"
            $r.StatusCode | Should -Be 200
            $r.Headers['Content-Type'] | Should -Be 'text/plain; charset=utf-8'
            [System.Text.Encoding]::UTF8.GetString($r.RawContentStream.ToArray()) | Should -Be 'grüße'
        }

        It 'sends bytes as application/octet-stream, as they are' {
            Add-ServerResponse -Path /blob -Body ([byte[]](0, 1, 2, 255))
            $r = Invoke-TestRequest "$base/blob"
            $r.Headers['Content-Type'] | Should -Be 'application/octet-stream'
            $r.RawContentStream.ToArray() | Should -Be @(0, 1, 2, 255)
        }

        It 'writes hashtables, [ordered] dictionaries, PSCustomObjects and arrays as JSON the way ConvertTo-Json does' {
            Add-ServerResponse -Path /h -Body @{ name = 'x'; tags = @('a', 'b'); nested = @{ deep = @{ deeper = 1 } } }
            Add-ServerResponse -Path /o -Body ([ordered]@{ b = 1; a = 2 })
            Add-ServerResponse -Path /p -Body ([pscustomobject]@{ Id = 7; When = $null; Ok = $true })
            Add-ServerResponse -Path /a -Body @(1, 'two', @{ three = 3 })
            $h = Invoke-TestRequest "$base/h"
            $h.Headers['Content-Type'] | Should -Be 'application/json; charset=utf-8'
            $parsed = $h.Content | ConvertFrom-Json
            $parsed.name | Should -Be 'x'
            $parsed.tags | Should -Be @('a', 'b')
            $parsed.nested.deep.deeper | Should -Be 1
            (Invoke-TestRequest "$base/o").Content | Should -Be '{"b":1,"a":2}'
            (Invoke-TestRequest "$base/p").Content | Should -Be '{"Id":7,"When":null,"Ok":true}'
            (Invoke-TestRequest "$base/a").Content | Should -Be '[1,"two",{"three":3}]'
        }

        It 'streams a FileInfo from disk for each request, typed by its extension' {
            $file = Join-Path $TestDrive 'report.json'
            Set-Content -LiteralPath $file -Value '{"v":1}' -NoNewline
            Add-ServerResponse -Path /report -Body (Get-Item $file)
            $first = Invoke-TestRequest "$base/report"
            $first.Headers['Content-Type'] | Should -Be 'application/json; charset=utf-8'
            $first.Content | Should -Be '{"v":1}'
            Set-Content -LiteralPath $file -Value '{"v":2}' -NoNewline
            (Invoke-TestRequest "$base/report").Content | Should -Be '{"v":2}'
        }

        It 'lets -ContentType override the type of any body' {
            Add-ServerResponse -Path /raw -Body '{"already":"json"}' -ContentType 'application/json'
            $r = Invoke-TestRequest "$base/raw"
            $r.Headers['Content-Type'] | Should -Be 'application/json'
            $r.Content | Should -Be '{"already":"json"}'
        }

        It 'sends no body and Content-Length 0 without -Body' {
            Add-ServerResponse -Path /empty -StatusCode 204
            Add-ServerResponse -Path /accepted -StatusCode 202
            (Invoke-TestRequest "$base/empty").StatusCode | Should -Be 204
            $accepted = Invoke-TestRequest "$base/accepted"
            $accepted.StatusCode | Should -Be 202
            $accepted.Headers['Content-Length'] | Should -Be '0'
            $accepted.Headers.ContainsKey('Content-Type') | Should -BeFalse
        }
    }

    Context 'headers, status and methods' {
        It 'sends -Header fields, one line per value of a list' {
            Add-ServerResponse -Path /login -StatusCode 302 -Header ([ordered]@{ Location = '/home'; 'Set-Cookie' = 'a=1', 'b=2' })
            $r = Invoke-TestRequest "$base/login"
            $r.StatusCode | Should -Be 302
            $r.Headers['Location'] | Should -Be '/home'
            $r.Headers['Set-Cookie'] | Should -Be @('a=1', 'b=2')
        }

        It 'answers only the -Method given (GET also answers HEAD), and leaves the rest to the files' {
            Add-ServerResponse -Path /a.txt -Method POST, put -StatusCode 201 -Body 'made'
            (Invoke-TestRequest "$base/a.txt" -Method POST).StatusCode | Should -Be 201
            (Invoke-TestRequest "$base/a.txt" -Method PUT).StatusCode | Should -Be 201
            (Invoke-TestRequest "$base/a.txt").Content | Should -Be 'hello from a'
            (Invoke-TestRequest "$base/a.txt" -Method DELETE).StatusCode | Should -Be 405
            Add-ServerResponse -Path /only-get -Method GET -Body 'got'
            $head = Invoke-TestRequest "$base/only-get" -Method HEAD
            $head.StatusCode | Should -Be 200
            $head.Headers['Content-Length'] | Should -Be '3'
        }

        It 'matches a wildcard path, and -Query and -HeaderMatch narrow the match' {
            Add-ServerResponse -Path '/api/users/*' -HeaderMatch @{ Authorization = 'Bearer *' } -Body 'user'
            Add-ServerResponse -Path '/api/users/*' -StatusCode 401
            Add-ServerResponse -Path /search -Query @{ q = 'power*' } -Body 'found'
            (Invoke-TestRequest "$base/api/users/42").StatusCode | Should -Be 401
            $authorized = Invoke-WebRequest "$base/api/users/42" -Headers @{ Authorization = 'Bearer t0k3n' }
            $authorized.Content | Should -Be 'user'
            (Invoke-TestRequest "$base/search?q=powershell&page=1").Content | Should -Be 'found'
            (Invoke-TestRequest "$base/search?q=bash").StatusCode | Should -Be 404
        }

        It 'waits -Delay seconds before answering' {
            Add-ServerResponse -Path /slow -Delay 0.5 -Body 'late'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            (Invoke-TestRequest "$base/slow").Content | Should -Be 'late'
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.45
            (Get-ServerResponse -Path /slow).Delay | Should -Be ([timespan]::FromSeconds(0.5))
        }

        It 'takes a TimeSpan or TimeSpan text for -Delay too' {
            (Add-ServerResponse -Path /t1 -Delay ([timespan]::FromMilliseconds(20)) -PassThru).Delay.TotalMilliseconds | Should -Be 20
            (Add-ServerResponse -Path /t2 -Delay '00:00:01.5' -PassThru).Delay.TotalSeconds | Should -Be 1.5
        }

        It 'throttles the body to -BytesPerSecond' {
            Add-ServerResponse -Path /trickle -Body ('x' * 2000) -BytesPerSecond 4000
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            (Invoke-TestRequest "$base/trickle").Content.Length | Should -Be 2000
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.35
        }
    }

    Context '-Fault' {
        It '<Fault> makes the client fail, and the server keeps serving' -ForEach @(
            @{ Fault = 'Reset' }
            @{ Fault = 'CloseWithoutResponse' }
            @{ Fault = 'CloseMidBody' }
            @{ Fault = 'MalformedStatusLine' }
        ) {
            Add-ServerResponse -Path /broken -Body ('x' * 10000) -Fault $Fault
            { Invoke-WebRequest "$base/broken" -TimeoutSec 10 } | Should -Throw
            (Invoke-TestRequest "$base/a.txt").Content | Should -Be 'hello from a'
            # .NET's HTTP client sends a request again on a new connection when one closed without an answer, so a
            # fault may answer more than once.
            (Get-ServerResponse -Path /broken).AnswerCount | Should -BeGreaterOrEqual 1
        }

        It 'cuts a body mid-way for curl too: it gets less than the Content-Length promised' {
            . $PSScriptRoot/HttpClientHelpers.ps1
            Add-ServerResponse -Path /cut -Body ('y' * 100000) -Fault CloseMidBody
            $cut = Invoke-Curl -Url "$base/cut"
            $cut.Status | Should -Be 200
            $cut.Headers['Content-Length'] | Should -Be '100000'
            $cut.Body.Length | Should -BeLessThan 100000
            $cut.ExitCode | Should -Be 18 # CURLE_PARTIAL_FILE
        }
    }

    Context 'uses and order' {
        It 'tries responses on one path in the order added; one with -Times is used up after that many answers' {
            Add-ServerResponse -Path /flaky -StatusCode 503 -Times 2
            Add-ServerResponse -Path /flaky -Body 'ok'
            $statuses = 1..4 | ForEach-Object { (Invoke-TestRequest "$base/flaky").StatusCode }
            $statuses | Should -Be @(503, 503, 200, 200)
            $responses = Get-ServerResponse -Path /flaky
            $responses.UsesLeft | Should -Be @(0, $null)
            $responses.AnswerCount | Should -Be @(2, 2)
        }

        It 'takes precedence over a file, until it is used up' {
            Add-ServerResponse -Path /a.txt -StatusCode 500 -Times 1
            (Invoke-TestRequest "$base/a.txt").StatusCode | Should -Be 500
            (Invoke-TestRequest "$base/a.txt").Content | Should -Be 'hello from a'
        }
    }

    Context 'choosing the server' {
        It 'binds -Server from the pipeline and by position, and -Name by name' {
            $other = Start-StaticServer $site -Port 0 -Name other
            $server | Add-ServerResponse -Path /x -Body 'piped'
            Add-ServerResponse $other -Path /x -Body 'positional'
            Add-ServerResponse -Name other -Path /y -Body 'named'
            (Invoke-TestRequest "$base/x").Content | Should -Be 'piped'
            (Invoke-TestRequest "$($other.Url)x").Content | Should -Be 'positional'
            (Invoke-TestRequest "$($other.Url)y").Content | Should -Be 'named'
            (Get-ServerResponse -Name other).Path | Should -Be @('/x', '/y')
            (Get-ServerResponse -Server $server).ServerName | Should -Be 'canned'
        }

        It 'needs -Server or -Name when several servers run' {
            $null = Start-StaticServer $site -Port 0 -Name second
            { Add-ServerResponse -Path /x -Body 'which?' } | Should -Throw -ErrorId 'ServerNotSpecified,PSWebServer.Commands.AddServerResponseCommand'
        }

        It 'says so when no server runs, or the name matches none' {
            Stop-StaticServer -All -Timeout 1
            { Add-ServerResponse -Path /x } | Should -Throw -ErrorId 'NoServer,PSWebServer.Commands.AddServerResponseCommand'
            Add-ServerResponse -Name nosuch -Path /x -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'ServerNotFound,PSWebServer.Commands.AddServerResponseCommand'
        }

        It '-PassThru returns the response as Get-ServerResponse shows it' {
            $added = Add-ServerResponse -Path /p -Method get -StatusCode 418 -Times 3 -PassThru
            $added | Should -BeOfType PSWebServer.TestResponses.CannedResponse
            $added.Path | Should -Be '/p'
            $added.Method | Should -Be 'GET'
            $added.StatusCode | Should -Be 418
            $added.UsesLeft | Should -Be 3
            $added.ServerName | Should -Be 'canned'
            (Get-ServerResponse).Id | Should -Be $added.Id
            Add-ServerResponse -Path /q | Should -BeNullOrEmpty
        }
    }

    Context 'refused input' {
        It 'refuses a header value with a line break as InvalidHeader, adding nothing' {
            $caught = { Add-ServerResponse -Path /x -Header @{ 'X-Evil' = "a`r`nSet-Cookie: b=1" } } | Should -Throw -PassThru
            $caught.FullyQualifiedErrorId | Should -Be 'InvalidHeader,PSWebServer.Commands.AddServerResponseCommand'
            $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $caught.Exception.Message | Should -BeLike '-Header: *X-Evil*line break*'
            Get-ServerResponse | Should -BeNullOrEmpty
        }

        It 'refuses <Name> as InvalidHeader' -ForEach @(
            @{ Name = 'a header the server frames with'; Header = @{ 'Content-Length' = '3' }; Why = '*set by the server*' }
            @{ Name = 'Transfer-Encoding'; Header = @{ 'Transfer-Encoding' = 'chunked' }; Why = '*set by the server*' }
            @{ Name = 'a name that is not a token'; Header = @{ 'Bad Name' = 'v' }; Why = '*not an HTTP header name*' }
            @{ Name = 'a NUL in a value'; Header = @{ 'X-A' = "a$([char]0)b" }; Why = '*NUL*' }
        ) {
            $caught = { Add-ServerResponse -Path /x -Header $Header } | Should -Throw -PassThru
            $caught.FullyQualifiedErrorId | Should -Be 'InvalidHeader,PSWebServer.Commands.AddServerResponseCommand'
            $caught.Exception.Message | Should -BeLike $Why
        }

        It 'refuses a path that does not begin with a slash, and a missing body file' {
            { Add-ServerResponse -Path api/items } | Should -Throw -ErrorId 'InvalidServerResponse,PSWebServer.Commands.AddServerResponseCommand'
            $gone = [System.IO.FileInfo] (Join-Path $TestDrive 'gone.json')
            { Add-ServerResponse -Path /x -Body $gone } | Should -Throw -ErrorId 'PathNotFound,PSWebServer.Commands.AddServerResponseCommand'
        }

        It 'refuses an interim status by parameter validation' {
            { Add-ServerResponse -Path /x -StatusCode 101 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSWebServer.Commands.AddServerResponseCommand'
        }
    }
}

Describe 'Get-ServerResponse and Remove-ServerResponse' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name canned
        $other = Start-StaticServer $site -Port 0 -Name other
        Add-ServerResponse $server -Path /api/a -Body 'a'
        Add-ServerResponse $server -Path /api/b -Body 'b'
        Add-ServerResponse $other -Path /api/a -Body 'other a'
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'gets every server''s responses by default, filtered by -Path' {
        (Get-ServerResponse).ServerName | Should -Be @('canned', 'canned', 'other')
        (Get-ServerResponse -Path '/api/b').Count | Should -Be 1
        (Get-ServerResponse -Path '*/a').ServerName | Should -Be @('canned', 'other')
    }

    It 'shows responses as a table without type names' {
        $text = Get-ServerResponse | Format-Table | Out-String -Width 120
        $text | Should -Match 'Id\s+Server\s+Method\s+Path\s+Status\s+UsesLeft\s+Answered\s+Body'
        $text | Should -Match '1 canned\s+\*\s+/api/a\s+200\s+any\s+0 1 bytes, text/plain'
        $text | Should -Not -Match 'PSWebServer\.|System\.'
    }

    It 'removes the responses piped to it, and the files answer again' {
        Get-ServerResponse -Name canned -Path /api/a | Remove-ServerResponse
        (Get-ServerResponse).Path | Should -Be @('/api/b', '/api/a')
        (Invoke-TestRequest "$($server.Url)api/a").StatusCode | Should -Be 404
        (Invoke-TestRequest "$($other.Url)api/a").Content | Should -Be 'other a'
    }

    It 'removes by -Server or -Name and -Path, or everything' {
        Remove-ServerResponse -Name canned -Path /api/b -PassThru | ForEach-Object Path | Should -Be '/api/b'
        $server | Remove-ServerResponse
        (Get-ServerResponse).ServerName | Should -Be 'other'
        Remove-ServerResponse
        Get-ServerResponse | Should -BeNullOrEmpty
    }

    It 'supports -WhatIf' {
        Remove-ServerResponse -WhatIf
        (Get-ServerResponse).Count | Should -Be 3
    }
}
