BeforeDiscovery {
    $hasCurl = [bool](Get-Command curl -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

# What the module promises about the server as seen by real clients; the engine's own suite goes deeper.
Describe 'HTTP answers' {
    BeforeAll {
        $site = New-TestSite
        Set-Content -LiteralPath (Join-Path $site 'a b.txt') -Value 'spaced' -NoNewline
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    Context 'Invoke-WebRequest' {
        It 'answers 200 with the file body and a text content type' {
            $response = Invoke-TestRequest "$($server.Url)a.txt"
            $response.StatusCode | Should -Be 200
            $response.Content | Should -Be 'hello from a'
            "$($response.Headers['Content-Type'])" | Should -BeLike 'text/plain*'
            "$($response.Headers['Content-Length'])" | Should -Be '12'
        }

        It 'answers the default document for /' {
            $response = Invoke-TestRequest $server.Url
            $response.StatusCode | Should -Be 200
            $response.Content | Should -Be '<h1>root index</h1>'
            "$($response.Headers['Content-Type'])" | Should -BeLike 'text/html*'
        }

        It 'answers 404 for a missing file and logs it' {
            (Invoke-TestRequest "$($server.Url)missing.txt").StatusCode | Should -Be 404
            ($server | Get-ServerRequest -StatusCode 404 -Wait -Timeout 10 | Select-Object -First 1).Path | Should -Be '/missing.txt'
        }

        It 'answers 404 for a dot file' {
            (Invoke-TestRequest "$($server.Url).secret").StatusCode | Should -Be 404
        }

        It 'refuses a path that climbs out of the folder' {
            $response = Invoke-TestRequest "$($server.Url)..%2f..%2f..%2fetc%2fpasswd"
            $response.StatusCode | Should -BeIn 400, 404
            "$($response.Content)" | Should -Not -Match 'root:'
        }

        It 'answers 301 to the folder with a slash' {
            $response = Invoke-TestRequest "$($server.Url)sub"
            $response.StatusCode | Should -Be 301
            "$($response.Headers['Location'])" | Should -BeLike '*/sub/'
        }

        It 'answers 405 with an Allow header for POST' {
            $response = Invoke-TestRequest "$($server.Url)a.txt" -Method POST
            $response.StatusCode | Should -Be 405
            $allow = ($response.Headers['Allow'] -join ',') -split '\s*,\s*'
            $allow | Should -Contain 'GET'
            $allow | Should -Contain 'HEAD'
            ($server | Get-ServerRequest -Method POST -Wait -Timeout 10 | Select-Object -First 1).StatusCode | Should -Be 405
        }

        It 'answers HEAD with the headers and no body' {
            $response = Invoke-TestRequest "$($server.Url)a.txt" -Method HEAD
            $response.StatusCode | Should -Be 200
            "$($response.Headers['Content-Length'])" | Should -Be '12'
            $response.RawContentLength | Should -Be 0
        }

        It 'decodes the path it logs' {
            (Invoke-TestRequest "$($server.Url)a%20b.txt").Content | Should -Be 'spaced'
            ($server | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1).Path | Should -Be '/a b.txt'
        }
    }

    Context 'curl' -Skip:(-not $hasCurl) {
        BeforeAll {
            $script:curl = (Get-Command curl -CommandType Application | Select-Object -First 1).Source
        }

        It 'answers 200 with the body' {
            $body = & $script:curl -s "$($server.Url)a.txt"
            $LASTEXITCODE | Should -Be 0
            $body | Should -Be 'hello from a'
        }

        It 'answers 404' {
            & $script:curl -s -o ([System.IO.Path]::GetTempFileName()) -w '%{http_code}' "$($server.Url)missing" | Should -Be '404'
        }

        It 'answers 301 with a Location for a folder without a slash' {
            $head = & $script:curl -s -D - -o ([System.IO.Path]::GetTempFileName()) "$($server.Url)sub"
            $head[0] | Should -Match '^HTTP/1\.1 301'
            ($head | Where-Object { $_ -match '^Location:' }) | Should -Match '/sub/\s*$'
        }

        It 'answers 405 with an Allow header for POST' {
            $head = & $script:curl -s -X POST -D - -o ([System.IO.Path]::GetTempFileName()) "$($server.Url)a.txt"
            $head[0] | Should -Match '^HTTP/1\.1 405'
            ($head | Where-Object { $_ -match '^Allow:' }) | Should -Match 'GET'
        }

        It 'serves several requests on one keep-alive connection' {
            $out = & $script:curl -s -o ([System.IO.Path]::GetTempFileName()) -o ([System.IO.Path]::GetTempFileName()) -w '%{num_connects} ' "$($server.Url)a.txt" "$($server.Url)index.html"
            ("$out".Trim() -split '\s+') | Should -Be @('1', '0')
            $logged = Wait-ServerRequest $server -Count 2
            $logged[0].ClientAddress | Should -Be $logged[1].ClientAddress
        }

        It 'answers a byte range with 206 and logs the Range header' {
            $body = & $script:curl -s -r 0-4 "$($server.Url)a.txt"
            $body | Should -Be 'hello'
            $logged = $server | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1
            $logged.StatusCode | Should -Be 206
            $logged.Range | Should -Be 'bytes=0-4'
        }

        It 'logs the user agent and HTTP/1.0' {
            $null = & $script:curl -s -0 -A 'pester-agent/1.0' -o ([System.IO.Path]::GetTempFileName()) "$($server.Url)a.txt"
            $logged = $server | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1
            $logged.UserAgent | Should -Be 'pester-agent/1.0'
            $logged.Protocol | Should -Be 'HTTP/1.0'
        }
    }
}
