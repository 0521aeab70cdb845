# The module as a test server: realistic scripts under test talk to canned responses, and the tests assert on what
# the server received. Each Describe block is one kind of script a PowerShell project would want to test.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/HttpClientHelpers.ps1
    Import-PSWebServer

    # ---- the scripts under test: plain functions, as a project would have them; they know nothing of the test server
    function Get-AllItem {
        # Pages through an API that links each page to the next (RFC 8288 Link: <...>; rel="next").
        param([Parameter(Mandatory)] [string] $BaseUrl)
        Invoke-RestMethod "$BaseUrl/api/items" -FollowRelLink -MaximumFollowRelLink 20 | ForEach-Object { $_ }
    }

    function Get-ServiceStatus {
        # Rides out a service that is briefly unavailable.
        param([Parameter(Mandatory)] [string] $BaseUrl)
        Invoke-RestMethod "$BaseUrl/api/status" -MaximumRetryCount 3 -RetryIntervalSec 1
    }

    function New-Order {
        # Posts JSON and returns what the service made of it.
        param([Parameter(Mandatory)] [string] $BaseUrl, [Parameter(Mandatory)] [string] $Sku, [int] $Quantity = 1)
        $body = @{ sku = $Sku; quantity = $Quantity } | ConvertTo-Json -Compress
        Invoke-RestMethod "$BaseUrl/api/orders" -Method Post -ContentType 'application/json' -Body $body
    }

    function Test-ServiceReachable {
        # Must not hang when the service does not answer in time.
        param([Parameter(Mandatory)] [string] $BaseUrl, [int] $TimeoutSec = 1)
        try {
            $null = Invoke-RestMethod "$BaseUrl/api/health" -TimeoutSec $TimeoutSec
            $true
        }
        catch {
            $false
        }
    }

    function Save-Download {
        # Downloads a file, resuming where a dropped connection left it; returns the attempt that finished it.
        param([Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [string] $OutFile, [int] $Attempts = 3)
        for ($attempt = 1; $attempt -le $Attempts; $attempt++) {
            try {
                Invoke-WebRequest $Url -OutFile $OutFile -Resume -TimeoutSec 10
                return $attempt
            }
            catch {
                if ($attempt -eq $Attempts) { throw }
            }
        }
    }
}

Describe 'A script that pages through an API with -FollowRelLink' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name api
        $base = $server.Url.TrimEnd('/')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'gets every item of every page, one request per page' {
        # The pages with a query are added first: responses on a path are tried in the order added.
        Add-ServerResponse -Path /api/items -Query @{ page = '2' } -Body @(@{ id = 3 }, @{ id = 4 }) -Header @{ Link = "<$base/api/items?page=3>; rel=`"next`"" }
        Add-ServerResponse -Path /api/items -Query @{ page = '3' } -Body @(, @{ id = 5 })
        Add-ServerResponse -Path /api/items -Body @(@{ id = 1 }, @{ id = 2 }) -Header @{ Link = "<$base/api/items?page=2>; rel=`"next`"" }

        (Get-AllItem -BaseUrl $base).id | Should -Be @(1, 2, 3, 4, 5)

        Assert-ServerRequest -Path /api/items -Method GET -StatusCode 200 -Times 3 -Exactly
        (Get-ServerRequest -Path /api/items).Query | Should -Be @('', 'page=2', 'page=3')
    }
}

Describe 'A script that retries with -MaximumRetryCount' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name api
        $base = $server.Url.TrimEnd('/')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'succeeds on the third try when the service fails twice' {
        Add-ServerResponse -Path /api/status -StatusCode 503 -Times 2 -Body @{ error = 'warming up' }
        Add-ServerResponse -Path /api/status -Body @{ status = 'up' }

        (Get-ServiceStatus -BaseUrl $base).status | Should -Be 'up'

        Assert-ServerRequest -Path /api/status -Times 3 -Exactly
        Assert-ServerRequest -Path /api/status -StatusCode 503 -Times 2 -Exactly
        Assert-ServerRequest -Path /api/status -StatusCode 200 -Exactly
    }
}

Describe 'A script that uploads JSON with Invoke-RestMethod -Method Post' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name api
        $base = $server.Url.TrimEnd('/')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'sends the order as JSON, and the test sees the body the server received' {
        Add-ServerResponse -Path /api/orders -Method POST -StatusCode 201 -Body @{ id = 42; status = 'created' } -Header @{ Location = '/api/orders/42' }

        $order = New-Order -BaseUrl $base -Sku 'A-1' -Quantity 3
        $order.id | Should -Be 42

        Assert-ServerRequest -Method POST -Path /api/orders -StatusCode 201 -Exactly -Filter {
            $sent = $_.Body | ConvertFrom-Json
            $sent.sku -eq 'A-1' -and $sent.quantity -eq 3 -and $_.Headers['Content-Type'] -like 'application/json*'
        }
        $received = Get-ServerRequest -Path /api/orders
        $received.BodyLength | Should -Be ([System.Text.Encoding]::UTF8.GetByteCount($received.Body))
        $received.BodyTruncated | Should -BeFalse
        $received.AnsweredBy | Should -BeLike '#1 POST /api/orders 201*'
    }

    It 'answers by the body: -BodyContains picks the response for one order' {
        Add-ServerResponse -Path /api/orders -Method POST -BodyContains '"sku":"GONE"' -StatusCode 409 -Body @{ error = 'sold out' }
        Add-ServerResponse -Path /api/orders -Method POST -StatusCode 201 -Body @{ id = 1 }

        $refused = { New-Order -BaseUrl $base -Sku 'GONE' } | Should -Throw -PassThru
        $refused.ErrorDetails.Message | Should -BeLike '*sold out*'
        (New-Order -BaseUrl $base -Sku 'B-2').id | Should -Be 1
        Assert-ServerRequest -Path /api/orders -StatusCode 409 -Exactly
    }

    It 'leaves a POST that no canned response matches to the files: 405' {
        Add-ServerResponse -Path /api/orders -Method POST -StatusCode 201
        $r = Invoke-WebRequest "$base/a.txt" -Method Post -Body 'x=1' -SkipHttpErrorCheck
        $r.StatusCode | Should -Be 405
    }
}

Describe 'A script that must give up on a timeout' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name api
        $base = $server.Url.TrimEnd('/')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'returns $false after its -TimeoutSec when the service answers too late, and the server keeps serving' {
        Add-ServerResponse -Path /api/health -Delay 10 -Body 'too late'
        $watch = [System.Diagnostics.Stopwatch]::StartNew()

        Test-ServiceReachable -BaseUrl $base -TimeoutSec 1 | Should -BeFalse

        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        (Invoke-TestRequest "$base/a.txt").Content | Should -Be 'hello from a'
    }
}

Describe 'A script that resumes a download after the connection drops (Invoke-WebRequest -Resume)' {
    BeforeAll {
        $site = New-TestSite
        $bytes = New-RandomFile -Path (Join-Path $site 'big.bin') -Length (3MB)
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name files
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'gets the whole file on the second attempt, which asks only for the rest' {
        # The first answer is the file itself, cut mid-body; used up after that, the file handler serves the ranges.
        Add-ServerResponse -Path /big.bin -Body (Get-Item (Join-Path $site 'big.bin')) -Fault CloseMidBody -Times 1
        $out = Join-Path $TestDrive 'big.download'

        Save-Download -Url "$($server.Url)big.bin" -OutFile $out | Should -Be 2

        Get-Sha256 ([System.IO.File]::ReadAllBytes($out)) | Should -Be (Get-Sha256 $bytes)
        Assert-ServerRequest -Path /big.bin -Times 2 -Exactly
        $resumed = Get-ServerRequest -Path /big.bin -StatusCode 206
        $resumed.Range | Should -Match '^bytes=[1-9]\d*-$'
    }
}

Describe 'The same canned responses, to clients that are not PowerShell cmdlets' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name api
        $base = $server.Url.TrimEnd('/')
        Add-ServerResponse -Path /api/items -Method GET -Body @([ordered]@{ id = 1; name = 'first' })
        Add-ServerResponse -Path /api/orders -Method POST -StatusCode 201 -Body @{ id = 9 } -Header @{ Location = '/api/orders/9' }
        Add-ServerResponse -Path /api/flaky -StatusCode 503 -Times 1 -Header @{ 'Retry-After' = '0' }
        Add-ServerResponse -Path /api/flaky -Body 'recovered'
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'answers curl' {
        $list = Invoke-Curl -Url "$base/api/items"
        $list.Status | Should -Be 200
        $list.Headers['Content-Type'] | Should -Be 'application/json; charset=utf-8'
        [System.Text.Encoding]::UTF8.GetString($list.Body) | Should -Be '[{"id":1,"name":"first"}]'

        $made = Invoke-Curl -Url "$base/api/orders" -Arguments @('-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"sku":"C-3"}')
        $made.Status | Should -Be 201
        $made.Headers['Location'] | Should -Be '/api/orders/9'

        (Invoke-Curl -Url "$base/api/flaky").Status | Should -Be 503
        (Invoke-Curl -Url "$base/api/flaky").Status | Should -Be 200

        Assert-ServerRequest -Method POST -Path /api/orders -Exactly -Filter { $_.Body -eq '{"sku":"C-3"}' -and $_.UserAgent -like 'curl/*' }
    }

    It 'answers a .NET HttpClient' {
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $client.GetStringAsync("$base/api/items").GetAwaiter().GetResult() | Should -Be '[{"id":1,"name":"first"}]'
            $content = [System.Net.Http.StringContent]::new('{"sku":"D-4"}', [System.Text.Encoding]::UTF8, 'application/json')
            $made = $client.PostAsync("$base/api/orders", $content).GetAwaiter().GetResult()
            [int]$made.StatusCode | Should -Be 201
            $made.Headers.Location.OriginalString | Should -Be '/api/orders/9'
            [int]$client.GetAsync("$base/api/flaky").GetAwaiter().GetResult().StatusCode | Should -Be 503
            $client.GetStringAsync("$base/api/flaky").GetAwaiter().GetResult() | Should -Be 'recovered'
        }
        finally {
            $client.Dispose()
        }
        Assert-ServerRequest -Method POST -Path /api/orders -Exactly -Filter { $_.Body -eq '{"sku":"D-4"}' }
        Assert-ServerRequest -Path /api/flaky -Times 2 -Exactly
    }
}

Describe 'Bad requests against a test server' {
    BeforeAll {
        $site = New-TestSite
    }
    BeforeEach {
        $server = Start-StaticServer $site -Port 0 -Name api
        Add-ServerResponse -Path /api/orders -Method POST -StatusCode 201
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'answers 413 to a body over the limit, and keeps serving' {
        $r = Invoke-RawRequest -Port $server.Port -Text "POST /api/orders HTTP/1.1`r`nHost: t`r`nContent-Type: application/json`r`nContent-Length: $(9MB)`r`n`r`n{"
        $r.Status | Should -Be 413
        (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
    }

    It 'answers 400 to a malformed Content-Length, and keeps serving' {
        $r = Invoke-RawRequest -Port $server.Port -Text "POST /api/orders HTTP/1.1`r`nHost: t`r`nContent-Length: 12abc`r`n`r`n{}"
        $r.Status | Should -Be 400
        (Invoke-WebRequest "$($server.Url)api/orders" -Method Post -Body '{}').StatusCode | Should -Be 201
    }

    It 'answers 400 to a chunked body with a bad chunk size, and keeps serving' {
        $r = Invoke-RawRequest -Port $server.Port -Text "POST /api/orders HTTP/1.1`r`nHost: t`r`nTransfer-Encoding: chunked`r`n`r`n-5`r`nhello`r`n0`r`n`r`n"
        $r.Status | Should -Be 400
        (Invoke-WebRequest "$($server.Url)api/orders" -Method Post -Body '{}').StatusCode | Should -Be 201
    }

    It 'answers a chunked body that never ends with 408 once the body timeout passes, and keeps serving' {
        $connection = Open-RawConnection -Port $server.Port -TimeoutMs 20000
        try {
            Send-RawBytes -Connection $connection -Text "POST /api/orders HTTP/1.1`r`nHost: t`r`nTransfer-Encoding: chunked`r`n`r`n10`r`nonly part of"
            $r = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
            $r.Status | Should -Be 408
        }
        finally {
            $connection.Client.Dispose()
        }
        (Invoke-WebRequest "$($server.Url)api/orders" -Method Post -Body '{}').StatusCode | Should -Be 201
    }
}

Describe 'The lifetime of a test server inside one It' {
    It 'starts, answers a canned response and stops quickly' {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $server = Start-StaticServer $TestDrive -Port 0 -Name quick
        Add-ServerResponse -Server $server -Path /ping -Body 'pong'
        $answer = Invoke-RestMethod "$($server.Url)ping"
        Assert-ServerRequest -Server $server -Path /ping -Exactly
        $server | Stop-StaticServer -Timeout 1
        $watch.Stop()

        $answer | Should -Be 'pong'
        $server.State | Should -Be 'Stopped'
        Write-Host ("    start -> answer -> assert -> stop: {0:N1} ms" -f $watch.Elapsed.TotalMilliseconds)
    }
}
