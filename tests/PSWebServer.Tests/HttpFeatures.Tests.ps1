# HTTP semantics of static files (issue 4), proven over real sockets with curl, Invoke-WebRequest and raw
# TcpClient requests: validators and conditional requests, ranges, listings, 404 page and SPA fallback,
# compression, caching and CORS headers, and request bodies. A missing curl fails the tests (CI installs it).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/HttpClientHelpers.ps1
    Import-PSWebServer

    # Every file whose time matters gets this one, so dates in the tests are exact.
    $Fixed = [DateTime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
    $FixedText = $Fixed.ToString('r')

    function Set-FileTime {
        param([Parameter(Mandatory)] [string] $Path, [DateTime] $Time = $Fixed)
        [System.IO.File]::SetLastWriteTimeUtc($Path, $Time)
    }

    function Invoke-Web {
        # Invoke-WebRequest that returns whatever the server answered (no throw, no redirects, no header checks).
        param([Parameter(Mandatory)] [string] $Uri, [hashtable] $Headers = @{}, [string] $Method = 'GET')
        Invoke-WebRequest -Uri $Uri -Method $Method -Headers $Headers -SkipHeaderValidation -SkipHttpErrorCheck `
            -MaximumRedirection 0 -ErrorAction SilentlyContinue -TimeoutSec 10 -NoProxy
    }

    function Get-Logged {
        # The first logged request for $Path with $Query (each test tags its request with its own query
        # string), waiting for it (bounded).
        param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Query)
        $Server | Get-ServerRequest -Path $Path -Wait -Timeout 10 | Where-Object Query -eq $Query | Select-Object -First 1
    }

    function Get-HeaderValue {
        # A header of a curl or raw response as one string ('' when absent).
        param([Parameter(Mandatory)] $Response, [Parameter(Mandatory)] [string] $Name)
        "$($Response.Headers[$Name])"
    }
}

AfterAll {
    Stop-StaticServer -All -Timeout 1
}

Describe 'Validators and conditional requests (<File>)' -ForEach @(
    @{ File = 'doc.txt'; Kind = 'cached in memory' }
    @{ File = 'big.bin'; Kind = 'sent with sendfile' }
) {
    BeforeAll {
        $root = Join-Path $TestDrive "validators-$File"
        $null = New-Item -ItemType Directory -Force -Path $root
        $path = Join-Path $root $File
        if ($File -eq 'doc.txt') { [System.IO.File]::WriteAllText($path, 'validators are small and cached') }
        else { $null = New-RandomFile -Path $path -Length (300KB + 17) }
        Set-FileTime $path
        $fileBytes = [System.IO.File]::ReadAllBytes($path)
        $server = Start-StaticServer $root -Port 0
        $url = "$($server.Url)$File"
        $etag = Get-HeaderValue (Invoke-Curl $url -Arguments '-I') 'ETag'
        $olderText = $Fixed.AddHours(-1).ToString('r')
        $newerText = $Fixed.AddHours(1).ToString('r')
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'sends a strong ETag, Last-Modified, Accept-Ranges and Cache-Control: no-cache (Invoke-WebRequest)' {
        $response = Invoke-Web $url
        $response.StatusCode | Should -Be 200
        "$($response.Headers['ETag'])" | Should -Match '^"[^"]+"$'
        "$($response.Headers['ETag'])" | Should -Be $etag
        "$($response.Headers['Last-Modified'])" | Should -Be $FixedText
        "$($response.Headers['Accept-Ranges'])" | Should -Be 'bytes'
        "$($response.Headers['Cache-Control'])" | Should -Be 'no-cache'
        $response.RawContentLength | Should -Be $fileBytes.Length
    }

    It 'answers If-None-Match <Form> with 304 for GET and HEAD: ETag, Cache-Control, Date, no body' -ForEach @(
        @{ Form = 'exact'; Make = { param($e) $e } }
        @{ Form = 'in a list'; Make = { param($e) "`"other`", $e, `"more`"" } }
        @{ Form = '*'; Make = { param($e) '*' } }
        @{ Form = 'weak W/'; Make = { param($e) "W/$e" } }
    ) {
        $value = & $Make $etag
        foreach ($method in @(), @('-I')) {
            $response = Invoke-Curl $url -Arguments (@('-H', "If-None-Match: $value") + $method)
            $response.Status | Should -Be 304 -Because "If-None-Match: $value ($(if ($method) { 'HEAD' } else { 'GET' }))"
            Get-HeaderValue $response 'ETag' | Should -Be $etag
            Get-HeaderValue $response 'Cache-Control' | Should -Be 'no-cache'
            [DateTime]::ParseExact((Get-HeaderValue $response 'Date'), 'r', [cultureinfo]::InvariantCulture) |
                Should -BeGreaterThan ([DateTime]::Now.AddMinutes(-5))
            # curl -I writes the head where the body would go, and reads no body after a HEAD anyway: the
            # raw-socket test below proves HEAD's 304 carries none.
            if (-not $method) { $response.Body.Length | Should -Be 0 }
        }
    }

    It 'answers If-None-Match with an ETag that does not match with 200 and the body' {
        $response = Invoke-Curl $url -Arguments '-H', 'If-None-Match: "not-this-one", W/"nor-this"'
        $response.Status | Should -Be 200
        Get-Sha256 $response.Body | Should -Be (Get-Sha256 $fileBytes)
    }

    It 'sends no body with a 304 to <Method>: the next response on the same connection follows right after' -ForEach @(
        @{ Method = 'GET' }, @{ Method = 'HEAD' }
    ) {
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes $connection "$Method /$File HTTP/1.1`r`nHost: t`r`nIf-None-Match: $etag`r`n`r`nGET /$File HTTP/1.1`r`nHost: t`r`n`r`n"
            # read as if to a GET: a body after the 304 would be taken for the next response and break it
            $first = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
            $second = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
        }
        finally { $connection.Client.Dispose() }
        $first.Status | Should -Be 304
        "$($first.Headers['ETag'])" | Should -Be $etag
        $second.Status | Should -Be 200
        $second.Head | Should -Match '^HTTP/1\.1 200 '
        Get-Sha256 $second.Body | Should -Be (Get-Sha256 $fileBytes)
    }

    It 'answers If-Modified-Since at or after Last-Modified with 304, before it with 200' {
        (Invoke-Curl $url -Arguments '-H', "If-Modified-Since: $FixedText").Status | Should -Be 304
        (Invoke-Curl $url -Arguments '-H', "If-Modified-Since: $newerText").Status | Should -Be 304
        (Invoke-Curl $url -Arguments '-I', '-H', "If-Modified-Since: $newerText").Status | Should -Be 304
        $response = Invoke-Curl $url -Arguments '-H', "If-Modified-Since: $olderText"
        $response.Status | Should -Be 200
        $response.Body.Length | Should -Be $fileBytes.Length
    }

    It 'ignores an If-Modified-Since that is not a date' {
        (Invoke-Curl $url -Arguments '-H', 'If-Modified-Since: yesterday-ish').Status | Should -Be 200
    }

    It 'answers a Range request whose If-None-Match matches with 304, not 206' {
        $response = Invoke-Curl $url -Arguments '-r', '0-9', '-H', "If-None-Match: $etag"
        $response.Status | Should -Be 304
        $response.Body.Length | Should -Be 0
    }

    It 'ignores If-Modified-Since when an If-None-Match is present and does not match' {
        $response = Invoke-Curl $url -Arguments '-H', 'If-None-Match: "stale"', '-H', "If-Modified-Since: $newerText"
        $response.Status | Should -Be 200
        $response.Body.Length | Should -Be $fileBytes.Length
    }

    It 'answers a failing If-Match with 412 and a matching one with 200' {
        (Invoke-Curl $url -Arguments '-H', 'If-Match: "stale"').Status | Should -Be 412
        (Invoke-Curl $url -Arguments '-H', "If-Match: W/$etag").Status | Should -Be 412 -Because 'If-Match compares strongly'
        (Invoke-Curl $url -Arguments '-H', "If-Match: `"x`", $etag").Status | Should -Be 200
        (Invoke-Curl $url -Arguments '-H', 'If-Match: *').Status | Should -Be 200
    }

    It 'answers a failing If-Unmodified-Since with 412 and a passing one with 200' {
        (Invoke-Curl $url -Arguments '-H', "If-Unmodified-Since: $olderText").Status | Should -Be 412
        (Invoke-Curl $url -Arguments '-H', "If-Unmodified-Since: $FixedText").Status | Should -Be 200
    }

    It 'works with curl -z (a file''s time, a date, and -date for If-Unmodified-Since)' {
        $local = Join-Path $TestDrive "z-$File"
        [System.IO.File]::WriteAllBytes($local, $fileBytes)
        Set-FileTime $local
        (Invoke-Curl $url -Arguments '-z', $local).Status | Should -Be 304
        (Invoke-Curl $url -Arguments '-z', $olderText).Status | Should -Be 200
        (Invoke-Curl $url -Arguments '-z', "-$olderText").Status | Should -Be 412
        (Invoke-Curl $url -Arguments '-z', "-$newerText").Status | Should -Be 200
    }

    It 'works with curl --etag-save and --etag-compare' {
        $etagFile = Join-Path $TestDrive "etag-$File.txt"
        $first = Invoke-Curl $url -Arguments '--etag-save', $etagFile
        $first.Status | Should -Be 200
        (Get-Content -LiteralPath $etagFile -Raw).Trim() | Should -Be $etag
        $second = Invoke-Curl $url -Arguments '--etag-compare', $etagFile
        $second.Status | Should -Be 304
        $second.Body.Length | Should -Be 0
    }

    It 'logs a 304 with StatusCode 304' {
        $null = Invoke-Curl "$url`?logged304" -Arguments '-H', "If-None-Match: $etag"
        $record = Get-Logged $server "/$File" -Query 'logged304'
        $record.StatusCode | Should -Be 304
        $record.Method | Should -Be 'GET'
    }
}

Describe 'Ranges on a file <Kind>' -ForEach @(
    @{ Kind = 'cached in memory'; File = 'small.bin'; Length = 10000 }
    @{ Kind = 'sent with sendfile'; File = 'large.bin'; Length = 1MB + 333 }
) {
    BeforeAll {
        $root = Join-Path $TestDrive "ranges-$File"
        $null = New-Item -ItemType Directory -Force -Path $root
        $fileBytes = New-RandomFile -Path (Join-Path $root $File) -Length $Length -Seed $Length
        Set-FileTime (Join-Path $root $File)
        $server = Start-StaticServer $root -Port 0
        $url = "$($server.Url)$File"
        $etag = Get-HeaderValue (Invoke-Curl $url -Arguments '-I') 'ETag'

        function Assert-SingleRange {
            param($Response, [long] $Start, [long] $End)
            $Response.Status | Should -Be 206
            Get-HeaderValue $Response 'Content-Range' | Should -Be "bytes $Start-$End/$Length"
            Get-HeaderValue $Response 'Content-Length' | Should -Be ($End - $Start + 1)
            $Response.Body.Length | Should -Be ($End - $Start + 1)
            Get-Sha256 $Response.Body | Should -Be (Get-Sha256 (Get-ByteSlice $fileBytes $Start ($End - $Start + 1)))
        }

        function Assert-PartsMatchFile {
            # Every part holds the file's bytes at its offsets; returns the parts.
            param($Response)
            $parts = Get-RangeParts $Response
            foreach ($part in $parts) {
                $part.Total | Should -Be $Length
                $part.Bytes.Length | Should -Be ($part.End - $part.Start + 1)
                Get-Sha256 $part.Bytes | Should -Be (Get-Sha256 (Get-ByteSlice $fileBytes $part.Start $part.Bytes.Length))
            }
            , $parts
        }
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'advertises Accept-Ranges: bytes' {
        Get-HeaderValue (Invoke-Curl $url -Arguments '-I') 'Accept-Ranges' | Should -Be 'bytes'
    }

    It 'serves curl -r 0-99 as 206 with Content-Range and the first 100 bytes' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', '0-99') 0 99
    }

    It 'serves a suffix range (-r -500): the last 500 bytes' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', '-500') ($Length - 500) ($Length - 1)
    }

    It 'serves an open range (-r N-) to the end' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', "$($Length - 500)-") ($Length - 500) ($Length - 1)
    }

    It 'serves a range in the middle' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', '4321-8765') 4321 8765
    }

    It 'trims an end past the file to the last byte' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', "$($Length - 100)-$($Length + 5000)") ($Length - 100) ($Length - 1)
    }

    It 'serves a suffix longer than the file as the whole file' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', "-$($Length + 10)") 0 ($Length - 1)
    }

    It 'answers an unsatisfiable range with 416 and Content-Range: bytes */<length>' -ForEach @(
        @{ Spec = 'start at the length'; Range = { "$Length-" } }
        @{ Spec = 'start past the end'; Range = { "$($Length + 10)-$($Length + 20)" } }
    ) {
        $response = Invoke-Curl $url -Arguments '-r', (& $Range)
        $response.Status | Should -Be 416
        Get-HeaderValue $response 'Content-Range' | Should -Be "bytes */$Length"
    }

    It 'serves several ranges as 206 multipart/byteranges whose parts are the file''s bytes' {
        $response = Invoke-Curl $url -Arguments '-r', "0-9,1000-1099,$($Length - 50)-"
        $response.Status | Should -Be 206
        Get-HeaderValue $response 'Content-Type' | Should -Match '^multipart/byteranges; ?boundary='
        [long](Get-HeaderValue $response 'Content-Length') | Should -Be $response.Body.Length
        $parts = Assert-PartsMatchFile $response
        $parts.Count | Should -Be 3
        $parts[0].Start | Should -Be 0; $parts[0].End | Should -Be 9
        $parts[1].Start | Should -Be 1000; $parts[1].End | Should -Be 1099
        $parts[2].Start | Should -Be ($Length - 50); $parts[2].End | Should -Be ($Length - 1)
    }

    It 'keeps the request''s order of parts when none is merged (RFC 9110 §14.6 SHOULD)' {
        $response = Invoke-Curl $url -Arguments '-r', '5000-5099,0-99'
        $response.Status | Should -Be 206
        $parts = Assert-PartsMatchFile $response
        $parts.Count | Should -Be 2
        "$($parts[0].Start)-$($parts[0].End), $($parts[1].Start)-$($parts[1].End)" | Should -Be '5000-5099, 0-99'
    }

    It 'serves one part of several when the others are unsatisfiable' {
        $response = Invoke-Curl $url -Arguments '-r', "0-9,$($Length + 100)-$($Length + 200)"
        $response.Status | Should -Be 206
        $parts = Assert-PartsMatchFile $response
        $parts.Count | Should -Be 1
        "$($parts[0].Start)-$($parts[0].End)" | Should -Be '0-9'
    }

    It 'ignores a malformed Range (<Value>) and sends the whole file with 200' -ForEach @(
        @{ Value = 'bytes=5-1' }, @{ Value = 'bytes=abc' }, @{ Value = 'items=0-5' }, @{ Value = 'bytes=0-99,x-' }, @{ Value = 'bytes=--5' }
    ) {
        $response = Invoke-Curl $url -Arguments '-H', "Range: $Value"
        $response.Status | Should -Be 200
        Get-Sha256 $response.Body | Should -Be (Get-Sha256 $fileBytes)
    }

    It 'merges overlapping ranges: each byte is sent once' {
        $response = Invoke-Curl $url -Arguments '-r', '0-99,50-149,140-199,20-30'
        $response.Status | Should -Be 206
        $parts = Assert-PartsMatchFile $response
        ($parts | Measure-Object -Property { $_.Bytes.Length } -Sum).Sum | Should -Be 200
        $parts[0].Start | Should -Be 0
        $parts[-1].End | Should -Be 199
        $response.Body.Length | Should -BeLessThan 600
    }

    It 'never amplifies: <Count> tiny ranges get 200 with the file or 416, and at most the file''s size' -ForEach @(
        @{ Count = 500; Shape = 'disjoint one-byte'; Spec = { (0..499 | ForEach-Object { "$($_ * 2)-$($_ * 2)" }) -join ',' } }
        @{ Count = 500; Shape = 'whole-file overlapping'; Spec = { (1..500 | ForEach-Object { '0-' }) -join ',' } }
    ) {
        $response = Invoke-Curl $url -Arguments '-H', "Range: bytes=$(& $Spec)"
        $response.Status | Should -BeIn 200, 416
        $response.Body.Length | Should -BeLessOrEqual ($Length + 1024)
        if ($response.Status -eq 200) { Get-Sha256 $response.Body | Should -Be (Get-Sha256 $fileBytes) }
    }

    It 'never amplifies below the range cap either: 10 overlapping whole-file ranges send the file once' {
        $response = Invoke-Curl $url -Arguments '-H', "Range: bytes=$((1..10 | ForEach-Object { "0-$($Length - 1)" }) -join ',')"
        $response.Status | Should -BeIn 200, 206
        $response.Body.Length | Should -BeLessOrEqual ($Length + 1024)
    }

    It 'honours If-Range: the current ETag or date gives 206, an old one gives 200 with the whole file' {
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', '0-99', '-H', "If-Range: $etag") 0 99
        Assert-SingleRange (Invoke-Curl $url -Arguments '-r', '0-99', '-H', "If-Range: $FixedText") 0 99
        # a weak tag never validates a range, and a date must be Last-Modified exactly
        foreach ($old in '"an-old-etag"', "W/$etag", $Fixed.AddDays(-1).ToString('r'), $Fixed.AddDays(1).ToString('r')) {
            $response = Invoke-Curl $url -Arguments '-r', '0-99', '-H', "If-Range: $old"
            $response.Status | Should -Be 200 -Because "If-Range: $old"
            Get-Sha256 $response.Body | Should -Be (Get-Sha256 $fileBytes)
        }
    }

    It 'logs the Range asked for and the 206' {
        $null = Invoke-Curl "$url`?logged" -Arguments '-r', '10-19'
        $record = Get-Logged $server "/$File" -Query 'logged'
        $record.Range | Should -Be 'bytes=10-19'
        $record.StatusCode | Should -Be 206
    }
}

Describe 'Folder listings' {
    BeforeAll {
        $root = Join-Path $TestDrive 'browse'
        $null = New-Item -ItemType Directory -Force -Path $root, (Join-Path $root 'dir1'), (Join-Path $root 'withindex'), (Join-Path $root '.hidden-dir')
        [System.IO.File]::WriteAllText((Join-Path $root 'a&b <c>.txt'), 'ampersand and angles')
        [System.IO.File]::WriteAllText((Join-Path $root 'b.txt'), 'bee')
        [System.IO.File]::WriteAllText((Join-Path $root 'Zed.txt'), 'zed')
        [System.IO.File]::WriteAllText((Join-Path $root '.secret'), 'hidden')
        $null = New-RandomFile -Path (Join-Path $root 'big.dat') -Length 12345
        [System.IO.File]::WriteAllText((Join-Path $root 'dir1/inner.txt'), 'inner')
        $odd = Join-Path $root 'odd'
        $null = New-Item -ItemType Directory -Force -Path $odd, (Join-Path $odd 'sub folder #2')
        $oddNames = 'café.txt', 'hash#1.txt', '100%.txt', 'what?.txt', "it's.txt", 'a+b=c;d.txt', 'quote".txt', 'x:y.txt', '日本.txt'
        foreach ($name in $oddNames) { [System.IO.File]::WriteAllText((Join-Path $odd $name), "content of $name") }
        [System.IO.File]::WriteAllText((Join-Path $root 'withindex/index.html'), '<h1>the index</h1>')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'answers 404, never a listing, for a folder without a default document when -Browse is off' {
        $server = Start-StaticServer $root -Port 0
        foreach ($path in '', 'dir1/') {
            $response = Invoke-Web "$($server.Url)$path"
            $response.StatusCode | Should -Be 404 -Because "/$path"
            "$($response.Content)" | Should -Not -Match 'b\.txt|inner\.txt'
        }
    }

    Context 'with -Browse' {
        BeforeEach {
            $server = Start-StaticServer $root -Port 0 -Browse
        }

        It 'lists the root as HTML: folders first, then files by name, hidden names left out' {
            $response = Invoke-Web $server.Url
            $response.StatusCode | Should -Be 200
            "$($response.Headers['Content-Type'])" | Should -BeLike 'text/html*'
            $html = "$($response.Content)"
            $order = 'dir1/', 'odd/', 'withindex/', 'a&amp;b &lt;c&gt;.txt', 'b.txt', 'big.dat', 'Zed.txt' | ForEach-Object {
                $at = $html.IndexOf(">$_<", [StringComparison]::Ordinal)
                $at | Should -BeGreaterThan 0 -Because "the listing names $_"
                $at
            }
            $order | Should -Be ($order | Sort-Object)
            $html | Should -Not -Match 'secret|hidden-dir'
        }

        It 'shows sizes and modification times' {
            $html = "$((Invoke-Web $server.Url).Content)"
            $row = ($html -split '\n' | Where-Object { $_ -match '>big\.dat<' })
            $row | Should -Match '12,345|12345'
            $row | Should -Match '\d{4}-\d{2}-\d{2}'
            ($html -split '\n' | Where-Object { $_ -match '>b\.txt<' }) | Should -Match '>3<'
        }

        It 'HTML-escapes names in text and percent-encodes them in links, and the link works' {
            $html = "$((Invoke-Web $server.Url).Content)"
            $html | Should -Not -Match '<c>'
            $html | Should -Match '>a&amp;b &lt;c&gt;\.txt<'
            $html -match 'href="(a[^"]*\.txt)"' | Should -BeTrue
            $href = [System.Net.WebUtility]::HtmlDecode($Matches[1])
            $href | Should -Match '^a(&|%26)b%20%3[Cc]c%3[Ee]\.txt$'
            $linked = Invoke-Web "$($server.Url)$href"
            $linked.StatusCode | Should -Be 200
            $linked.Content | Should -Be 'ampersand and angles'
        }

        It 'links every entry so that following the link reaches it, whatever its name' {
            $html = "$((Invoke-Web "$($server.Url)odd/").Content)"
            $hrefs = [regex]::Matches($html, 'href="([^"]*)"') | ForEach-Object { [System.Net.WebUtility]::HtmlDecode($_.Groups[1].Value) } |
                Where-Object { $_ -ne '../' }
            @($hrefs).Count | Should -Be ($oddNames.Count + 1)
            foreach ($href in $hrefs) {
                $href | Should -Not -Match '[#?" ]' -Because "'$href' must be percent-encoded to stay one path segment"
                $response = Invoke-Curl "$($server.Url)odd/$href"
                $response.Status | Should -Be 200 -Because "the link '$href'"
                if ($href -notlike '*/') {
                    $name = [uri]::UnescapeDataString($href)
                    [System.Text.Encoding]::UTF8.GetString($response.Body) | Should -Be "content of $name"
                }
            }
        }

        It 'links a subfolder''s listing to its parent' {
            $response = Invoke-Web "$($server.Url)dir1/"
            $response.StatusCode | Should -Be 200
            "$($response.Content)" | Should -Match 'href="\.\./"'
            "$($response.Content)" | Should -Match 'href="inner\.txt"'
        }

        It 'still serves the default document of a folder that has one' {
            (Invoke-Web "$($server.Url)withindex/").Content | Should -Be '<h1>the index</h1>'
        }

        It 'answers JSON that ConvertFrom-Json reads when Accept prefers application/json' {
            $response = Invoke-Web $server.Url -Headers @{ Accept = 'application/json' }
            $response.StatusCode | Should -Be 200
            "$($response.Headers['Content-Type'])" | Should -BeLike 'application/json*'
            $listing = $response.Content | ConvertFrom-Json
            $entries = @($listing.entries)
            $entries.name | Should -Be @('dir1', 'odd', 'withindex', 'a&b <c>.txt', 'b.txt', 'big.dat', 'Zed.txt')
            ($entries | Where-Object name -eq 'big.dat').size | Should -Be 12345
            ($entries | Where-Object name -eq 'dir1').type | Should -Be 'directory'
            ($entries | Where-Object name -eq 'b.txt').type | Should -Be 'file'
        }

        It 'answers HTML to a browser''s Accept' {
            $response = Invoke-Web $server.Url -Headers @{ Accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
            "$($response.Headers['Content-Type'])" | Should -BeLike 'text/html*'
        }
    }
}

Describe '-NotFoundPage and -Fallback' {
    BeforeAll {
        $root = Join-Path $TestDrive 'spa'
        $special = Join-Path $TestDrive 'spa-special'
        $null = New-Item -ItemType Directory -Force -Path $root, $special
        [System.IO.File]::WriteAllText((Join-Path $root 'index.html'), '<h1>home</h1>')
        [System.IO.File]::WriteAllText((Join-Path $root 'app.js'), 'console.log(1)')
        $notFound = Join-Path $special '404.html'
        $shell = Join-Path $special 'shell.html'
        [System.IO.File]::WriteAllText($notFound, '<h1>custom not found</h1>')
        [System.IO.File]::WriteAllText($shell, '<h1>spa shell</h1>')
        $browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It '-NotFoundPage answers a missing path with that file''s content and status 404' {
        $server = Start-StaticServer $root -Port 0 -NotFoundPage $notFound
        foreach ($accept in $browserAccept, '*/*') {
            $response = Invoke-Web "$($server.Url)no/such/page" -Headers @{ Accept = $accept }
            $response.StatusCode | Should -Be 404
            $response.Content | Should -Be '<h1>custom not found</h1>'
            "$($response.Headers['Content-Type'])" | Should -BeLike 'text/html*'
        }
        (Invoke-Web "$($server.Url)app.js").Content | Should -Be 'console.log(1)'
    }

    It '-Fallback answers a page navigation to a missing path with the fallback and 200' {
        $server = Start-StaticServer $root -Port 0 -Fallback $shell
        $response = Invoke-Web "$($server.Url)users/42/profile" -Headers @{ Accept = $browserAccept }
        $response.StatusCode | Should -Be 200
        $response.Content | Should -Be '<h1>spa shell</h1>'
        (Invoke-Web "$($server.Url)app.js" -Headers @{ Accept = $browserAccept }).Content | Should -Be 'console.log(1)'
    }

    It '-Fallback still answers 404 to an asset request (Accept: image/png)' {
        $server = Start-StaticServer $root -Port 0 -Fallback $shell
        $response = Invoke-Web "$($server.Url)img/missing.png" -Headers @{ Accept = 'image/png' }
        $response.StatusCode | Should -Be 404
        "$($response.Content)" | Should -Not -Match 'spa shell'
        (Invoke-Curl "$($server.Url)data/missing.json").Status | Should -Be 404 -Because 'curl''s Accept: */* is no page navigation'
    }

    It 'with both, assets get the custom 404 page and navigations the fallback' {
        $server = Start-StaticServer $root -Port 0 -Fallback $shell -NotFoundPage $notFound
        $asset = Invoke-Web "$($server.Url)missing.png" -Headers @{ Accept = 'image/png' }
        $asset.StatusCode | Should -Be 404
        $asset.Content | Should -Be '<h1>custom not found</h1>'
        $page = Invoke-Web "$($server.Url)route" -Headers @{ Accept = $browserAccept }
        $page.StatusCode | Should -Be 200
        $page.Content | Should -Be '<h1>spa shell</h1>'
    }
}

Describe 'Compression' {
    BeforeAll {
        $root = Join-Path $TestDrive 'compress'
        $null = New-Item -ItemType Directory -Force -Path $root
        $texts = @{}
        foreach ($name in 'page.html', 'app.js', 'data.json', 'pic.svg', 'side.js', 'old.js', 'no.js') {
            $texts[$name] = New-TextFile -Path (Join-Path $root $name) -Length 10KB
            Set-FileTime (Join-Path $root $name)
        }
        $texts['big.js'] = New-TextFile -Path (Join-Path $root 'big.js') -Length 600KB
        $texts['tiny.js'] = New-TextFile -Path (Join-Path $root 'tiny.js') -Length 700
        $pngBytes = New-RandomFile -Path (Join-Path $root 'img.png') -Length 10KB

        # Sidecars decode to the file plus a marker, so the test can tell them from compression on the fly.
        $marker = [System.Text.Encoding]::ASCII.GetBytes("`n/* from the precompressed sidecar */`n")
        $sidecars = @{}
        foreach ($name in 'side.js', 'old.js') {
            foreach ($coding in 'br', 'gzip') {
                $sidecar = Join-Path $root ($name + $(if ($coding -eq 'br') { '.br' } else { '.gz' }))
                $bytes = ConvertTo-Compressed -Bytes ([byte[]]($texts[$name] + $marker)) -Coding $coding
                [System.IO.File]::WriteAllBytes($sidecar, $bytes)
                Set-FileTime $sidecar -Time $(if ($name -eq 'side.js') { $Fixed.AddHours(1) } else { $Fixed.AddHours(-1) })
                $sidecars["$name|$coding"] = $bytes
            }
        }
        $server = Start-StaticServer $root -Port 0
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    Context '<File>' -ForEach @(
        @{ File = 'page.html' }, @{ File = 'app.js' }, @{ File = 'data.json' }, @{ File = 'pic.svg' }, @{ File = 'big.js' }
    ) {
        BeforeAll {
            $url = "$($server.Url)$File"
            $original = $texts[$File]
        }

        It 'is compressed for curl --compressed (br or gzip), and the decoded bytes equal the file' {
            $response = Invoke-Curl $url -Arguments '--compressed'
            $response.Status | Should -Be 200
            Get-HeaderValue $response 'Content-Encoding' | Should -BeIn 'br', 'gzip'
            Get-HeaderValue $response 'Vary' | Should -Match '(^|,\s*)Accept-Encoding\b'
            Get-Sha256 $response.Body | Should -Be (Get-Sha256 $original)
        }

        It 'follows q-values: Accept-Encoding "<Accept>" gets <Expected>' -ForEach @(
            @{ Accept = 'gzip;q=1, br;q=0.5'; Expected = 'gzip' }
            @{ Accept = 'br;q=1, gzip;q=0.5'; Expected = 'br' }
            @{ Accept = 'gzip'; Expected = 'gzip' }
            @{ Accept = 'deflate, br'; Expected = 'br' }
            @{ Accept = 'gzip;q=0, br;q=0'; Expected = '' }
            @{ Accept = 'identity'; Expected = '' }
            @{ Accept = 'br;q=0, *;q=0.3'; Expected = 'gzip' }
        ) {
            $response = Invoke-Curl $url -Arguments '-H', "Accept-Encoding: $Accept"
            $response.Status | Should -Be 200
            Get-HeaderValue $response 'Content-Encoding' | Should -Be $Expected
            [long](Get-HeaderValue $response 'Content-Length') | Should -Be $response.Body.Length
            $decoded = if ($Expected) { ConvertFrom-Compressed -Bytes $response.Body -Coding $Expected } else { $response.Body }
            Get-Sha256 $decoded | Should -Be (Get-Sha256 $original)
            if ($Expected) { $response.Body.Length | Should -BeLessThan $original.Length }
        }

        It 'sends Vary: Accept-Encoding on the identity response too' {
            $response = Invoke-Curl $url
            Get-HeaderValue $response 'Content-Encoding' | Should -Be ''
            Get-HeaderValue $response 'Vary' | Should -Match '(^|,\s*)Accept-Encoding\b'
        }

        It 'gives each encoding its own ETag, and revalidates each with 304' {
            $tags = foreach ($accept in 'identity', 'gzip', 'br') {
                $response = Invoke-Curl $url -Arguments '-H', "Accept-Encoding: $accept"
                $tag = Get-HeaderValue $response 'ETag'
                $tag | Should -Not -BeNullOrEmpty
                $again = Invoke-Curl $url -Arguments '-H', "Accept-Encoding: $accept", '-H', "If-None-Match: $tag"
                $again.Status | Should -Be 304 -Because "the $accept form's own ETag"
                Get-HeaderValue $again 'ETag' | Should -Be $tag
                $tag
            }
            @($tags | Select-Object -Unique).Count | Should -Be 3
        }

        It 'answers HEAD with the same Content-Encoding and Content-Length as GET' {
            foreach ($coding in 'gzip', 'br') {
                $get = Invoke-Curl $url -Arguments '-H', "Accept-Encoding: $coding"
                $head = Invoke-Curl $url -Arguments '-I', '-H', "Accept-Encoding: $coding"
                Get-HeaderValue $head 'Content-Encoding' | Should -Be $coding
                Get-HeaderValue $head 'Content-Length' | Should -Be $get.Body.Length
                Get-HeaderValue $head 'ETag' | Should -Be (Get-HeaderValue $get 'ETag')
            }
        }

        It 'keeps Vary: Accept-Encoding on a 304' {
            $tag = Get-HeaderValue (Invoke-Curl $url -Arguments '-H', 'Accept-Encoding: gzip') 'ETag'
            $response = Invoke-Curl $url -Arguments '-H', 'Accept-Encoding: gzip', '-H', "If-None-Match: $tag"
            $response.Status | Should -Be 304
            Get-HeaderValue $response 'Vary' | Should -Match '(^|,\s*)Accept-Encoding\b'
        }

        It 'serves a Range request from the identity form' {
            $response = Invoke-Curl $url -Arguments '-r', '100-199', '-H', 'Accept-Encoding: gzip, br'
            $response.Status | Should -Be 206
            Get-HeaderValue $response 'Content-Encoding' | Should -Be ''
            Get-HeaderValue $response 'Content-Range' | Should -Be "bytes 100-199/$($original.Length)"
            Get-Sha256 $response.Body | Should -Be (Get-Sha256 (Get-ByteSlice $original 100 100))
        }
    }

    It 'never compresses a .png' {
        $response = Invoke-Curl "$($server.Url)img.png" -Arguments '-H', 'Accept-Encoding: gzip, br'
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'Content-Encoding' | Should -Be ''
        Get-Sha256 $response.Body | Should -Be (Get-Sha256 $pngBytes)
    }

    It 'does not compress a file under 1 KiB' {
        $response = Invoke-Curl "$($server.Url)tiny.js" -Arguments '-H', 'Accept-Encoding: gzip, br'
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'Content-Encoding' | Should -Be ''
        $response.Body.Length | Should -Be 700
    }

    It 'serves a newer precompressed sidecar (<Coding>) byte for byte' -ForEach @(@{ Coding = 'br' }, @{ Coding = 'gzip' }) {
        $response = Invoke-Curl "$($server.Url)side.js" -Arguments '-H', "Accept-Encoding: $Coding"
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'Content-Encoding' | Should -Be $Coding
        Get-Sha256 $response.Body | Should -Be (Get-Sha256 $sidecars["side.js|$Coding"])
        Get-HeaderValue $response 'Content-Type' | Should -BeLike 'text/javascript*'
    }

    It 'ignores a sidecar (<Coding>) older than the file and compresses the file itself' -ForEach @(@{ Coding = 'br' }, @{ Coding = 'gzip' }) {
        $response = Invoke-Curl "$($server.Url)old.js" -Arguments '-H', "Accept-Encoding: $Coding"
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'Content-Encoding' | Should -Be $Coding
        Get-Sha256 $response.Body | Should -Not -Be (Get-Sha256 $sidecars["old.js|$Coding"])
        Get-Sha256 (ConvertFrom-Compressed -Bytes $response.Body -Coding $Coding) | Should -Be (Get-Sha256 $texts['old.js'])
    }

    It 'serves the new bytes in every encoding after a large file is replaced by one with an older time (cp -p, tar, rsync)' {
        $path = Join-Path $root 'replaced.js'
        $before = New-TextFile -Path $path -Length 600KB -Prefix 'VERSION ONE '
        Set-FileTime $path
        foreach ($coding in 'gzip', 'br') {
            $response = Invoke-Curl "$($server.Url)replaced.js" -Arguments '-H', "Accept-Encoding: $coding"
            Get-Sha256 (ConvertFrom-Compressed -Bytes $response.Body -Coding $coding) | Should -Be (Get-Sha256 $before)
        }
        $after = New-TextFile -Path $path -Length 500KB -Prefix 'VERSION TWO '
        Set-FileTime $path -Time $Fixed.AddDays(-1)
        $identity = Invoke-Curl "$($server.Url)replaced.js"
        Get-Sha256 $identity.Body | Should -Be (Get-Sha256 $after)
        foreach ($coding in 'gzip', 'br') {
            $response = Invoke-Curl "$($server.Url)replaced.js" -Arguments '-H', "Accept-Encoding: $coding"
            $response.Status | Should -Be 200
            Get-HeaderValue $response 'ETag' | Should -Not -Be (Get-HeaderValue $identity 'ETag')
            Get-Sha256 (ConvertFrom-Compressed -Bytes $response.Body -Coding $coding) | Should -Be (Get-Sha256 $after) -Because "the $coding form must follow the file"
        }
    }

    It 'logs the ContentEncoding sent: gzip, br, or empty for identity' {
        $null = Invoke-Curl "$($server.Url)data.json?gz" -Arguments '-H', 'Accept-Encoding: gzip'
        $null = Invoke-Curl "$($server.Url)pic.svg?br" -Arguments '-H', 'Accept-Encoding: br'
        $null = Invoke-Curl "$($server.Url)no.js?plain"
        (Get-Logged $server '/data.json' -Query 'gz').ContentEncoding | Should -Be 'gzip'
        (Get-Logged $server '/pic.svg' -Query 'br').ContentEncoding | Should -Be 'br'
        (Get-Logged $server '/no.js' -Query 'plain').ContentEncoding | Should -Be ''
    }

    Context 'with -NoCompression' {
        BeforeAll {
            $plain = Start-StaticServer $root -Port 0 -NoCompression
        }
        AfterAll {
            if ($plain) { $plain | Stop-StaticServer -Timeout 1 }
        }

        It 'never compresses <File>' -ForEach @(@{ File = 'page.html' }, @{ File = 'big.js' }, @{ File = 'side.js' }) {
            foreach ($arguments in @('--compressed'), @('-H', 'Accept-Encoding: gzip, br')) {
                $response = Invoke-Curl "$($plain.Url)$File" -Arguments $arguments
                $response.Status | Should -Be 200
                Get-HeaderValue $response 'Content-Encoding' | Should -Be ''
                Get-Sha256 $response.Body | Should -Be (Get-Sha256 $texts[$File])
            }
        }
    }
}

Describe 'Cache-Control, extra headers and CORS' {
    BeforeAll {
        $root = Join-Path $TestDrive 'headers'
        $null = New-Item -ItemType Directory -Force -Path $root
        [System.IO.File]::WriteAllText((Join-Path $root 'file.txt'), 'some text')
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'sends Cache-Control: no-cache by default' {
        $server = Start-StaticServer $root -Port 0
        Get-HeaderValue (Invoke-Curl "$($server.Url)file.txt") 'Cache-Control' | Should -Be 'no-cache'
    }

    It 'sends the -CacheControl value on 200 and 304' {
        $server = Start-StaticServer $root -Port 0 -CacheControl 'public, max-age=60'
        $response = Invoke-Curl "$($server.Url)file.txt"
        Get-HeaderValue $response 'Cache-Control' | Should -Be 'public, max-age=60'
        $etag = Get-HeaderValue $response 'ETag'
        $revalidated = Invoke-Curl "$($server.Url)file.txt" -Arguments '-H', "If-None-Match: $etag"
        $revalidated.Status | Should -Be 304
        Get-HeaderValue $revalidated 'Cache-Control' | Should -Be 'public, max-age=60'
    }

    It 'adds the -Header headers to 200, 304, 404 and OPTIONS responses' {
        $server = Start-StaticServer $root -Port 0 -Header @{ 'X-A' = '1'; 'X-Frame-Options' = 'DENY' }
        $ok = Invoke-Curl "$($server.Url)file.txt"
        $notModified = Invoke-Curl "$($server.Url)file.txt" -Arguments '-H', "If-None-Match: $(Get-HeaderValue $ok 'ETag')"
        $missing = Invoke-Curl "$($server.Url)missing.txt"
        $options = Invoke-Curl "$($server.Url)file.txt" -Arguments '-X', 'OPTIONS'
        foreach ($response in $ok, $notModified, $missing, $options) {
            Get-HeaderValue $response 'X-A' | Should -Be '1' -Because "status $($response.Status)"
            Get-HeaderValue $response 'X-Frame-Options' | Should -Be 'DENY'
        }
        $ok.Status, $notModified.Status, $missing.Status, $options.Status | Should -Be 200, 304, 404, 200
    }

    It '-Cors sends Access-Control-Allow-Origin: * when an Origin is sent, and nothing without one' {
        $server = Start-StaticServer $root -Port 0 -Cors
        $response = Invoke-Web "$($server.Url)file.txt" -Headers @{ Origin = 'http://anywhere.test' }
        "$($response.Headers['Access-Control-Allow-Origin'])" | Should -Be '*'
        $response.Content | Should -Be 'some text'
        Get-HeaderValue (Invoke-Curl "$($server.Url)file.txt") 'Access-Control-Allow-Origin' | Should -Be ''
    }

    It '-CorsOrigin echoes a listed origin with Vary: Origin, and allows no other' {
        $server = Start-StaticServer $root -Port 0 -CorsOrigin 'http://a.test'
        $listed = Invoke-Curl "$($server.Url)file.txt" -Arguments '-H', 'Origin: http://a.test'
        Get-HeaderValue $listed 'Access-Control-Allow-Origin' | Should -Be 'http://a.test'
        Get-HeaderValue $listed 'Vary' | Should -Match '(^|,\s*)Origin\b'
        $other = Invoke-Curl "$($server.Url)file.txt" -Arguments '-H', 'Origin: http://b.test'
        $other.Status | Should -Be 200
        Get-HeaderValue $other 'Access-Control-Allow-Origin' | Should -Be ''
        Get-HeaderValue $other 'Vary' | Should -Match '(^|,\s*)Origin\b'
    }

    It 'answers a CORS preflight with 200, Content-Length: 0 and the allowed methods and headers' {
        $server = Start-StaticServer $root -Port 0 -CorsOrigin 'http://a.test', 'http://c.test'
        $response = Invoke-Curl "$($server.Url)file.txt" -Arguments @(
            '-X', 'OPTIONS', '-H', 'Origin: http://c.test', '-H', 'Access-Control-Request-Method: GET',
            '-H', 'Access-Control-Request-Headers: x-custom, range')
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'Content-Length' | Should -Be '0'
        Get-HeaderValue $response 'Access-Control-Allow-Origin' | Should -Be 'http://c.test'
        (Get-HeaderValue $response 'Access-Control-Allow-Methods') -split '\s*,\s*' | Should -Contain 'GET'
        (Get-HeaderValue $response 'Access-Control-Allow-Headers') -split '\s*,\s*' | Should -Contain 'x-custom'
        (Get-HeaderValue $response 'Access-Control-Allow-Headers') -split '\s*,\s*' | Should -Contain 'range'
        $response.Body.Length | Should -Be 0
    }

    It 'answers a preflight from an origin not listed with 200 but no permission' {
        $server = Start-StaticServer $root -Port 0 -CorsOrigin 'http://a.test'
        $response = Invoke-Curl "$($server.Url)file.txt" -Arguments @(
            '-X', 'OPTIONS', '-H', 'Origin: http://evil.test', '-H', 'Access-Control-Request-Method: GET')
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'Access-Control-Allow-Origin' | Should -Be ''
    }

    It 'never lets a -Header value split the response head (CR/LF): refused at start, or not sent as a header' {
        $server = $null
        try { $server = Start-StaticServer $root -Port 0 -Header @{ 'X-Bad' = "a`r`nX-Injected: 1" } -ErrorAction Stop }
        catch { $_.Exception.Message | Should -Not -BeNullOrEmpty; return }
        $response = Invoke-Curl "$($server.Url)file.txt"
        $response.Status | Should -Be 200
        Get-HeaderValue $response 'X-Injected' | Should -Be ''
    }

    It 'answers OPTIONS on any path, even a missing one or *, with 200, Content-Length: 0 and Allow' {
        $server = Start-StaticServer $root -Port 0
        foreach ($path in 'file.txt', 'no/such/thing') {
            $response = Invoke-Curl "$($server.Url)$path" -Arguments '-X', 'OPTIONS'
            $response.Status | Should -Be 200 -Because "OPTIONS /$path"
            Get-HeaderValue $response 'Content-Length' | Should -Be '0'
            $allow = (Get-HeaderValue $response 'Allow') -split '\s*,\s*'
            $allow | Should -Contain 'GET'
            $allow | Should -Contain 'HEAD'
            $allow | Should -Contain 'OPTIONS'
        }
        $star = Invoke-RawRequest -Port $server.Port -Text "OPTIONS * HTTP/1.1`r`nHost: t`r`nConnection: close`r`n`r`n"
        $star.Status | Should -Be 200
        "$($star.Headers['Allow'])" | Should -Match 'GET'
    }
}

Describe 'Request bodies and framing' {
    BeforeAll {
        $root = Join-Path $TestDrive 'bodies'
        $null = New-Item -ItemType Directory -Force -Path $root
        [System.IO.File]::WriteAllText((Join-Path $root 'one.txt'), 'first file')
        [System.IO.File]::WriteAllText((Join-Path $root 'two.txt'), 'second file')
        $server = Start-StaticServer $root -Port 0
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'serves a GET with a small Content-Length body and keeps the connection in step (<Shape>)' -ForEach @(
        @{ Shape = 'body and next request in one write'; Together = $true }
        @{ Shape = 'body and next request in separate writes'; Together = $false }
    ) {
        $connection = Open-RawConnection -Port $server.Port
        try {
            $first = "GET /one.txt HTTP/1.1`r`nHost: t`r`nContent-Length: 11`r`n`r`nhello world"
            $second = "GET /two.txt HTTP/1.1`r`nHost: t`r`n`r`n"
            if ($Together) { Send-RawBytes $connection ($first + $second) }
            else {
                Send-RawBytes $connection $first
                $one = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
                Send-RawBytes $connection $second
            }
            if ($Together) { $one = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer }
            $two = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
            $one.Status | Should -Be 200
            [System.Text.Encoding]::ASCII.GetString($one.Body) | Should -Be 'first file'
            $two.Status | Should -Be 200
            [System.Text.Encoding]::ASCII.GetString($two.Body) | Should -Be 'second file'
            Test-ConnectionClosed $connection -TimeoutMs 300 | Should -BeFalse -Because 'the connection stays open for more requests'
        }
        finally { $connection.Client.Dispose() }
    }

    It 'answers Transfer-Encoding together with Content-Length with 400 and closes' {
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes $connection "GET /one.txt HTTP/1.1`r`nHost: t`r`nContent-Length: 5`r`nTransfer-Encoding: chunked`r`n`r`n0`r`n`r`n"
            (Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer).Status | Should -Be 400
            Test-ConnectionClosed $connection | Should -BeTrue
        }
        finally { $connection.Client.Dispose() }
    }

    It 'answers the framing shape "<Shape>" with 400 and closes' -ForEach @(
        @{ Shape = 'Content-Length: 5, 6'; Head = "Content-Length: 5, 6" }
        @{ Shape = 'Content-Length: +5'; Head = "Content-Length: +5" }
        @{ Shape = 'space before the colon'; Head = "Content-Length : 5" }
        @{ Shape = 'Transfer-Encoding with Content-Length: 0'; Head = "Transfer-Encoding: chunked`r`nContent-Length: 0" }
        @{ Shape = 'obsolete line folding'; Head = "Content-Length: 5`r`n 6" }
    ) {
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes $connection "GET /one.txt HTTP/1.1`r`nHost: t`r`n$Head`r`n`r`nhello"
            (Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer).Status | Should -Be 400
            Test-ConnectionClosed $connection | Should -BeTrue
        }
        finally { $connection.Client.Dispose() }
    }

    It 'answers two different Content-Lengths with 400 and closes' {
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes $connection "GET /one.txt HTTP/1.1`r`nHost: t`r`nContent-Length: 5`r`nContent-Length: 6`r`n`r`nhello!"
            (Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer).Status | Should -Be 400
            Test-ConnectionClosed $connection | Should -BeTrue
        }
        finally { $connection.Client.Dispose() }
    }

    It 'answers a POST with Expect: 100-continue with 405 without waiting for the body (raw socket)' {
        $connection = Open-RawConnection -Port $server.Port -TimeoutMs 5000
        try {
            Send-RawBytes $connection "POST /one.txt HTTP/1.1`r`nHost: t`r`nContent-Length: 1048576`r`nExpect: 100-continue`r`n`r`n"
            $response = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
            $response.Status | Should -Be 405
            "$($response.Headers['Allow'])" | Should -Match 'GET'
            Test-ConnectionClosed $connection | Should -BeTrue -Because 'the unread body makes the connection unusable'
        }
        finally { $connection.Client.Dispose() }
    }

    It 'answers curl -X POST of 1 MB with Expect: 100-continue with 405, quickly and without uploading the body' {
        $upload = Join-Path $TestDrive 'upload.bin'
        $null = New-RandomFile -Path $upload -Length 1MB
        $response = Invoke-Curl "$($server.Url)one.txt" -Arguments @(
            '-X', 'POST', '--data-binary', "@$upload", '-H', 'Expect: 100-continue', '--expect100-timeout', '10') -WriteOut '%{size_upload}' -MaxTime 15
        $response.Status | Should -Be 405
        $response.Elapsed.TotalSeconds | Should -BeLessThan 5
        [long]$response.WriteOut | Should -BeLessThan 1MB
    }

    It 'answers a GET whose body is over the body limit, then closes instead of reading it' {
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes $connection "GET /one.txt HTTP/1.1`r`nHost: t`r`nContent-Length: 10485760`r`n`r`n$('x' * 1000)"
            $response = Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer
            $response.Status | Should -BeIn 200, 400, 413
            Test-ConnectionClosed $connection | Should -BeTrue
        }
        finally { $connection.Client.Dispose() }
    }
}

Describe 'The request log' {
    BeforeAll {
        $root = Join-Path $TestDrive 'log'
        $null = New-Item -ItemType Directory -Force -Path $root
        $null = New-RandomFile -Path (Join-Path $root 'huge.bin') -Length 32MB
        $server = Start-StaticServer $root -Port 0
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'logs a response the client abandons mid-body (as download managers and media players do)' {
        $connection = Open-RawConnection -Port $server.Port
        try {
            Send-RawBytes $connection "GET /huge.bin?abandoned HTTP/1.1`r`nHost: t`r`nRange: bytes=0-`r`n`r`n"
            $received = $connection.Stream.Read([byte[]]::new(4096), 0, 4096)
            $received | Should -BeGreaterThan 0
            $connection.Client.Client.LingerState = [System.Net.Sockets.LingerOption]::new($true, 0) # close with a reset, like a cancelled download
        }
        finally { $connection.Client.Dispose() }
        $record = $server | Get-ServerRequest -Path '/huge.bin' -Wait -Timeout 5 | Where-Object Query -eq 'abandoned' | Select-Object -First 1
        $record | Should -Not -BeNullOrEmpty -Because 'every request the server answered, finished or not, belongs in the log'
        $record.StatusCode | Should -Be 206
        $record.Range | Should -Be 'bytes=0-'
        $record.BytesSent | Should -BeLessThan 32MB
    }
}
