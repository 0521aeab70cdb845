# HTTP/2 with real clients (issue 12, "Proof: Real clients" and "Every static-file behaviour identical over h2"), over
# h2c (cleartext, prior knowledge) and h2 over TLS (ALPN): curl --http2-prior-knowledge / --http2, nghttp (frames),
# h2load, wget2, Invoke-WebRequest -HttpVersion 2.0, .NET HttpClient with HTTP/2 required, and a scripted python3-h2
# client (h2client.py: a cancelled download, a stream after GOAWAY). Every static-file behaviour is compared with the
# same request over HTTP/1.1 on the same server (status, fields, bytes); then the journal, canned responses and their
# faults (as stream resets), flow control, both engines, -Protocol, a graceful stop with a download in flight (GOAWAY)
# and the live-reload event stream.
# The browser side (Chromium reporting h2) is in Http2.Browser.Tests.ps1. A missing client fails its test.
#
# Known client limit: Debian 12's curl 7.88.1 cannot reuse an h2c prior-knowledge connection (a second transfer on it,
# sequential or --parallel, fails with "(16) Error in the HTTP2 framing layer" against nginx too), so several streams
# on one cleartext connection are driven by nghttp and h2load, and curl --parallel is used over TLS only.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/HttpClientHelpers.ps1
    Import-PSWebServer

    $Fixed = [DateTime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
    $BrowserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
    # Fields RFC 9113 §8.2.2 forbids on an h2 message, which HTTP/1.1 may carry.
    $ConnectionFields = 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'

    $site = Join-Path $TestDrive 'h2-site'
    $special = Join-Path $TestDrive 'h2-special'
    $null = New-Item -ItemType Directory -Force -Path $site, (Join-Path $site 'dir'), (Join-Path $site 'dir/sub'), $special
    [System.IO.File]::WriteAllText((Join-Path $site 'small.txt'), 'hello over h2')
    [System.IO.File]::WriteAllText((Join-Path $site 'index.html'), '<!doctype html><html><body><h1>h2 index</h1></body></html>')
    [System.IO.File]::WriteAllText((Join-Path $site 'dir/b.txt'), 'bee')
    [System.IO.File]::WriteAllText((Join-Path $site 'dir/c.txt'), 'sea')
    [System.IO.File]::WriteAllText((Join-Path $special '404.html'), '<h1>h2 not found</h1>')
    [System.IO.File]::WriteAllText((Join-Path $special 'shell.html'), '<h1>h2 spa shell</h1>')
    $null = New-TextFile -Path (Join-Path $site 'app.js') -Length 20KB
    $null = New-RandomFile -Path (Join-Path $site 'mid.bin') -Length (256KB + 4097) -Seed 12
    $null = New-RandomFile -Path (Join-Path $site 'big.bin') -Length (5MB + 77) -Seed 13
    foreach ($name in 'small.txt', 'index.html', 'app.js', 'mid.bin', 'big.bin', 'dir/b.txt', 'dir/c.txt') {
        [System.IO.File]::SetLastWriteTimeUtc((Join-Path $site $name), $Fixed)
    }
    $FileHash = @{}
    foreach ($name in 'small.txt', 'index.html', 'app.js', 'mid.bin', 'big.bin') {
        $FileHash[$name] = (Get-FileHash -LiteralPath (Join-Path $site $name) -Algorithm SHA256).Hash
    }
    $Mid = [System.IO.File]::ReadAllBytes((Join-Path $site 'mid.bin'))

    $options = @{
        Browse = $true; NotFoundPage = (Join-Path $special '404.html'); Fallback = (Join-Path $special 'shell.html')
        Header = @{ 'X-H2-Test' = 'yes' }; CorsOrigin = 'http://a.test'
    }
    $Servers = @{
        h2c = Start-StaticServer $site -Port 0 -Name h2t-plain @options
        tls = Start-StaticServer $site -Port 0 -Name h2t-tls -SelfSigned @options
    }
    $Pem = $Servers.tls | Export-ServerCertificate -Path (Join-Path $TestDrive 'h2t-tls.pem')

    function Get-ClientArgs {
        # curl's arguments for one protocol on one kind of server: -Version 2 asks for h2 (prior knowledge in
        # cleartext, ALPN over TLS), -Version 1.1 for HTTP/1.1; TLS servers are trusted through their exported PEM only.
        param([Parameter(Mandatory)] [bool] $Tls, [Parameter(Mandatory)] [string] $Version, [string] $PemPath = $Pem.FullName)
        $trust = if ($Tls) { @('--cacert', $PemPath) } else { @() }
        $wanted = switch ($Version) {
            '2' { if ($Tls) { '--http2' } else { '--http2-prior-knowledge' } }
            '1.1' { '--http1.1' }
        }
        # The comma keeps a one-element list a list, so "$h2 + '-I'" adds an argument instead of joining strings.
        , (@($wanted) + $trust)
    }

    function Invoke-Nghttp {
        # nghttp -nv (frames printed, bodies dropped) for one or more URLs on one connection.
        param([Parameter(Mandatory)] [string[]] $Url, [string[]] $Arguments = @(), [int] $TimeoutSeconds = 30)
        $nghttp = Get-ToolPath nghttp
        Invoke-Native -FilePath $nghttp -TimeoutSeconds $TimeoutSeconds -ArgumentList (@('-nv', '-t', "$TimeoutSeconds") + $Arguments + $Url)
    }

    function Get-NghttpFrame {
        # The frames nghttp -v printed as Direction (send/recv), Type, Length, Flags, Stream and the indented lines
        # under the frame line (Detail).
        param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Text)
        $frames = [System.Collections.Generic.List[object]]::new()
        $current = $null
        foreach ($line in $Text -split '\r?\n') {
            # nghttp marks a frame it refused as "[INVALID; error=...]" before the direction.
            if ($line -match '^\[\s*[\d.]+\] (\[INVALID[^\]]*\] )?(send|recv) (\w+) frame <length=(\d+), flags=0x([0-9a-f]+), stream_id=(\d+)>') {
                $current = [pscustomobject]@{
                    Direction = $Matches[2]; Type = $Matches[3]; Length = [int]$Matches[4]; Invalid = [bool]$Matches[1]
                    Flags = [Convert]::ToInt32($Matches[5], 16); Stream = [int]$Matches[6]; Detail = [System.Collections.Generic.List[string]]::new()
                }
                $frames.Add($current)
            }
            elseif ($current -and $line -match '^\s{6,}(\S.*)$') { $current.Detail.Add($Matches[1]) }
            elseif ($line -match '^\[') { $current = $null }
        }
        , $frames.ToArray()
    }

    function Get-NghttpStatus {
        # Stream id → :status of every response nghttp received.
        param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Text)
        $statuses = @{}
        foreach ($m in [regex]::Matches($Text, 'recv \(stream_id=(\d+)\) :status: (\d+)')) { $statuses[[int]$m.Groups[1].Value] = [int]$m.Groups[2].Value }
        $statuses
    }

    function Get-FieldMap {
        # The fields of a curl response that must be the same over both protocols: names lowercased, Date left out.
        param([Parameter(Mandatory)] $Response, [string[]] $Except = @())
        $map = [ordered]@{}
        foreach ($name in $Response.Headers.Keys | ForEach-Object { $_.ToLowerInvariant() } | Sort-Object) {
            if ($name -in @('date') + $ConnectionFields + $Except) { continue }
            $map[$name] = "$($Response.Headers[$name])"
        }
        $map
    }

    function Get-BodyHash {
        # SHA-256 of a curl response's body; Invoke-Curl leaves Body $null when nothing was received.
        param([Parameter(Mandatory)] $Response)
        if ($null -eq $Response.Body) { Get-Sha256 ([byte[]]::new(0)) } else { Get-Sha256 $Response.Body }
    }

    function Start-NativeProcess {
        # A client started in the background with its output collected; the caller waits with Wait-NativeProcess.
        param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
        $info = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
        foreach ($arg in $ArgumentList) { $info.ArgumentList.Add($arg) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        foreach ($name in 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY') { $null = $info.Environment.Remove($name) }
        $process = [System.Diagnostics.Process]::Start($info)
        [pscustomobject]@{ Process = $process; StdOut = $process.StandardOutput.ReadToEndAsync(); StdErr = $process.StandardError.ReadToEndAsync() }
    }

    function Wait-NativeProcess {
        param([Parameter(Mandatory)] $Started, [int] $TimeoutSeconds = 30)
        try {
            if (-not $Started.Process.WaitForExit($TimeoutSeconds * 1000)) { throw "$($Started.Process.StartInfo.FileName) did not finish within $TimeoutSeconds s." }
            $Started.Process.WaitForExit()
            [pscustomobject]@{ ExitCode = $Started.Process.ExitCode; StdOut = $Started.StdOut.Result; StdErr = $Started.StdErr.Result }
        }
        finally {
            if (-not $Started.Process.HasExited) { $Started.Process.Kill($true) } # the process this test started
            $Started.Process.Dispose()
        }
    }

    function New-Http2Client {
        # HttpClient that speaks HTTP/2 only (RequestVersionExact: prior knowledge on http://, ALPN h2 on https://);
        # with -Certificate, validation is on and that certificate is the only trusted root (the README's recipe).
        param([System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate)
        $handler = [System.Net.Http.SocketsHttpHandler]::new()
        $handler.UseProxy = $false
        $handler.AutomaticDecompression = 'None'
        if ($Certificate) {
            $policy = [System.Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
            $policy.TrustMode = 'CustomRootTrust'
            $policy.RevocationMode = 'NoCheck'
            $null = $policy.CustomTrustStore.Add($Certificate)
            $handler.SslOptions.CertificateChainPolicy = $policy
        }
        $client = [System.Net.Http.HttpClient]::new($handler)
        $client.DefaultRequestVersion = [version]'2.0'
        $client.DefaultVersionPolicy = [System.Net.Http.HttpVersionPolicy]::RequestVersionExact
        $client.Timeout = [timespan]::FromSeconds(30)
        $client
    }
}

AfterAll {
    Get-StaticServer -Name 'h2t-*' -ErrorAction SilentlyContinue | Stop-StaticServer -Timeout 1
}

Describe 'Static files over <Name>' -ForEach @(
    @{ Name = 'h2c (prior knowledge)'; Kind = 'h2c'; Tls = $false }
    @{ Name = 'h2 over TLS (ALPN)'; Kind = 'tls'; Tls = $true }
) {
    BeforeAll {
        $server = $Servers[$Kind]
        $h2 = Get-ClientArgs -Tls $Tls -Version 2
        $h1 = Get-ClientArgs -Tls $Tls -Version 1.1
        $base = $server.Url
        $etagSmall = "$((Invoke-Curl "$($base)small.txt" -Arguments ($h1 + '-I')).Headers['ETag'])"
        $etagMid = "$((Invoke-Curl "$($base)mid.bin" -Arguments ($h1 + '-I')).Headers['ETag'])"
        $etagBr = "$((Invoke-Curl "$($base)app.js" -Arguments ($h1 + '-I' + '-H' + 'Accept-Encoding: br')).Headers['ETag'])"
    }

    It 'negotiates HTTP/2 with curl (%{http_version} is 2) and answers a GET' {
        $response = Invoke-Curl "$($base)small.txt" -Arguments $h2 -WriteOut '%{http_version}'
        $response.ExitCode | Should -Be 0 -Because $response.StdErr
        $response.WriteOut | Should -Be '2'
        $response.Status | Should -Be 200
        [System.Text.Encoding]::UTF8.GetString($response.Body) | Should -Be 'hello over h2'
    }

    It 'sends <File> byte-exact (<Why>)' -ForEach @(
        @{ File = 'small.txt'; Why = 'cached in memory' }
        @{ File = 'app.js'; Why = '20 KiB, more than one DATA frame' }
        @{ File = 'mid.bin'; Why = 'over 256 KiB: past the file cache, more than the default 64 KiB stream window' }
        @{ File = 'big.bin'; Why = '5 MiB: many window updates' }
    ) {
        # Straight to a file and hashed there: a multi-MiB body through PowerShell's pipeline takes seconds.
        $out = Join-Path $TestDrive "exact-$Kind-$File"
        $head = "$out.head"
        $run = Invoke-Native -FilePath (Get-ToolPath curl) -TimeoutSeconds 60 -ArgumentList (@('-sS', '--noproxy', '*', '--max-time', '50', '-o', $out, '-D', $head,
                '-w', '%{http_version} %{http_code} %{size_download}') + $h2 + "$($base)$File")
        $length = (Get-Item -LiteralPath (Join-Path $site $File)).Length
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Be "2 200 $length"
        (Get-FileHash -LiteralPath $out -Algorithm SHA256).Hash | Should -Be $FileHash[$File]
        "$((ConvertFrom-HeaderBlock -Text (Get-Content -Raw -LiteralPath $head)).Headers['Content-Length'])" | Should -Be "$length"
    }

    It 'answers HEAD with the GET''s fields and no body' {
        $head = Invoke-Curl "$($base)mid.bin" -Arguments ($h2 + '-I') -WriteOut '%{http_version} %{size_download}'
        $head.ExitCode | Should -Be 0 -Because $head.StdErr
        $head.WriteOut | Should -Be '2 0'
        $head.Status | Should -Be 200
        "$($head.Headers['Content-Length'])" | Should -Be "$($Mid.Length)"
        "$($head.Headers['ETag'])" | Should -Be $etagMid
        "$($head.Headers['Accept-Ranges'])" | Should -Be 'bytes'
    }

    It 'answers a missing asset with the -NotFoundPage and 404' {
        $response = Invoke-Curl "$($base)img/missing.png" -Arguments ($h2 + '-H' + 'Accept: image/png') -WriteOut '%{http_version}'
        $response.WriteOut | Should -Be '2'
        $response.Status | Should -Be 404
        [System.Text.Encoding]::UTF8.GetString($response.Body) | Should -Be '<h1>h2 not found</h1>'
        "$($response.Headers['Content-Type'])" | Should -BeLike 'text/html*'
    }

    It 'answers a page navigation to a missing path with the -Fallback and 200' {
        $response = Invoke-Curl "$($base)users/42" -Arguments ($h2 + '-H' + "Accept: $BrowserAccept") -WriteOut '%{http_version}'
        $response.WriteOut | Should -Be '2'
        $response.Status | Should -Be 200
        [System.Text.Encoding]::UTF8.GetString($response.Body) | Should -Be '<h1>h2 spa shell</h1>'
    }

    It 'lists a folder (-Browse) and redirects the folder without its slash' {
        $listing = Invoke-Curl "$($base)dir/" -Arguments ($h2 + '-H' + "Accept: $BrowserAccept") -WriteOut '%{http_version}'
        $listing.WriteOut | Should -Be '2'
        $listing.Status | Should -Be 200
        $html = [System.Text.Encoding]::UTF8.GetString($listing.Body)
        $html | Should -Match 'b\.txt'
        $html | Should -Match 'c\.txt'
        $html | Should -Match 'sub/'
        $moved = Invoke-Curl "$($base)dir" -Arguments $h2
        $moved.Status | Should -Be 301
        "$($moved.Headers['Location'])" | Should -Match '/dir/$'
    }

    It 'sends the -Header fields, CORS for a listed origin, and answers a preflight' {
        $response = Invoke-Curl "$($base)small.txt" -Arguments ($h2 + '-H' + 'Origin: http://a.test')
        "$($response.Headers['X-H2-Test'])" | Should -Be 'yes'
        "$($response.Headers['Access-Control-Allow-Origin'])" | Should -Be 'http://a.test'
        "$($response.Headers['Vary'])" | Should -Match '(^|,\s*)Origin\b'
        $other = Invoke-Curl "$($base)small.txt" -Arguments ($h2 + '-H' + 'Origin: http://b.test')
        "$($other.Headers['Access-Control-Allow-Origin'])" | Should -Be ''
        $preflight = Invoke-Curl "$($base)small.txt" -Arguments ($h2 + @('-X', 'OPTIONS', '-H', 'Origin: http://a.test',
                '-H', 'Access-Control-Request-Method: GET', '-H', 'Access-Control-Request-Headers: x-custom')) -WriteOut '%{http_version}'
        $preflight.WriteOut | Should -Be '2'
        $preflight.Status | Should -Be 200
        "$($preflight.Headers['Access-Control-Allow-Origin'])" | Should -Be 'http://a.test'
        (("$($preflight.Headers['Access-Control-Allow-Headers'])") -split '\s*,\s*') | Should -Contain 'x-custom'
        $preflight.Body.Length | Should -Be 0
    }

    It 'answers If-None-Match and If-Modified-Since with 304 and no body (<File>)' -ForEach @(
        @{ File = 'small.txt' }, @{ File = 'mid.bin' }
    ) {
        $etag = if ($File -eq 'small.txt') { $etagSmall } else { $etagMid }
        $etag | Should -Not -BeNullOrEmpty
        $byTag = Invoke-Curl "$($base)$File" -Arguments ($h2 + '-H' + "If-None-Match: $etag") -WriteOut '%{http_version}'
        $byTag.WriteOut | Should -Be '2'
        $byTag.Status | Should -Be 304
        $byTag.Body.Length | Should -Be 0
        "$($byTag.Headers['ETag'])" | Should -Be $etag
        $byDate = Invoke-Curl "$($base)$File" -Arguments ($h2 + '-H' + "If-Modified-Since: $($Fixed.ToString('r'))")
        $byDate.Status | Should -Be 304
        "$($byDate.Headers['Last-Modified'])" | Should -Be $Fixed.ToString('r')
        $older = Invoke-Curl "$($base)$File" -Arguments ($h2 + '-H' + "If-Modified-Since: $($Fixed.AddHours(-1).ToString('r'))")
        $older.Status | Should -Be 200
        Get-Sha256 $older.Body | Should -Be $FileHash[$File]
    }

    It 'serves a Range as 206 with Content-Range, and several as multipart/byteranges' {
        $one = Invoke-Curl "$($base)mid.bin" -Arguments ($h2 + '-r' + '1000-1999') -WriteOut '%{http_version}'
        $one.WriteOut | Should -Be '2'
        $one.Status | Should -Be 206
        "$($one.Headers['Content-Range'])" | Should -Be "bytes 1000-1999/$($Mid.Length)"
        Get-Sha256 $one.Body | Should -Be (Get-Sha256 (Get-ByteSlice $Mid 1000 1000))
        $tail = Invoke-Curl "$($base)mid.bin" -Arguments ($h2 + '-r' + '-500')
        Get-Sha256 $tail.Body | Should -Be (Get-Sha256 (Get-ByteSlice $Mid ($Mid.Length - 500) 500))
        $many = Invoke-Curl "$($base)mid.bin" -Arguments ($h2 + '-r' + '0-99,200000-200099,262000-')
        $many.Status | Should -Be 206
        "$($many.Headers['Content-Type'])" | Should -Match '^multipart/byteranges; ?boundary='
        $parts = Get-RangeParts $many
        $parts.Count | Should -Be 3
        foreach ($part in $parts) {
            Get-Sha256 $part.Bytes | Should -Be (Get-Sha256 (Get-ByteSlice $Mid $part.Start ($part.End - $part.Start + 1)))
        }
        $parts[2].End | Should -Be ($Mid.Length - 1)
        $none = Invoke-Curl "$($base)small.txt" -Arguments ($h2 + '-r' + '5000-')
        $none.Status | Should -Be 416
        "$($none.Headers['Content-Range'])" | Should -Be 'bytes */13'
    }

    It 'compresses for curl --compressed and follows Accept-Encoding <Accept>' -ForEach @(
        @{ Accept = 'br'; Expected = 'br' }, @{ Accept = 'gzip'; Expected = 'gzip' }, @{ Accept = 'identity'; Expected = '' }
    ) {
        $text = [System.IO.File]::ReadAllBytes((Join-Path $site 'app.js'))
        $decoded = Invoke-Curl "$($base)app.js" -Arguments ($h2 + '--compressed') -WriteOut '%{http_version}'
        $decoded.WriteOut | Should -Be '2'
        "$($decoded.Headers['Content-Encoding'])" | Should -BeIn 'br', 'gzip'
        Get-Sha256 $decoded.Body | Should -Be $FileHash['app.js']
        $raw = Invoke-Curl "$($base)app.js" -Arguments ($h2 + '-H' + "Accept-Encoding: $Accept")
        $raw.Status | Should -Be 200
        "$($raw.Headers['Content-Encoding'])" | Should -Be $Expected
        "$($raw.Headers['Vary'])" | Should -Match 'Accept-Encoding'
        $plain = if ($Expected) { ConvertFrom-Compressed -Bytes $raw.Body -Coding $Expected } else { $raw.Body }
        Get-Sha256 $plain | Should -Be (Get-Sha256 $text)
        if ($Expected) { $raw.Body.Length | Should -BeLessThan $text.Length }
    }

    It 'answers <Case> exactly as over HTTP/1.1, without connection-specific fields' -ForEach @(
        @{ Case = 'a cached file'; Path = 'small.txt'; Extra = @() }
        @{ Case = 'a file past the cache'; Path = 'mid.bin'; Extra = @() }
        @{ Case = 'HEAD'; Path = 'big.bin'; Extra = @('-I'); Head = $true }
        @{ Case = 'the 404 page'; Path = 'missing.png'; Extra = @('-H', 'Accept: image/png') }
        @{ Case = 'the fallback'; Path = 'some/route'; Extra = @('-H', "Accept: text/html,*/*;q=0.8") }
        @{ Case = 'a listing'; Path = 'dir/'; Extra = @('-H', 'Accept: text/html') }
        @{ Case = 'a JSON listing'; Path = 'dir/'; Extra = @('-H', 'Accept: application/json') }
        @{ Case = 'a redirect to the slash'; Path = 'dir'; Extra = @() }
        @{ Case = 'a 304 (If-None-Match)'; Path = 'mid.bin'; Extra = @('-H', 'If-None-Match: {etagMid}') }
        @{ Case = 'a 304 (If-Modified-Since)'; Path = 'small.txt'; Extra = @('-H', 'If-Modified-Since: {fixed}') }
        @{ Case = 'a 412 (If-Match)'; Path = 'small.txt'; Extra = @('-H', 'If-Match: "nope"') }
        @{ Case = 'a 206'; Path = 'mid.bin'; Extra = @('-r', '10-20010') }
        @{ Case = 'a multipart 206'; Path = 'mid.bin'; Extra = @('-r', '0-9,100-199,5000-5999'); Multipart = $true }
        @{ Case = 'an If-Range with the ETag'; Path = 'mid.bin'; Extra = @('-r', '0-9', '-H', 'If-Range: {etagMid}') }
        @{ Case = 'a 416'; Path = 'small.txt'; Extra = @('-r', '100-') }
        @{ Case = 'gzip'; Path = 'app.js'; Extra = @('-H', 'Accept-Encoding: gzip') }
        @{ Case = 'br'; Path = 'app.js'; Extra = @('-H', 'Accept-Encoding: br') }
        @{ Case = 'HEAD with br'; Path = 'app.js'; Extra = @('-I', '-H', 'Accept-Encoding: br'); Head = $true }
        @{ Case = 'a 304 for the br form''s ETag'; Path = 'app.js'; Extra = @('-H', 'Accept-Encoding: br', '-H', 'If-None-Match: {etagBr}') }
        @{ Case = 'a Range with Accept-Encoding (the identity form)'; Path = 'app.js'; Extra = @('-r', '100-199', '-H', 'Accept-Encoding: gzip, br') }
        @{ Case = 'OPTIONS *'; Path = ''; Extra = @('-X', 'OPTIONS', '--request-target', '*') }
        @{ Case = 'a query string'; Path = 'small.txt?a=1&b=%20'; Extra = @() }
        @{ Case = 'a percent-encoded path'; Path = 'dir/%62.txt'; Extra = @() }
        @{ Case = 'a CORS request'; Path = 'small.txt'; Extra = @('-H', 'Origin: http://a.test') }
        @{ Case = 'a CORS preflight'; Path = 'small.txt'; Extra = @('-X', 'OPTIONS', '-H', 'Origin: http://a.test', '-H', 'Access-Control-Request-Method: PUT') }
        @{ Case = 'OPTIONS'; Path = 'nothing/here'; Extra = @('-X', 'OPTIONS') }
        @{ Case = 'a 405'; Path = 'small.txt'; Extra = @('-X', 'DELETE') }
        @{ Case = 'a path outside the root'; Path = '%2e%2e/%2e%2e/etc/passwd'; Extra = @('--path-as-is') }
    ) {
        $extra = @($Extra | ForEach-Object { $_.Replace('{etagMid}', $etagMid).Replace('{etagBr}', $etagBr).Replace('{fixed}', $Fixed.ToString('r')) })
        $viaH1 = Invoke-Curl "$($base)$Path" -Arguments ($h1 + $extra) -WriteOut '%{http_version} %{size_download}'
        $viaH2 = Invoke-Curl "$($base)$Path" -Arguments ($h2 + $extra) -WriteOut '%{http_version} %{size_download}'
        $h1Version, $h1Size = $viaH1.WriteOut -split ' '
        $h2Version, $h2Size = $viaH2.WriteOut -split ' '
        $h1Version | Should -Be '1.1'
        $viaH2.ExitCode | Should -Be 0 -Because $viaH2.StdErr
        $h2Version | Should -Be '2'
        $h2Size | Should -Be $h1Size -Because 'the same number of body bytes'
        $viaH2.Status | Should -Be $viaH1.Status
        foreach ($name in $ConnectionFields) {
            $viaH2.Headers.ContainsKey($name) | Should -BeFalse -Because "RFC 9113 §8.2.2 forbids '$name' on h2 (status $($viaH2.Status))"
        }
        if ($Head) {
            # curl -I writes the head where the body would go: there is no body to compare.
            $h2Size | Should -Be '0'
            $except = @()
        }
        elseif ($Multipart) {
            # The boundary may differ per response: compare the parts and the type without it.
            "$($viaH2.Headers['Content-Type'])" -replace 'boundary=.*$' | Should -Be ("$($viaH1.Headers['Content-Type'])" -replace 'boundary=.*$')
            $h1Parts = Get-RangeParts $viaH1
            $h2Parts = Get-RangeParts $viaH2
            ($h2Parts | ForEach-Object { "$($_.Start)-$($_.End)/$($_.Total) $(Get-Sha256 $_.Bytes)" }) -join "`n" |
                Should -Be (($h1Parts | ForEach-Object { "$($_.Start)-$($_.End)/$($_.Total) $(Get-Sha256 $_.Bytes)" }) -join "`n")
            $except = @('content-type', 'content-length')
        }
        else {
            Get-BodyHash $viaH2 | Should -Be (Get-BodyHash $viaH1)
            $except = @()
        }
        $h1Fields = Get-FieldMap $viaH1 -Except $except
        $h2Fields = Get-FieldMap $viaH2 -Except $except
        ($h2Fields.Keys -join ', ') | Should -Be ($h1Fields.Keys -join ', ')
        foreach ($name in $h1Fields.Keys) { $h2Fields[$name] | Should -Be $h1Fields[$name] -Because "field $name" }
    }
}

Describe 'The journal over <Name>' -ForEach @(
    @{ Name = 'h2c'; Kind = 'h2c'; Tls = $false }
    @{ Name = 'h2 over TLS'; Kind = 'tls'; Tls = $true }
) {
    BeforeAll {
        $server = $Servers[$Kind]
        $h2 = Get-ClientArgs -Tls $Tls -Version 2
        $base = $server.Url
    }
    AfterEach {
        $server | Get-ServerResponse | Remove-ServerResponse
    }

    It 'records an h2 request with Protocol HTTP/2, its fields, status and DATA bytes' {
        $tag = "j=$([guid]::NewGuid().ToString('N'))"
        $response = Invoke-Curl "$($base)mid.bin?$tag" -Arguments ($h2 + '-H' + 'X-Probe: journal' + '-A' + 'h2-journal-test')
        $response.Status | Should -Be 200
        $null = Assert-ServerRequest -Server $server -Path '/mid.bin' -Filter { $_.Query -eq $tag } -Within 10
        $record = $server | Get-ServerRequest -Path '/mid.bin' | Where-Object Query -eq $tag | Select-Object -First 1
        $record | Should -Not -BeNullOrEmpty
        $record.Protocol | Should -Be 'HTTP/2'
        $record.Method | Should -Be 'GET'
        $record.Path | Should -Be '/mid.bin'
        $record.StatusCode | Should -Be 200
        $record.BytesSent | Should -Be $Mid.Length
        $record.UserAgent | Should -Be 'h2-journal-test'
        $record.Headers['x-probe'] | Should -Be 'journal'
        $record.Headers['host'] | Should -Be "127.0.0.1:$($server.Port)"
        @($record.Headers.Keys | Where-Object { $_.StartsWith(':') }).Count | Should -Be 0 -Because 'pseudo-headers are not fields'
        $record.TlsProtocol | Should -Be $(if ($Tls) { 'TLSv1.3' } else { '' })
        $record.ClientAddress | Should -Match '^127\.0\.0\.1:\d+$'
    }

    It 'records a 206, a 304 and a 404 with their statuses, and Assert-ServerRequest counts them' {
        $server | Clear-ServerRequest
        $null = Invoke-Curl "$($base)mid.bin" -Arguments ($h2 + '-r' + '0-99')
        $null = Invoke-Curl "$($base)nothing.png" -Arguments ($h2 + '-H' + 'Accept: image/png')
        $etag = "$((Invoke-Curl "$($base)small.txt" -Arguments $h2).Headers['ETag'])"
        $null = Invoke-Curl "$($base)small.txt" -Arguments ($h2 + '-H' + "If-None-Match: $etag")
        $server | Assert-ServerRequest -Path '/mid.bin' -StatusCode 206 -Filter { $_.Protocol -eq 'HTTP/2' -and $_.BytesSent -eq 100 -and $_.Range -eq 'bytes=0-99' } -Within 10
        $server | Assert-ServerRequest -Path '/nothing.png' -StatusCode 404 -Filter { $_.Protocol -eq 'HTTP/2' } -Exactly -Times 1 -Within 10
        $server | Assert-ServerRequest -Path '/small.txt' -Filter { $_.Protocol -eq 'HTTP/2' } -Exactly -Times 2 -Within 10
        $server | Assert-ServerRequest -Path '/small.txt' -StatusCode 304 -Filter { $_.BytesSent -eq 0 } -Exactly -Times 1
        { $server | Assert-ServerRequest -Path '/small.txt' -Filter { $_.Protocol -ne 'HTTP/2' } } | Should -Throw
    }

    It 'writes h2 requests to the -AccessLog with HTTP/2 in the request line (Combined and Json)' {
        $combined = Join-Path $TestDrive "access-$Kind.log"
        $json = Join-Path $TestDrive "access-$Kind.json"
        $tlsArgs = if ($Tls) { @{ SelfSigned = $true } } else { @{} }
        $logged = Start-StaticServer $site -Port 0 -Name "h2t-log-$Kind" -AccessLog $combined @tlsArgs
        $loggedJson = Start-StaticServer $site -Port 0 -Name "h2t-logj-$Kind" -AccessLog $json -AccessLogFormat Json @tlsArgs
        try {
            foreach ($target in $logged, $loggedJson) {
                $pemPath = if ($Tls) { ($target | Export-ServerCertificate -Path (Join-Path $TestDrive "$($target.Name).pem")).FullName } else { '' }
                $r = Invoke-Curl "$($target.Url)small.txt?log=1" -Arguments ((Get-ClientArgs -Tls $Tls -Version 2 -PemPath $pemPath) + @('-A', 'h2-log-agent', '-e', 'http://referer.test/'))
                $r.Status | Should -Be 200
            }
        }
        finally {
            $logged, $loggedJson | Stop-StaticServer -Timeout 1 # flushes the logs
        }
        (Get-Content -LiteralPath $combined) | Should -Match '^127\.0\.0\.1 - - \[[^\]]+\] "GET /small\.txt\?log=1 HTTP/2" 200 13 "http://referer\.test/" "h2-log-agent"$'
        $entry = Get-Content -LiteralPath $json | ConvertFrom-Json
        $entry.Protocol | Should -Be 'HTTP/2'
        $entry.Path | Should -Be '/small.txt'
        $entry.StatusCode | Should -Be 200
        $entry.BytesSent | Should -Be 13
    }

    It 'answers a canned POST over h2 and captures its body' {
        $server | Add-ServerResponse -Path /api/items -Method POST -StatusCode 201 -Body @{ created = 7 }
        $response = Invoke-Curl "$($base)api/items" -Arguments ($h2 + @('-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', '{"name":"über"}')) -WriteOut '%{http_version}'
        $response.WriteOut | Should -Be '2'
        $response.Status | Should -Be 201
        ([System.Text.Encoding]::UTF8.GetString($response.Body) | ConvertFrom-Json).created | Should -Be 7
        "$($response.Headers['Content-Type'])" | Should -Be 'application/json; charset=utf-8'
        $record = $server | Get-ServerRequest -Path '/api/items' -Method POST -Wait -Timeout 10 | Select-Object -First 1
        $record.Protocol | Should -Be 'HTTP/2'
        $record.StatusCode | Should -Be 201
        $record.Body | Should -Be '{"name":"über"}'
        $record.BodyLength | Should -Be ([System.Text.Encoding]::UTF8.GetByteCount('{"name":"über"}'))
        $record.Headers['content-type'] | Should -Be 'application/json'
        $record.AnsweredBy | Should -Not -BeNullOrEmpty
    }

    It 'captures a request body larger than the 64 KiB default stream window (flow control on the way in)' {
        $server | Add-ServerResponse -Path /upload -Method PUT -StatusCode 204
        $payload = Join-Path $TestDrive "upload-$Kind.bin"
        $bytes = [byte[]]::new(300KB); [System.Random]::new(3).NextBytes($bytes); [System.IO.File]::WriteAllBytes($payload, $bytes)
        $response = Invoke-Curl "$($base)upload" -Arguments ($h2 + @('-X', 'PUT', '--data-binary', "@$payload"))
        $response.ExitCode | Should -Be 0 -Because $response.StdErr
        $response.Status | Should -Be 204
        $record = $server | Get-ServerRequest -Path '/upload' -Wait -Timeout 10 | Select-Object -First 1
        $record.BodyLength | Should -Be $bytes.Length
        $record.Protocol | Should -Be 'HTTP/2'
    }

    It 'answers a canned response (status, -Header lists, -ContentType, body) exactly as over HTTP/1.1' {
        $server | Add-ServerResponse -Path /teapot -StatusCode 418 -Body 'short and stout' -ContentType 'text/x-tea' -Header @{ 'X-Many' = 'a', 'b'; 'Set-Cookie' = 'k=v; Path=/' }
        $viaH1 = Invoke-Curl "$($base)teapot" -Arguments (Get-ClientArgs -Tls $Tls -Version 1.1) -WriteOut '%{http_version}'
        $viaH2 = Invoke-Curl "$($base)teapot" -Arguments $h2 -WriteOut '%{http_version}'
        $viaH2.WriteOut | Should -Be '2'
        $viaH2.Status | Should -Be 418
        $viaH2.Status | Should -Be $viaH1.Status
        [System.Text.Encoding]::UTF8.GetString($viaH2.Body) | Should -Be 'short and stout'
        "$($viaH2.Headers['X-Many'])" | Should -Be 'a, b'
        $h1Fields = Get-FieldMap $viaH1
        $h2Fields = Get-FieldMap $viaH2
        ($h2Fields.Keys -join ', ') | Should -Be ($h1Fields.Keys -join ', ')
        foreach ($name in $h1Fields.Keys) { $h2Fields[$name] | Should -Be $h1Fields[$name] -Because "field $name" }
        foreach ($name in $ConnectionFields) { $viaH2.Headers.ContainsKey($name) | Should -BeFalse }
    }

    It 'waits -Delay before a canned answer over h2, and -Times uses it up' {
        $server | Add-ServerResponse -Path /slow -Delay 0.5 -Body 'late' -Times 2
        $first = Invoke-Curl "$($base)slow" -Arguments $h2
        [System.Text.Encoding]::UTF8.GetString($first.Body) | Should -Be 'late'
        $first.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.45
        (Invoke-Curl "$($base)slow" -Arguments $h2).Status | Should -Be 200
        $third = Invoke-Curl "$($base)slow" -Arguments ($h2 + '-H' + 'Accept: image/png')
        $third.Status | Should -Be 404 -Because 'after -Times 2 the request goes to the files'
        (Get-ServerResponse -Server $server -Path /slow).AnswerCount | Should -Be 2
    }

    It 'throttles a canned body with -BytesPerSecond over h2' {
        $server | Add-ServerResponse -Path /trickle -Body ('t' * 40000) -BytesPerSecond 40000
        $response = Invoke-Curl "$($base)trickle" -Arguments $h2
        $response.Body.Length | Should -Be 40000
        $response.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.7
    }

    # Reset, CloseWithoutResponse and CloseMidBody reset the stream (RST_STREAM INTERNAL_ERROR; CloseMidBody after the
    # head and half the body). MalformedStatusLine answers with a response head no client accepts (:status "OK"), which
    # the client itself resets with PROTOCOL_ERROR (RFC 9113 §8.1.1): h2's form of an unparsable status line.
    It 'maps -Fault <Fault> to <Shape>, and the connection serves the next stream' -ForEach @(
        @{ Fault = 'Reset'; Shape = 'RST_STREAM INTERNAL_ERROR'; Code = 'INTERNAL_ERROR'; Data = $false }
        @{ Fault = 'CloseWithoutResponse'; Shape = 'RST_STREAM INTERNAL_ERROR'; Code = 'INTERNAL_ERROR'; Data = $false }
        @{ Fault = 'CloseMidBody'; Shape = 'head, half the DATA, RST_STREAM'; Code = 'INTERNAL_ERROR'; Data = $true }
        @{ Fault = 'MalformedStatusLine'; Shape = 'an invalid response head'; Code = ''; Data = $false; Malformed = $true }
    ) {
        $server | Add-ServerResponse -Path /broken -Body ('x' * 100000) -Fault $Fault
        # curl: the stream was not answered normally (92: HTTP/2 stream not closed cleanly)
        $cut = Invoke-Curl "$($base)broken" -Arguments $h2
        $cut.ExitCode | Should -Be 92 -Because "curl reports a reset stream as CURLE_HTTP2_STREAM: $($cut.StdErr)"
        $cut.Body.Length | Should -BeLessThan 100000

        # nghttp: one connection, the faulty stream is reset, the next one on the same connection is answered
        $run = Invoke-Nghttp -Url "$($base)broken", "$($base)small.txt" -Arguments '--no-dep'
        $frames = Get-NghttpFrame $run.StdOut
        if ($Malformed) {
            $head = @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'HEADERS' -and $_.Stream -eq 1 })
            $head.Count | Should -Be 1 -Because $run.StdOut
            $head[0].Invalid | Should -BeTrue -Because 'nghttp refuses the head'
            $mine = @($frames | Where-Object { $_.Direction -eq 'send' -and $_.Type -eq 'RST_STREAM' -and $_.Stream -eq 1 })
            $mine.Count | Should -Be 1 -Because "the client resets the malformed response's stream: $($run.StdOut)"
            $mine[0].Detail[0] | Should -Match 'error_code=PROTOCOL_ERROR'
        }
        else {
            $resets = @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'RST_STREAM' })
            $resets.Count | Should -Be 1 -Because $run.StdOut
            $resets[0].Stream | Should -Be 1
            $resets[0].Detail[0] | Should -Match "error_code=$Code"
        }
        $statuses = Get-NghttpStatus $run.StdOut
        $statuses[3] | Should -Be 200 -Because "the connection goes on after a stream reset: $($run.StdOut)"
        @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'GOAWAY' -and $_.Detail[0] -notmatch 'NO_ERROR' }).Count | Should -Be 0
        $dataOnBroken = ($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'DATA' -and $_.Stream -eq 1 } | Measure-Object Length -Sum).Sum
        if ($Data) {
            $statuses[1] | Should -Be 200
            $dataOnBroken | Should -BeGreaterThan 0
            $dataOnBroken | Should -BeLessThan 100000
        }
        else {
            [int]$dataOnBroken | Should -Be 0
        }
        $server | Assert-ServerRequest -Path /broken -Filter { $_.Protocol -eq 'HTTP/2' -and $_.Fault -eq $Fault } -Within 10
    }
}

Describe 'Many streams on one connection' {
    It 'answers nghttp -m 100 (<Name>): 100 concurrent streams on one connection, all 200 with the whole body' -ForEach @(
        @{ Name = 'h2c'; Kind = 'h2c' }, @{ Name = 'TLS'; Kind = 'tls' }
    ) {
        $server = $Servers[$Kind]
        $server | Clear-ServerRequest
        $run = Invoke-Nghttp -Url "$($server.Url)mid.bin" -Arguments '-m', '100' -TimeoutSeconds 60
        $statuses = Get-NghttpStatus $run.StdOut
        $statuses.Count | Should -Be 100 -Because $run.StdErr
        @($statuses.Values | Where-Object { $_ -ne 200 }).Count | Should -Be 0
        $frames = Get-NghttpFrame $run.StdOut
        $data = $frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'DATA' } | Group-Object Stream
        $data.Count | Should -Be 100
        foreach ($stream in $data) { ($stream.Group | Measure-Object Length -Sum).Sum | Should -Be $Mid.Length -Because "stream $($stream.Name)" }
        @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'RST_STREAM' }).Count | Should -Be 0
        $null = Assert-ServerRequest -Server $server -Path '/mid.bin' -Exactly -Times 100 -Within 10
        $records = @($server | Get-ServerRequest -Path '/mid.bin')
        @($records.ClientAddress | Select-Object -Unique).Count | Should -Be 1 -Because 'nghttp multiplexes them on one connection'
        @($records | Where-Object { $_.Protocol -ne 'HTTP/2' -or $_.StatusCode -ne 200 -or $_.BytesSent -ne $Mid.Length }).Count | Should -Be 0
    }

    It 'answers curl --parallel --parallel-max 50 over TLS: 100 transfers multiplexed on one connection, byte-exact' {
        $server = $Servers.tls
        $server | Clear-ServerRequest
        $out = Join-Path $TestDrive 'parallel'
        $null = New-Item -ItemType Directory -Force -Path $out
        $arguments = @('-sS', '--noproxy', '*', '--max-time', '60', '--parallel', '--parallel-max', '50') + (Get-ClientArgs -Tls $true -Version 2) +
            @('-w', '%{http_version} %{http_code} %{num_connects} %{size_download}\n')
        foreach ($i in 1..100) {
            $file = if ($i % 10 -eq 0) { 'big.bin' } elseif ($i % 2) { 'mid.bin' } else { 'app.js' }
            $arguments += @('-o', (Join-Path $out "$i-$file"), "$($server.Url)$($file)?i=$i")
        }
        $run = Invoke-Native -FilePath (Get-ToolPath curl) -ArgumentList $arguments -TimeoutSeconds 90
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $lines = @($run.StdOut -split '\n' | Where-Object { $_ })
        $lines.Count | Should -Be 100
        @($lines | Where-Object { $_ -notmatch '^2 200 [01] \d+$' }).Count | Should -Be 0 -Because ($lines -join "`n")
        ($lines | ForEach-Object { [int]($_ -split ' ')[2] } | Measure-Object -Sum).Sum | Should -Be 1 -Because 'one connection carries them all'
        foreach ($item in Get-ChildItem -LiteralPath $out -File) {
            (Get-FileHash -LiteralPath $item.FullName -Algorithm SHA256).Hash | Should -Be $FileHash[($item.Name -replace '^\d+-')] -Because $item.Name
        }
        $server | Assert-ServerRequest -Filter { $_.Protocol -eq 'HTTP/2' -and $_.StatusCode -eq 200 } -Exactly -Times 100 -Within 10
    }

    It 'passes h2load -n 2000 -c 4 -m 32 (<Name>) with no errors and all 2xx' -ForEach @(
        @{ Name = 'h2c'; Kind = 'h2c' }, @{ Name = 'TLS'; Kind = 'tls' }
    ) {
        $server = $Servers[$Kind]
        $run = Invoke-Native -FilePath (Get-ToolPath h2load) -ArgumentList '-n', '2000', '-c', '4', '-m', '32', "$($server.Url)small.txt" -TimeoutSeconds 60
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match 'requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout'
        $run.StdOut | Should -Match 'status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx'
        if ($Kind -eq 'tls') { $run.StdOut | Should -Match 'Application protocol: h2' }
    }
}

Describe 'Flow control, big fields and cancels (<Name>)' -ForEach @(
    @{ Name = 'h2c'; Kind = 'h2c'; Tls = $false }, @{ Name = 'TLS'; Kind = 'tls'; Tls = $true }
) {
    BeforeAll {
        $server = $Servers[$Kind]
        $h2 = Get-ClientArgs -Tls $Tls -Version 2
        $base = $server.Url
        $bigLength = (Get-Item -LiteralPath (Join-Path $site 'big.bin')).Length
    }
    AfterEach {
        $server | Get-ServerResponse | Remove-ServerResponse
    }

    It 'sends 5 MiB to a client with a 16 KiB stream window and a 64 KiB connection window, waiting for its WINDOW_UPDATEs' {
        $run = Invoke-Nghttp -Url "$($base)big.bin" -Arguments '--no-dep', '-w', '14', '-W', '16' -TimeoutSeconds 60
        $frames = Get-NghttpFrame $run.StdOut
        $data = @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'DATA' -and $_.Stream -eq 1 })
        ($data | Measure-Object Length -Sum).Sum | Should -Be $bigLength -Because $run.StdErr
        ($data | Measure-Object Length -Maximum).Maximum | Should -BeLessOrEqual 16383 -Because 'no DATA frame is larger than the window'
        ($data[-1].Flags -band 1) | Should -Be 1
        # nghttp2 itself ends the connection with FLOW_CONTROL_ERROR if a DATA frame overruns a window.
        @($frames | Where-Object { $_.Type -eq 'GOAWAY' -and $_.Detail[0] -notmatch 'NO_ERROR' }).Count | Should -Be 0 -Because $run.StdOut.Substring(0, [Math]::Min(4000, $run.StdOut.Length))
        @($frames | Where-Object { $_.Direction -eq 'send' -and $_.Type -eq 'WINDOW_UPDATE' }).Count | Should -BeGreaterThan 100
    }

    It 'serves h2load -n 400 -c 4 -m 100 of a 260 KiB file with 64 KiB windows: no errors' {
        $run = Invoke-Native -FilePath (Get-ToolPath h2load) -ArgumentList '-n', '400', '-c', '4', '-m', '100', '-w', '16', '-W', '16', "$($base)mid.bin" -TimeoutSeconds 90
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match 'requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed, 0 errored, 0 timeout'
        $run.StdOut | Should -Match 'status codes: 400 2xx'
    }

    It 'takes a 30 000-byte request field, which the client sends as HEADERS + CONTINUATION' {
        $value = -join (1..30000 | ForEach-Object { [char](97 + ($_ * 7919) % 26) })
        $server | Clear-ServerRequest
        $run = Invoke-Nghttp -Url "$($base)small.txt" -Arguments '--no-dep', '-H', "x-big: $value"
        $frames = Get-NghttpFrame $run.StdOut
        # nghttp prints a header block as one HEADERS line: longer than the server's 16 KiB SETTINGS_MAX_FRAME_SIZE,
        # it went out as HEADERS and CONTINUATION frames.
        $sent = $frames | Where-Object { $_.Direction -eq 'send' -and $_.Type -eq 'HEADERS' -and $_.Stream -eq 1 } | Select-Object -First 1
        $sent.Length | Should -BeGreaterThan 16384
        (Get-NghttpStatus $run.StdOut)[1] | Should -Be 200 -Because $run.StdErr
        # (the journal keeps 8 KiB of header lines, so the field itself is not in the record)
        $server | Assert-ServerRequest -Path '/small.txt' -StatusCode 200 -Filter { $_.Protocol -eq 'HTTP/2' } -Exactly -Times 1 -Within 10
    }

    It 'serves 50 requests on a connection whose client cancelled 50 waiting canned answers first' {
        $server | Add-ServerResponse -Path /waits -Delay 0.5 -Body 'too late'
        $run = Invoke-Native -FilePath '/usr/bin/python3' -ArgumentList (Join-Path $PSScriptRoot 'h2client.py'), 'cancelmany', '127.0.0.1', "$($server.Port)", $(if ($Tls) { '1' } else { '0' }), '/waits', '/small.txt', '50' -TimeoutSeconds 40
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $result = $run.StdOut | ConvertFrom-Json
        $result.goaway | Should -BeNullOrEmpty -Because $run.StdOut
        $result.ok | Should -Be 50 -Because $run.StdOut
        $result.bodyLengths | Should -Be @(13)
        (Invoke-Curl "$($base)small.txt" -Arguments $h2).Status | Should -Be 200
    }

    It 'refuses <Shape> with 431 on its stream, as HTTP/1.1 does, and the connection serves the next stream' -ForEach @(
        @{ Shape = 'a header list over the limit (10 fields of 5000 bytes)'; Count = 10; Length = 5000 }
        @{ Shape = 'more fields than the limit (200 short ones)'; Count = 200; Length = 10 }
        @{ Shape = 'one field longer than the whole list limit (50 000 bytes)'; Count = 1; Length = 50000 }
    ) {
        $fieldArgs = foreach ($i in 0..($Count - 1)) { '-H'; "x-field-$($i): " + (-join (0..($Length - 1) | ForEach-Object { [char](97 + ($_ * 7919 + $i) % 26) })) }
        $viaH1 = Invoke-Curl "$($base)small.txt" -Arguments ((Get-ClientArgs -Tls $Tls -Version 1.1) + $fieldArgs)
        $viaH1.Status | Should -Be 431
        # h2client.py: the big request on stream 1, a plain one on stream 3 of the same connection
        $run = Invoke-Native -FilePath '/usr/bin/python3' -ArgumentList (Join-Path $PSScriptRoot 'h2client.py'), 'fields', '127.0.0.1', "$($server.Port)", $(if ($Tls) { '1' } else { '0' }), '/small.txt', "$Count", "$Length" -TimeoutSeconds 30
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $result = $run.StdOut | ConvertFrom-Json
        $result.goaway | Should -BeNullOrEmpty -Because "a refused request is a stream's matter, not the connection's: $($run.StdOut)"
        $result.statuses.'1' | Should -Be 431
        $result.statuses.'3' | Should -Be 200
    }

    It 'joins the cookie fields a browser splits (RFC 9113 §8.2.3) into one Cookie line, for -HeaderMatch and the journal' {
        $server | Add-ServerResponse -Path /cookies -HeaderMatch @{ Cookie = 'a=1; b=2; c=3' } -Body 'joined'
        $run = Invoke-Native -FilePath '/usr/bin/python3' -ArgumentList (Join-Path $PSScriptRoot 'h2client.py'), 'cookies', '127.0.0.1', "$($server.Port)", $(if ($Tls) { '1' } else { '0' }), '/cookies', 'a=1', 'b=2', 'c=3' -TimeoutSeconds 30
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $result = $run.StdOut | ConvertFrom-Json
        $result.status | Should -Be 200 -Because "one Cookie 'a=1; b=2; c=3' matches; three separate lines would not: $($run.StdOut)"
        $result.body | Should -Be 'joined'
        $record = $server | Get-ServerRequest -Path '/cookies' -Wait -Timeout 10 | Select-Object -First 1
        $record.Headers['Cookie'] | Should -Be 'a=1; b=2; c=3'
    }

    It 'reads a 3 MiB upload, three times the 1 MiB window it grants, as WINDOW_UPDATEs let it in' {
        $server | Add-ServerResponse -Path /upload3 -Method PUT -StatusCode 204
        $payload = Join-Path $TestDrive "upload3-$Kind.bin"
        $bytes = [byte[]]::new(3MB); [System.Random]::new(5).NextBytes($bytes); [System.IO.File]::WriteAllBytes($payload, $bytes)
        $response = Invoke-Curl "$($base)upload3" -Arguments ($h2 + @('-X', 'PUT', '--data-binary', "@$payload")) -WriteOut '%{http_version}'
        $response.ExitCode | Should -Be 0 -Because $response.StdErr
        $response.WriteOut | Should -Be '2'
        $response.Status | Should -Be 204
        $record = $server | Get-ServerRequest -Path '/upload3' -Wait -Timeout 10 | Select-Object -First 1
        $record.BodyLength | Should -Be 3MB
        $record.BodyTruncated | Should -BeTrue -Because 'the journal keeps the first 64 KiB of a body'
    }

    It 'answers an upload over the 8 MiB body limit with 413, as over HTTP/1.1, and keeps serving' {
        $server | Add-ServerResponse -Path /toobig -Method POST -StatusCode 201
        $payload = Join-Path $TestDrive 'toobig.bin'
        if (-not (Test-Path $payload)) { $f = [System.IO.File]::Create($payload); $f.SetLength(9MB); $f.Dispose() }
        $viaH1 = Invoke-Curl "$($base)toobig" -Arguments ((Get-ClientArgs -Tls $Tls -Version 1.1) + @('--data-binary', "@$payload"))
        $viaH1.Status | Should -Be 413
        # Over h2 the 413 is followed by RST_STREAM NO_ERROR (RFC 9113 §8.1: stop sending, no error), which curl 7.88
        # reports as exit 92 without the status: nghttp shows the frames.
        $run = Invoke-Nghttp -Url "$($base)toobig" -Arguments '--no-dep', '-d', $payload
        (Get-NghttpStatus $run.StdOut)[1] | Should -Be 413 -Because $run.StdOut
        $frames = Get-NghttpFrame $run.StdOut
        $body = @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'DATA' -and $_.Stream -eq 1 })
        ($body[-1].Flags -band 1) | Should -Be 1 -Because 'the 413 is complete'
        $reset = @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'RST_STREAM' -and $_.Stream -eq 1 })
        if ($reset) { $reset[0].Detail[0] | Should -Match 'error_code=NO_ERROR' }
        @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'GOAWAY' }).Count | Should -Be 0
        $server | Assert-ServerRequest -Path /toobig -StatusCode 413 -Filter { $_.Protocol -eq 'HTTP/2' } -Within 10
        (Invoke-Curl "$($base)small.txt" -Arguments $h2).Status | Should -Be 200
    }

    It 'goes on serving a connection whose client cancelled a download (RST_STREAM CANCEL, as a browser does)' {
        $python = '/usr/bin/python3' # Debian's python3-h2 is installed for the system python only
        $run = Invoke-Native -FilePath $python -ArgumentList (Join-Path $PSScriptRoot 'h2client.py'), 'cancel', '127.0.0.1', "$($server.Port)", $(if ($Tls) { '1' } else { '0' }), '/big.bin', '/small.txt' -TimeoutSeconds 30
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $result = $run.StdOut | ConvertFrom-Json
        $result.cancelled | Should -BeTrue
        $result.bigData | Should -BeLessThan $bigLength
        $result.smallStatus | Should -Be 200 -Because $run.StdOut
        $result.smallBytes | Should -Be 13
        $result.smallEnded | Should -BeTrue
        $result.goaway | Should -BeNullOrEmpty -Because 'a cancelled stream is no connection error'
        (Invoke-Curl "$($base)small.txt" -Arguments $h2).Status | Should -Be 200
    }
}

Describe 'HTTP/2 on the .NET socket engine (-Engine Socket, <Name>)' -ForEach @(
    @{ Name = 'h2c'; Tls = $false }, @{ Name = 'TLS'; Tls = $true }
) {
    BeforeAll {
        $name = "h2t-socket-$($Tls.ToString().ToLowerInvariant())"
        $server = if ($Tls) { Start-StaticServer $site -Port 0 -Name $name -Engine Socket -SelfSigned } else { Start-StaticServer $site -Port 0 -Name $name -Engine Socket }
        $pemPath = if ($Tls) { ($server | Export-ServerCertificate -Path (Join-Path $TestDrive "$name.pem")).FullName } else { '' }
        $h2 = Get-ClientArgs -Tls $Tls -Version 2 -PemPath $pemPath
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'runs on the socket engine and sends 5 MiB byte-exact to curl over h2' {
        "$($server.Engine)" | Should -Be 'Socket'
        $out = Join-Path $TestDrive "$name-big.bin"
        $run = Invoke-Native -FilePath (Get-ToolPath curl) -TimeoutSeconds 60 -ArgumentList (@('-sS', '--noproxy', '*', '--max-time', '50', '-o', $out, '-w', '%{http_version} %{http_code}') + $h2 + "$($server.Url)big.bin")
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Be '2 200'
        (Get-FileHash -LiteralPath $out -Algorithm SHA256).Hash | Should -Be $FileHash['big.bin']
    }

    It 'answers nghttp -m 100 on one connection, all complete' {
        $run = Invoke-Nghttp -Url "$($server.Url)mid.bin" -Arguments '-m', '100' -TimeoutSeconds 60
        $statuses = Get-NghttpStatus $run.StdOut
        $statuses.Count | Should -Be 100 -Because $run.StdErr
        @($statuses.Values | Where-Object { $_ -ne 200 }).Count | Should -Be 0
        $frames = Get-NghttpFrame $run.StdOut
        $data = $frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'DATA' } | Group-Object Stream
        foreach ($stream in $data) { ($stream.Group | Measure-Object Length -Sum).Sum | Should -Be $Mid.Length -Because "stream $($stream.Name)" }
    }

    It 'passes h2load -n 2000 -c 4 -m 32 with no errors' {
        $run = Invoke-Native -FilePath (Get-ToolPath h2load) -ArgumentList '-n', '2000', '-c', '4', '-m', '32', "$($server.Url)small.txt" -TimeoutSeconds 60
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match 'requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout'
    }
}

Describe 'wget2 and Invoke-WebRequest over h2 (TLS)' {
    BeforeAll {
        $WwwRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../wwwroot'))
        $server = Start-StaticServer $WwwRoot -Port 0 -Name h2t-wwwroot -SelfSigned
        $pem = $server | Export-ServerCertificate -Path (Join-Path $TestDrive 'h2t-wwwroot.pem')
        function Get-TreeHash([string] $Root) {
            $full = [System.IO.Path]::GetFullPath($Root)
            Get-ChildItem -LiteralPath $full -Recurse -File -Force |
                ForEach-Object { '{0} {1}' -f [System.IO.Path]::GetRelativePath($full, $_.FullName).Replace('\', '/'), (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash } |
                Sort-Object -CaseSensitive
        }
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'is mirrored by wget2 over h2, and the tree and bytes equal wwwroot' {
        $out = Join-Path $TestDrive 'h2-mirror'
        $run = Invoke-Native -FilePath (Get-ToolPath wget2) -TimeoutSeconds 60 -ArgumentList @(
            '--no-config', '--http2', '-r', '-np', '-nH', '--no-robots', '--tries=1', '--timeout=10', '--ca-certificate', $pem.FullName, '-P', $out, $server.Url)
        $run.ExitCode | Should -BeIn 0, 8 -Because "wget2 said: $($run.StdErr)" # 8: wwwroot links /no-such-page on purpose
        ((Get-TreeHash $out) -join "`n") | Should -Be ((Get-TreeHash $WwwRoot) -join "`n")
        $records = @($server | Get-ServerRequest)
        $records.Count | Should -BeGreaterOrEqual 8
        @($records | Where-Object Protocol -ne 'HTTP/2').Count | Should -Be 0 -Because 'wget2 negotiates h2 by ALPN'
        ($records | Where-Object Path -eq '/no-such-page').StatusCode | Should -Be 404
    }

    It 'answers Invoke-WebRequest -HttpVersion 2.0 (a child pwsh trusting the PEM through SSL_CERT_FILE)' {
        $saved = $env:SSL_CERT_FILE
        try {
            $env:SSL_CERT_FILE = $pem.FullName
            $child = Invoke-ChildPwsh -Script "`$r = Invoke-WebRequest -Uri '$($server.Url)hello.txt' -HttpVersion 2.0 -NoProxy -TimeoutSec 10; `$r.BaseResponse.Version.ToString(); [int]`$r.StatusCode"
        }
        finally { $env:SSL_CERT_FILE = $saved }
        $child.ExitCode | Should -Be 0 -Because $child.Error
        $child.Output | Should -Be '2.0', '200'
        ($server | Get-ServerRequest -Path '/hello.txt' -Wait -Timeout 10 | Where-Object UserAgent -Match 'PowerShell' | Select-Object -First 1).Protocol | Should -Be 'HTTP/2'
    }
}

Describe 'The server''s SETTINGS (nghttp -nv, <Name>)' -ForEach @(
    @{ Name = 'h2c'; Kind = 'h2c' }, @{ Name = 'TLS'; Kind = 'tls' }
) {
    BeforeAll {
        $run = Invoke-Nghttp -Url "$($Servers[$Kind].Url)small.txt"
        $frames = Get-NghttpFrame $run.StdOut
        $received = @($frames | Where-Object Direction -eq 'recv')
        $settings = $received | Where-Object { $_.Type -eq 'SETTINGS' -and -not ($_.Flags -band 1) } | Select-Object -First 1
        $values = @{}
        foreach ($line in @($settings.Detail)) {
            if ($line -match '^\[SETTINGS_(\w+)\(0x[0-9a-f]+\):(\d+)\]$') { $values[$Matches[1]] = [long]$Matches[2] }
        }
    }

    It 'sends SETTINGS first, with the contract''s values' {
        $received[0].Type | Should -Be 'SETTINGS' -Because $run.StdOut
        $values['MAX_CONCURRENT_STREAMS'] | Should -Be 100 -Because ($settings.Detail -join '; ')
        $values['INITIAL_WINDOW_SIZE'] | Should -Be 1048576
        $values['MAX_HEADER_LIST_SIZE'] | Should -BeGreaterOrEqual 32768
        # Defaults a server may leave out; when sent they must be these.
        if ($values.ContainsKey('MAX_FRAME_SIZE')) { $values['MAX_FRAME_SIZE'] | Should -Be 16384 }
        if ($values.ContainsKey('HEADER_TABLE_SIZE')) { $values['HEADER_TABLE_SIZE'] | Should -Be 4096 }
        if ($values.ContainsKey('ENABLE_PUSH')) { $values['ENABLE_PUSH'] | Should -Be 0 }
    }

    It 'raises the connection window to 16 MiB with a WINDOW_UPDATE on stream 0, and acknowledges the client''s SETTINGS' {
        $update = $received | Where-Object { $_.Type -eq 'WINDOW_UPDATE' -and $_.Stream -eq 0 } | Select-Object -First 1
        $update | Should -Not -BeNullOrEmpty -Because $run.StdOut
        $update.Detail[0] | Should -Be "(window_size_increment=$(16MB - 65535))"
        @($received | Where-Object { $_.Type -eq 'SETTINGS' -and ($_.Flags -band 1) }).Count | Should -Be 1
        (Get-NghttpStatus $run.StdOut)[13] | Should -Be 200 -Because 'nghttp''s first request is stream 13 (after its priority anchors)'
    }
}

Describe '.NET HttpClient with HTTP/2 required (<Name>)' -ForEach @(
    @{ Name = 'cleartext: prior knowledge'; Kind = 'h2c'; Tls = $false }
    @{ Name = 'TLS: the server certificate as the only root'; Kind = 'tls'; Tls = $true }
) {
    BeforeAll {
        $server = $Servers[$Kind]
        $client = New-Http2Client -Certificate $(if ($Tls) { $server.Certificate } else { $null })
    }
    AfterAll {
        if ($client) { $client.Dispose() }
    }

    It 'gets a file over HTTP/2 (response.Version 2.0)' {
        $response = $client.GetAsync("$($server.Url)small.txt").GetAwaiter().GetResult()
        try {
            $response.Version | Should -Be ([version]'2.0')
            [int]$response.StatusCode | Should -Be 200
            $response.Content.ReadAsStringAsync().GetAwaiter().GetResult() | Should -Be 'hello over h2'
            $response.Headers.ETag.Tag | Should -Not -BeNullOrEmpty
            $response.Content.Headers.ContentLength | Should -Be 13
            $response.Headers.Contains('X-H2-Test') | Should -BeTrue
        }
        finally { $response.Dispose() }
    }

    It 'downloads 5 MiB byte-exact and 30 requests at once share one connection' {
        $bytes = $client.GetByteArrayAsync("$($server.Url)big.bin").GetAwaiter().GetResult()
        Get-Sha256 $bytes | Should -Be $FileHash['big.bin']
        $server | Clear-ServerRequest
        $tasks = @(foreach ($i in 1..30) { $client.GetAsync("$($server.Url)mid.bin?c=$i") })
        [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]$tasks, [timespan]::FromSeconds(60)) | Should -BeTrue
        $responses = @($tasks | ForEach-Object { $_.Result })
        try {
            @($responses | Where-Object { $_.Version -ne [version]'2.0' -or [int]$_.StatusCode -ne 200 }).Count | Should -Be 0
            foreach ($r in $responses) { Get-Sha256 $r.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult() | Should -Be $FileHash['mid.bin'] }
        }
        finally { $responses | ForEach-Object { $_.Dispose() } }
        $server | Assert-ServerRequest -Path '/mid.bin' -Exactly -Times 30 -Within 10
        @($server | Get-ServerRequest -Path '/mid.bin' | Select-Object -ExpandProperty ClientAddress -Unique).Count | Should -Be 1
    }

    It 'sends a POST with a body to a canned response and gets its status' {
        $server | Add-ServerResponse -Path /dotnet -Method POST -StatusCode 202 -Body 'accepted'
        try {
            $content = [System.Net.Http.StringContent]::new('payload from HttpClient')
            $response = $client.PostAsync("$($server.Url)dotnet", $content).GetAwaiter().GetResult()
            try {
                $response.Version | Should -Be ([version]'2.0')
                [int]$response.StatusCode | Should -Be 202
                $response.Content.ReadAsStringAsync().GetAwaiter().GetResult() | Should -Be 'accepted'
            }
            finally { $response.Dispose() }
            ($server | Get-ServerRequest -Path /dotnet -Wait -Timeout 10 | Select-Object -First 1).Body | Should -Be 'payload from HttpClient'
        }
        finally { $server | Get-ServerResponse -Path /dotnet | Remove-ServerResponse }
    }
}

Describe 'Start-StaticServer -Protocol' {
    AfterEach {
        Get-StaticServer -Name 'h2t-proto*' -ErrorAction SilentlyContinue | Stop-StaticServer -Timeout 1
    }

    It 'is Auto by default: cleartext serves HTTP/1.1 and h2c prior knowledge on one port; Upgrade: h2c stays HTTP/1.1' {
        $server = $Servers.h2c
        $server.Protocol | Should -Be 'Auto'
        $h1 = Invoke-Curl "$($server.Url)small.txt" -Arguments '--http1.1' -WriteOut '%{http_version}'
        $h1.WriteOut | Should -Be '1.1'
        $h1.Status | Should -Be 200
        $h2 = Invoke-Curl "$($server.Url)small.txt" -Arguments '--http2-prior-knowledge' -WriteOut '%{http_version}'
        $h2.WriteOut | Should -Be '2'
        $upgrade = Invoke-Curl "$($server.Url)small.txt" -Arguments '--http2' -WriteOut '%{http_version}'
        $upgrade.Status | Should -Be 200
        $upgrade.WriteOut | Should -Be '1.1' -Because 'RFC 9113 removed the h2c upgrade: the request is answered as HTTP/1.1'
        [System.Text.Encoding]::UTF8.GetString($upgrade.Body) | Should -Be 'hello over h2'
    }

    It 'is Auto by default over TLS: ALPN h2 or http/1.1 as the client asks, HTTP/1.1 without ALPN' {
        $server = $Servers.tls
        $server.Protocol | Should -Be 'Auto'
        (Invoke-Curl "$($server.Url)small.txt" -Arguments (Get-ClientArgs -Tls $true -Version 2) -WriteOut '%{http_version}').WriteOut | Should -Be '2'
        (Invoke-Curl "$($server.Url)small.txt" -Arguments (Get-ClientArgs -Tls $true -Version 1.1) -WriteOut '%{http_version}').WriteOut | Should -Be '1.1'
        $noAlpn = Invoke-Curl "$($server.Url)small.txt" -Arguments ((Get-ClientArgs -Tls $true -Version 2) + '--no-alpn') -WriteOut '%{http_version}'
        $noAlpn.WriteOut | Should -Be '1.1'
        $noAlpn.Status | Should -Be 200
    }

    It 'negotiates h2 over TLS 1.2 too, with an AEAD suite (RFC 9113 §9.2)' {
        $server = $Servers.tls
        $server | Clear-ServerRequest
        $response = Invoke-Curl "$($server.Url)small.txt" -Arguments ((Get-ClientArgs -Tls $true -Version 2) + @('--tlsv1.2', '--tls-max', '1.2')) -WriteOut '%{http_version}'
        $response.ExitCode | Should -Be 0 -Because $response.StdErr
        $response.WriteOut | Should -Be '2'
        $record = $server | Get-ServerRequest -Path '/small.txt' -Wait -Timeout 10 | Select-Object -First 1
        $record.Protocol | Should -Be 'HTTP/2'
        $record.TlsProtocol | Should -Be 'TLSv1.2'
        $openssl = Get-ToolPath openssl
        $aead = Invoke-Native -FilePath $openssl -ArgumentList 's_client', '-connect', "127.0.0.1:$($server.Port)", '-tls1_2', '-alpn', 'h2,http/1.1' -TimeoutSeconds 20
        $aead.StdOut | Should -Match 'ALPN protocol: h2'
        $aead.StdOut | Should -Match 'Cipher is ECDHE-\w+-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)'
        # A client with only a suite RFC 9113 §9.2.2 forbids for h2 (CBC) gets no TLS 1.2 session at all.
        $cbc = Invoke-Native -FilePath $openssl -ArgumentList 's_client', '-connect', "127.0.0.1:$($server.Port)", '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA', '-alpn', 'h2' -TimeoutSeconds 20
        "$($cbc.StdOut)$($cbc.StdErr)" | Should -Match 'Cipher is \(NONE\)|handshake failure'
        "$($cbc.StdOut)" | Should -Not -Match 'ALPN protocol: h2'
    }

    It 'Http1 in cleartext: a preface is a bad HTTP/1.1 request (505), and curl --http2-prior-knowledge gets no HTTP/2' {
        $server = Start-StaticServer $site -Port 0 -Name h2t-proto1 -Protocol Http1
        $server.Protocol | Should -Be 'Http1'
        $prior = Invoke-Curl "$($server.Url)small.txt" -Arguments '--http2-prior-knowledge' -WriteOut '%{http_version}' -MaxTime 10
        $prior.ExitCode | Should -Not -Be 0 -Because 'the reply is an HTTP/1.1 400, not frames'
        $prior.WriteOut | Should -Not -Be '2'
        $raw = Invoke-RawRequest -Port $server.Port -Text "PRI * HTTP/2.0`r`n`r`nSM`r`n`r`n"
        $raw.Head | Should -Match '^HTTP/1\.1 505 ' -Because 'the HTTP/1.1 parser answers version HTTP/2.0 as it always did'
        (Invoke-Curl "$($server.Url)small.txt" -Arguments '--http1.1' -WriteOut '%{http_version}').WriteOut | Should -Be '1.1'
    }

    It 'Http1 over TLS: ALPN never selects h2 (curl --http2 gets HTTP/1.1)' {
        $server = Start-StaticServer $site -Port 0 -Name h2t-proto1tls -Protocol Http1 -SelfSigned
        $pem = $server | Export-ServerCertificate -Path (Join-Path $TestDrive 'proto1.pem')
        $response = Invoke-Curl "$($server.Url)small.txt" -Arguments (Get-ClientArgs -Tls $true -Version 2 -PemPath $pem.FullName) -WriteOut '%{http_version}'
        $response.ExitCode | Should -Be 0 -Because $response.StdErr
        $response.WriteOut | Should -Be '1.1'
        $response.Status | Should -Be 200
        $run = Invoke-Nghttp -Url "$($server.Url)small.txt"
        $run.StdOut | Should -Not -Match 'The negotiated protocol: h2'
    }

    It 'Http2 in cleartext: HTTP/1.1 gets 505 and a close, h2c prior knowledge is served' {
        $server = Start-StaticServer $site -Port 0 -Name h2t-proto2 -Protocol Http2
        $server.Protocol | Should -Be 'Http2'
        $h1 = Invoke-Curl "$($server.Url)small.txt" -Arguments '--http1.1' -WriteOut '%{http_version}'
        $h1.Status | Should -Be 505
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes -Connection $connection -Text "GET /small.txt HTTP/1.1`r`nHost: t`r`n`r`n"
            $raw = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
            $raw.Status | Should -Be 505
            Test-ConnectionClosed -Connection $connection | Should -BeTrue
        }
        finally { $connection.Client.Dispose() }
        $h2 = Invoke-Curl "$($server.Url)small.txt" -Arguments '--http2-prior-knowledge' -WriteOut '%{http_version}'
        $h2.WriteOut | Should -Be '2'
        $h2.Status | Should -Be 200
    }

    It 'Http2 over TLS: ALPN offers only h2; http/1.1-only ALPN does not get HTTP/1.1 service, no ALPN gets 505' {
        $server = Start-StaticServer $site -Port 0 -Name h2t-proto2tls -Protocol Http2 -SelfSigned
        $pem = $server | Export-ServerCertificate -Path (Join-Path $TestDrive 'proto2.pem')
        $h2 = Invoke-Curl "$($server.Url)small.txt" -Arguments (Get-ClientArgs -Tls $true -Version 2 -PemPath $pem.FullName) -WriteOut '%{http_version}'
        $h2.WriteOut | Should -Be '2'
        $h2.Status | Should -Be 200
        # Only http/1.1 offered: the handshake fails (no_application_protocol, curl 35) or, if the server goes on
        # without ALPN, its answer is 505.
        $h1 = Invoke-Curl "$($server.Url)small.txt" -Arguments (Get-ClientArgs -Tls $true -Version 1.1 -PemPath $pem.FullName) -WriteOut '%{http_code}'
        if ($h1.ExitCode -eq 0) { $h1.Status | Should -Be 505 } else { $h1.ExitCode | Should -Be 35 -Because $h1.StdErr }
        $noAlpn = Invoke-Curl "$($server.Url)small.txt" -Arguments ((Get-ClientArgs -Tls $true -Version 1.1 -PemPath $pem.FullName) + '--no-alpn')
        $noAlpn.ExitCode | Should -Be 0 -Because $noAlpn.StdErr
        $noAlpn.Status | Should -Be 505
    }
}

Describe 'Stop-StaticServer with an h2 download in flight (<Name>)' -ForEach @(
    @{ Name = 'h2c'; Tls = $false }, @{ Name = 'TLS'; Tls = $true }
) {
    It 'sends GOAWAY(NO_ERROR), lets the download finish within the grace, and stops within its timeout' {
        $name = "h2t-stop-$($Tls.ToString().ToLowerInvariant())"
        $server = if ($Tls) { Start-StaticServer $site -Port 0 -Name $name -SelfSigned } else { Start-StaticServer $site -Port 0 -Name $name }
        $pemPath = if ($Tls) { ($server | Export-ServerCertificate -Path (Join-Path $TestDrive "$name.pem")).FullName } else { '' }
        $body = 'd' * 200000
        $server | Add-ServerResponse -Path /download -Body $body -BytesPerSecond 100000
        $curlOut = Join-Path $TestDrive "$name.bin"
        $nghttp = Start-NativeProcess -FilePath (Get-ToolPath nghttp) -ArgumentList '-nv', '--no-dep', '-t', '30', "$($server.Url)download"
        $curl = Start-NativeProcess -FilePath (Get-ToolPath curl) -ArgumentList (@('-sS', '--max-time', '30', '-o', $curlOut, '-w', '%{http_version} %{http_code}') +
            (Get-ClientArgs -Tls $Tls -Version 2 -PemPath $pemPath) + "$($server.Url)download")
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ($server.ActiveConnections -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Start-Sleep -Milliseconds 400 # both streams are sending
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $server | Stop-StaticServer -Timeout 10
            $watch.Stop()
        }
        finally {
            $nghttpRun = Wait-NativeProcess $nghttp
            $curlRun = Wait-NativeProcess $curl
        }
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 0.5 -Because 'the stop waits for the streams in flight'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $server.State | Should -Be 'Stopped'

        $frames = Get-NghttpFrame $nghttpRun.StdOut
        $goaway = $frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'GOAWAY' } | Select-Object -First 1
        $goaway | Should -Not -BeNullOrEmpty -Because $nghttpRun.StdOut
        $goaway.Detail[0] | Should -Match 'last_stream_id=1, error_code=NO_ERROR'
        $data = @($frames | Where-Object { $_.Direction -eq 'recv' -and $_.Type -eq 'DATA' -and $_.Stream -eq 1 })
        ($data | Measure-Object Length -Sum).Sum | Should -Be 200000
        ($data[-1].Flags -band 1) | Should -Be 1 -Because 'the stream ends with END_STREAM, not a reset'
        $goawayAt = [array]::IndexOf($frames, $goaway)
        $lastDataAt = [array]::IndexOf($frames, $data[-1])
        $goawayAt | Should -BeLessThan $lastDataAt -Because 'GOAWAY came while the download was in flight'

        $curlRun.ExitCode | Should -Be 0 -Because $curlRun.StdErr
        $curlRun.StdOut | Should -Be '2 200'
        (Get-Item -LiteralPath $curlOut).Length | Should -Be 200000
    }
}

Describe 'Stop-StaticServer and a stream opened after its GOAWAY (<Name>)' -ForEach @(
    @{ Name = 'h2c'; Tls = $false }, @{ Name = 'TLS'; Tls = $true }
) {
    It 'finishes the stream in flight, ignores the new one (above the GOAWAY''s last id), then closes' {
        $name = "h2t-drain-$($Tls.ToString().ToLowerInvariant())"
        $server = if ($Tls) { Start-StaticServer $site -Port 0 -Name $name -SelfSigned } else { Start-StaticServer $site -Port 0 -Name $name }
        $server | Add-ServerResponse -Path /slow -Body ('s' * 150000) -BytesPerSecond 100000
        $info = [System.Diagnostics.ProcessStartInfo]::new('/usr/bin/python3') # Debian's python3-h2 is for the system python only
        foreach ($arg in (Join-Path $PSScriptRoot 'h2client.py'), 'drain', '127.0.0.1', "$($server.Port)", $(if ($Tls) { '1' } else { '0' }), '/slow', '/small.txt') { $info.ArgumentList.Add($arg) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $process = [System.Diagnostics.Process]::Start($info)
        try {
            $null = Read-ChildLine -Process $process -Pattern '^ready$' -TimeoutSeconds 15
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $server | Stop-StaticServer -Timeout 10
            $watch.Stop()
            $line = Read-ChildLine -Process $process -Pattern '^\{' -TimeoutSeconds 20
            $process.WaitForExit(10000) | Should -BeTrue
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) } # the client this test started
            $errors = $process.StandardError.ReadToEnd()
            $process.Dispose()
        }
        $result = $line | ConvertFrom-Json
        $result.goaway.code | Should -Be 0 -Because "GOAWAY NO_ERROR: $line $errors"
        $result.goaway.last | Should -Be 1
        $result.streams.'1'.status | Should -Be 200
        $result.streams.'1'.bytes | Should -Be 150000
        $result.streams.'1'.ended | Should -BeTrue
        $result.streams.'3'.status | Should -Be 0 -Because 'a stream above the last id is not processed'
        $result.streams.'3'.bytes | Should -Be 0
        @($result.resets | Where-Object stream -eq 1).Count | Should -Be 0
        $result.closed | Should -BeTrue -Because 'the connection closes once its streams are done'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        @($server | Get-ServerRequest -Path '/small.txt').Count | Should -Be 0 -Because 'the ignored stream never reached the handler'
    }
}

Describe 'Live reload over <Name>' -ForEach @(
    @{ Name = 'h2c'; Tls = $false }, @{ Name = 'TLS'; Tls = $true }
) {
    BeforeAll {
        $name = "h2t-lr-$($Tls.ToString().ToLowerInvariant())"
        $server = if ($Tls) { Start-StaticServer $site -Port 0 -Name $name -SelfSigned -LiveReload -NoWatch } else { Start-StaticServer $site -Port 0 -Name $name -LiveReload -NoWatch }
        $pemPath = if ($Tls) { ($server | Export-ServerCertificate -Path (Join-Path $TestDrive "$name.pem")).FullName } else { '' }
        $h2 = Get-ClientArgs -Tls $Tls -Version 2 -PemPath $pemPath
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'streams /__pswebserver/events over h2: an event after Invoke-ServerReload, no chunked framing' {
        $headFile = Join-Path $TestDrive "$name-events.head"
        $open = $server.LiveReloadClients
        $reader = Start-NativeProcess -FilePath (Get-ToolPath curl) -ArgumentList (@('-sS', '-N', '--max-time', '4', '-D', $headFile) + $h2 + "$($server.Url)__pswebserver/events")
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(5)
            while ($server.LiveReloadClients -le $open -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $server.LiveReloadClients | Should -Be ($open + 1)
            $server | Invoke-ServerReload
        }
        finally { $run = Wait-NativeProcess $reader -TimeoutSeconds 15 }
        $run.ExitCode | Should -Be 28 -Because "curl ends the endless stream at --max-time: $($run.StdErr)"
        $run.StdOut | Should -Match 'data: reload'
        $headText = Get-Content -Raw -LiteralPath $headFile
        $headText | Should -Match '^HTTP/2 200'
        $head = ConvertFrom-HeaderBlock -Text $headText
        $head.Status | Should -Be 200
        "$($head.Headers['Content-Type'])" | Should -BeLike 'text/event-stream*'
        foreach ($field in $ConnectionFields) { $head.Headers.ContainsKey($field) | Should -BeFalse -Because "no '$field' on h2" }
    }

    It 'ends an open h2 event stream cleanly when the server stops, at once' {
        $stopName = "$name-stop"
        $stopping = if ($Tls) { Start-StaticServer $site -Port 0 -Name $stopName -SelfSigned -LiveReload -NoWatch } else { Start-StaticServer $site -Port 0 -Name $stopName -LiveReload -NoWatch }
        $stopPem = if ($Tls) { ($stopping | Export-ServerCertificate -Path (Join-Path $TestDrive "$stopName.pem")).FullName } else { '' }
        $reader = Start-NativeProcess -FilePath (Get-ToolPath curl) -ArgumentList (@('-sS', '-N', '--max-time', '20', '-w', '\n%{http_version} %{http_code}') +
            (Get-ClientArgs -Tls $Tls -Version 2 -PemPath $stopPem) + "$($stopping.Url)__pswebserver/events")
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(5)
            while ($stopping.LiveReloadClients -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $stopping.LiveReloadClients | Should -Be 1
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $stopping | Stop-StaticServer -Timeout 5
            $watch.Stop()
        }
        finally { $run = Wait-NativeProcess $reader -TimeoutSeconds 25 }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1.5 -Because 'the teardown ends event streams instead of waiting out the grace'
        $run.ExitCode | Should -Be 0 -Because "the stream ends with END_STREAM, not a reset: $($run.StdErr)"
        $run.StdOut.TrimEnd() | Should -Match '2 200$'
    }

    It 'injects the script into a page navigation over h2, as over HTTP/1.1' {
        $page = Invoke-Curl "$($server.Url)index.html" -Arguments ($h2 + '-H' + 'Sec-Fetch-Dest: document' + '-H' + 'Sec-Fetch-Mode: navigate') -WriteOut '%{http_version}'
        $page.WriteOut | Should -Be '2'
        [System.Text.Encoding]::UTF8.GetString($page.Body) | Should -Match '<script src="/__pswebserver/livereload.js"></script>'
        $script = Invoke-Curl "$($server.Url)__pswebserver/livereload.js" -Arguments $h2
        $script.Status | Should -Be 200
        "$($script.Headers['Content-Type'])" | Should -BeLike 'text/javascript*'
    }
}
