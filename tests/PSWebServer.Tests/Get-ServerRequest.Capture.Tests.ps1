BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

# What the request log keeps of headers and bodies (ServerRequest.Headers, Body, BodyLength, BodyTruncated), and that
# it survives the ways a test script hands it on: ConvertTo-Json, Export-Clixml / Import-Clixml.
Describe 'Get-ServerRequest captures' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name capture
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'keeps the headers and the body of a POST, even one a file answers with 405' {
        $response = Invoke-WebRequest -Uri "$($server.Url)a.txt" -Method Post -Body '{"name":"café"}' `
            -ContentType 'application/json; charset=utf-8' -Headers @{ 'X-Test' = 'one' } -SkipHttpErrorCheck -TimeoutSec 10
        $response.StatusCode | Should -Be 405

        $request = Wait-ServerRequest $server | Select-Object -Last 1
        $request.Method | Should -Be 'POST'
        $request.Headers['content-type'] | Should -Be 'application/json; charset=utf-8'
        $request.Headers['X-TEST'] | Should -Be 'one'
        $request.Headers.Host | Should -Match '^127\.0\.0\.1:\d+$'
        $request.Body | Should -BeExactly '{"name":"café"}'
        $request.BodyLength | Should -Be ([Text.Encoding]::UTF8.GetByteCount('{"name":"café"}'))
        $request.BodyTruncated | Should -BeFalse
        $request.AnsweredBy | Should -Be ''
        $request.Fault | Should -Be ''
    }

    It 'cuts a large body to the capture limit and says so' {
        $body = 'x' * 100000
        $null = Invoke-WebRequest -Uri "$($server.Url)a.txt" -Method Put -Body $body -SkipHttpErrorCheck -TimeoutSec 10

        $request = Wait-ServerRequest $server | Select-Object -Last 1
        $request.BodyLength | Should -Be 100000
        $request.BodyTruncated | Should -BeTrue
        $request.Body.Length | Should -Be 65536
    }

    It 'survives ConvertTo-Json and Export-Clixml' {
        $null = Invoke-WebRequest -Uri "$($server.Url)a.txt" -Method Post -Body 'k=v' -Headers @{ 'X-Twice' = 'a' } -SkipHttpErrorCheck -TimeoutSec 10
        $request = Wait-ServerRequest $server | Select-Object -Last 1

        $json = $request | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.Headers.'X-Twice' | Should -Be 'a'
        $json.Body | Should -Be 'k=v'
        $json.BodyLength | Should -Be 3

        $path = Join-Path $TestDrive 'request.xml'
        $request | Export-Clixml -Path $path
        $back = Import-Clixml -Path $path
        $back.Headers['x-twice'] | Should -Be 'a'
        $back.Body | Should -Be 'k=v'
        $back.BodyTruncated | Should -BeFalse
    }

    It 'logs a GET with its headers and an empty body' {
        $null = Invoke-TestRequest "$($server.Url)a.txt"
        $request = Wait-ServerRequest $server | Select-Object -Last 1
        $request.Headers['User-Agent'] | Should -BeLike '*PowerShell*'
        $request.Body | Should -Be ''
        $request.BodyLength | Should -Be 0
    }
}
