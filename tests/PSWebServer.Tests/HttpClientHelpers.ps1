# Helpers for HttpFeatures.Tests.ps1 and RealClients.Tests.ps1: running real clients (curl, aria2c, wget2,
# chromium) with bounded time, raw HTTP over a TcpClient, multipart/byteranges parsing and test files.
# Dot-source it after TestHelpers.ps1 in BeforeAll. Not a test file itself (no .Tests. in the name).

function Get-ToolPath {
    # The path of the first of $Name found on PATH. A missing tool throws, so the test that needs it fails:
    # CI installs every client these tests drive, and a silently skipped proof proves nothing.
    param([Parameter(Mandatory)] [string[]] $Name)
    foreach ($candidate in $Name) {
        $command = Get-Command $candidate -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($command) { return $command.Source }
    }
    throw "None of '$($Name -join "', '")' is installed; the CI image must provide it (see .ci/run)."
}

function Invoke-Native {
    # Runs a program with an exact argument list (no shell, no quoting rules), bounded in time; returns
    # ExitCode, StdOut, StdErr and Elapsed. Past the timeout the process tree is killed and this throws.
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [int] $TimeoutSeconds = 30,
        [string] $WorkingDirectory,
        # written to the program's standard input, which is then closed (closed at once without it)
        [string] $InputText
    )
    $info = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($arg in $ArgumentList) { $info.ArgumentList.Add($arg) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    if ($WorkingDirectory) { $info.WorkingDirectory = $WorkingDirectory }
    # Clients must talk to 127.0.0.1 directly whatever the environment says.
    foreach ($name in 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY') { $null = $info.Environment.Remove($name) }
    $info.Environment['no_proxy'] = '*'
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($info)
    try {
        if ($InputText) { $process.StandardInput.Write($InputText) }
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "'$FilePath $($ArgumentList -join ' ')' did not finish within $TimeoutSeconds s."
        }
        $process.WaitForExit() # lets the output readers finish
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            StdOut   = $stdout.Result
            StdErr   = $stderr.Result
            Elapsed  = $watch.Elapsed
        }
    }
    finally {
        if (-not $process.HasExited) { $process.Kill($true) }
        $process.Dispose()
    }
}

function ConvertFrom-HeaderBlock {
    # The status and headers of the LAST response head in a block of heads (curl -D writes 1xx heads too).
    # Headers go in a case-insensitive hashtable; a repeated name gets its values joined with ', '.
    param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Text)
    $blocks = @($Text -split '\r?\n\r?\n' | Where-Object { $_ -match '^HTTP/' })
    if ($blocks.Count -eq 0) { return [pscustomobject]@{ Status = 0; Headers = @{} } }
    $lines = $blocks[-1] -split '\r?\n'
    $status = [int]($lines[0] -split ' ')[1]
    $headers = [hashtable]::new([StringComparer]::OrdinalIgnoreCase)
    foreach ($line in $lines | Select-Object -Skip 1) {
        $colon = $line.IndexOf(':')
        if ($colon -le 0) { continue }
        $name = $line.Substring(0, $colon).Trim()
        $value = $line.Substring($colon + 1).Trim()
        $headers[$name] = if ($headers.ContainsKey($name)) { $headers[$name] + ', ' + $value } else { $value }
    }
    [pscustomobject]@{ Status = $status; Headers = $headers }
}

function Invoke-Curl {
    # One curl request; returns Status, Headers (of the final response), Body (bytes as received, or decoded
    # with --compressed), ExitCode, StdErr, Elapsed and WriteOut (-w). Never follows redirects.
    param(
        [Parameter(Mandatory)] [string] $Url,
        [string[]] $Arguments = @(),
        [string] $WriteOut = '',
        [int] $MaxTime = 20
    )
    $curl = Get-ToolPath curl
    $folder = Join-Path $TestDrive 'curl'
    $null = New-Item -ItemType Directory -Force -Path $folder
    $id = [guid]::NewGuid().ToString('N')
    $headerFile = Join-Path $folder "$id.head"
    $bodyFile = Join-Path $folder "$id.body"
    $argumentList = @('-sS', '--noproxy', '*', '--max-time', "$MaxTime", '-D', $headerFile, '-o', $bodyFile) + $Arguments
    if ($WriteOut) { $argumentList += @('-w', $WriteOut) }
    $argumentList += $Url
    $run = Invoke-Native -FilePath $curl -ArgumentList $argumentList -TimeoutSeconds ($MaxTime + 10)
    $head = if (Test-Path -LiteralPath $headerFile) { Get-Content -LiteralPath $headerFile -Raw } else { '' }
    $parsed = ConvertFrom-HeaderBlock -Text "$head"
    $body = if (Test-Path -LiteralPath $bodyFile) { [System.IO.File]::ReadAllBytes($bodyFile) } else { [byte[]]::new(0) }
    [pscustomobject]@{
        Status   = $parsed.Status
        Headers  = $parsed.Headers
        Body     = [byte[]] $body
        ExitCode = $run.ExitCode
        StdErr   = $run.StdErr
        WriteOut = $run.StdOut
        Elapsed  = $run.Elapsed
    }
}

function Get-Sha256 {
    # Hex SHA-256 of bytes: compares big bodies without megabyte-long failure messages.
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [byte[]] $Bytes)
    [Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData($Bytes))
}

function Get-ByteSlice {
    param([Parameter(Mandatory)] [byte[]] $Bytes, [long] $Start, [long] $Length)
    $slice = [byte[]]::new($Length)
    [Array]::Copy($Bytes, $Start, $slice, 0, $Length)
    , $slice
}

function Get-RangeParts {
    # The byte ranges a 206 carries, as Start, End, Total and Bytes: one from Content-Range, or each part of
    # a multipart/byteranges body (RFC 9110 §14.6), parsed byte-exact through Latin-1.
    param([Parameter(Mandatory)] $Response)
    $contentType = "$($Response.Headers['Content-Type'])"
    if ($contentType -notmatch '^multipart/byteranges;\s*boundary=("?)([^";]+)\1') {
        if ("$($Response.Headers['Content-Range'])" -notmatch '^bytes (\d+)-(\d+)/(\d+)$') {
            throw "A 206 without a usable Content-Range: '$($Response.Headers['Content-Range'])'."
        }
        return , @([pscustomobject]@{ Start = [long]$Matches[1]; End = [long]$Matches[2]; Total = [long]$Matches[3]; Bytes = [byte[]]$Response.Body })
    }
    $boundary = $Matches[2]
    $latin1 = [System.Text.Encoding]::Latin1
    $text = $latin1.GetString($Response.Body)
    $delimiter = "--$boundary"
    $parts = [System.Collections.Generic.List[object]]::new()
    $position = $text.IndexOf($delimiter, [StringComparison]::Ordinal)
    if ($position -lt 0) { throw 'The multipart body holds no boundary.' }
    $closed = $false
    while ($position -ge 0) {
        $position += $delimiter.Length
        if ($text.Substring($position, 2) -eq '--') { $closed = $true; break }
        $headEnd = $text.IndexOf("`r`n`r`n", $position, [StringComparison]::Ordinal)
        if ($headEnd -lt 0) { throw 'A multipart part without the end of its head.' }
        $partHead = $text.Substring($position, $headEnd - $position)
        if ($partHead -notmatch '(?im)^Content-Range:\s*bytes (\d+)-(\d+)/(\d+)\s*$') { throw "A part without Content-Range: $partHead" }
        $start = [long]$Matches[1]; $end = [long]$Matches[2]; $total = [long]$Matches[3]
        $dataStart = $headEnd + 4
        $length = $end - $start + 1
        $bytes = Get-ByteSlice -Bytes $Response.Body -Start $dataStart -Length $length
        if ($text.Substring($dataStart + $length, 2 + $delimiter.Length) -ne "`r`n$delimiter") {
            throw "Part $start-$end is not followed by CRLF and the boundary."
        }
        $parts.Add([pscustomobject]@{ Start = $start; End = $end; Total = $total; Bytes = $bytes; Head = $partHead })
        $position = $dataStart + $length + 2
    }
    if (-not $closed) { throw 'The multipart body has no closing boundary.' }
    , $parts.ToArray()
}

function Read-HttpResponse {
    # Reads one response from a stream: the head, then a body framed by Content-Length (none for 1xx, 204, 304
    # or a response to HEAD). $Buffer carries bytes read past one response into the next call.
    param(
        [Parameter(Mandatory)] [System.IO.Stream] $Stream,
        [Parameter(Mandatory)] [System.IO.MemoryStream] $Buffer,
        [switch] $HeadRequest
    )
    $latin1 = [System.Text.Encoding]::Latin1
    $chunk = [byte[]]::new(65536)
    while ($true) {
        $text = $latin1.GetString($Buffer.GetBuffer(), 0, [int]$Buffer.Length)
        $end = $text.IndexOf("`r`n`r`n", [StringComparison]::Ordinal)
        if ($end -ge 0) { break }
        $n = $Stream.Read($chunk, 0, $chunk.Length)
        if ($n -le 0) { return $null } # closed before a whole head
        $Buffer.Write($chunk, 0, $n)
    }
    $parsed = ConvertFrom-HeaderBlock -Text $text.Substring(0, $end + 4)
    $bodyLength = 0
    if (-not $HeadRequest -and $parsed.Status -ge 200 -and $parsed.Status -notin 204, 304 -and $parsed.Headers['Content-Length']) {
        $bodyLength = [int]$parsed.Headers['Content-Length']
    }
    while ($Buffer.Length -lt $end + 4 + $bodyLength) {
        $n = $Stream.Read($chunk, 0, $chunk.Length)
        if ($n -le 0) { throw 'The connection closed in the middle of a response body.' }
        $Buffer.Write($chunk, 0, $n)
    }
    $all = $Buffer.ToArray()
    $body = Get-ByteSlice -Bytes $all -Start ($end + 4) -Length $bodyLength
    $rest = $all.Length - ($end + 4 + $bodyLength)
    $Buffer.SetLength(0)
    if ($rest -gt 0) { $Buffer.Write($all, $end + 4 + $bodyLength, $rest) }
    [pscustomobject]@{ Status = $parsed.Status; Headers = $parsed.Headers; Body = $body; Head = $text.Substring(0, $end) }
}

function Open-RawConnection {
    # A TcpClient to 127.0.0.1:$Port whose reads give up after $TimeoutMs (so no test can hang on a socket).
    param([Parameter(Mandatory)] [int] $Port, [int] $TimeoutMs = 5000)
    $client = [System.Net.Sockets.TcpClient]::new()
    if (-not $client.ConnectAsync('127.0.0.1', $Port).Wait($TimeoutMs)) { $client.Dispose(); throw "No connection to port $Port." }
    $client.ReceiveTimeout = $TimeoutMs
    $client.SendTimeout = $TimeoutMs
    $client.NoDelay = $true
    [pscustomobject]@{ Client = $client; Stream = $client.GetStream(); Buffer = [System.IO.MemoryStream]::new() }
}

function Send-RawBytes {
    param([Parameter(Mandatory)] $Connection, [Parameter(Mandatory)] [string] $Text)
    $bytes = [System.Text.Encoding]::Latin1.GetBytes($Text)
    $Connection.Stream.Write($bytes, 0, $bytes.Length)
    $Connection.Stream.Flush()
}

function Test-ConnectionClosed {
    # Whether the server has closed the connection (a read returns 0 or the socket is reset) within $TimeoutMs.
    param([Parameter(Mandatory)] $Connection, [int] $TimeoutMs = 3000)
    $Connection.Client.ReceiveTimeout = $TimeoutMs
    try {
        $n = $Connection.Stream.Read([byte[]]::new(1024), 0, 1024)
        return $n -eq 0
    }
    catch [System.IO.IOException] {
        $socketError = $_.Exception.InnerException -as [System.Net.Sockets.SocketException]
        if ($socketError -and $socketError.SocketErrorCode -eq 'TimedOut') { return $false }
        return $true # reset
    }
}

function Invoke-RawRequest {
    # Sends $Text on a fresh connection and reads one response; closes the connection.
    param([Parameter(Mandatory)] [int] $Port, [Parameter(Mandatory)] [string] $Text, [switch] $HeadRequest)
    $connection = Open-RawConnection -Port $Port
    try {
        Send-RawBytes -Connection $connection -Text $Text
        Read-HttpResponse -Stream $connection.Stream -Buffer $connection.Buffer -HeadRequest:$HeadRequest
    }
    finally {
        $connection.Client.Dispose()
    }
}

function New-RandomFile {
    # A file of $Length pseudo-random bytes (incompressible, so no two ranges look alike); returns the bytes.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [long] $Length, [int] $Seed = 42)
    $bytes = [byte[]]::new($Length)
    [System.Random]::new($Seed).NextBytes($bytes)
    [System.IO.File]::WriteAllBytes($Path, $bytes)
    , $bytes
}

function New-TextFile {
    # A compressible text file of exactly $Length ASCII bytes (varied lines, so it is not trivially small compressed).
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [int] $Length, [string] $Prefix = '')
    $builder = [System.Text.StringBuilder]::new($Prefix)
    $line = 0
    while ($builder.Length -lt $Length) {
        $null = $builder.Append("/* line $line of $([System.IO.Path]::GetFileName($Path)): the quick brown fox $($line * 7919 % 1000) */`n")
        $line++
    }
    $bytes = [System.Text.Encoding]::ASCII.GetBytes($builder.ToString(0, $Length))
    [System.IO.File]::WriteAllBytes($Path, $bytes)
    , $bytes
}

function ConvertFrom-Compressed {
    # Decodes a gzip or br body with System.IO.Compression.
    param([Parameter(Mandatory)] [byte[]] $Bytes, [Parameter(Mandatory)] [ValidateSet('gzip', 'br')] [string] $Coding)
    $source = [System.IO.MemoryStream]::new($Bytes)
    $decoder = if ($Coding -eq 'gzip') {
        [System.IO.Compression.GZipStream]::new($source, [System.IO.Compression.CompressionMode]::Decompress)
    }
    else {
        [System.IO.Compression.BrotliStream]::new($source, [System.IO.Compression.CompressionMode]::Decompress)
    }
    $target = [System.IO.MemoryStream]::new()
    try { $decoder.CopyTo($target) } finally { $decoder.Dispose() }
    , $target.ToArray()
}

function ConvertTo-Compressed {
    param([Parameter(Mandatory)] [byte[]] $Bytes, [Parameter(Mandatory)] [ValidateSet('gzip', 'br')] [string] $Coding)
    $target = [System.IO.MemoryStream]::new()
    $encoder = if ($Coding -eq 'gzip') {
        [System.IO.Compression.GZipStream]::new($target, [System.IO.Compression.CompressionLevel]::SmallestSize, $true)
    }
    else {
        [System.IO.Compression.BrotliStream]::new($target, [System.IO.Compression.CompressionLevel]::SmallestSize, $true)
    }
    try { $encoder.Write($Bytes, 0, $Bytes.Length) } finally { $encoder.Dispose() }
    , $target.ToArray()
}

function New-WavFile {
    # A valid RIFF/WAVE file: 16-bit mono PCM, a sine tone of $Seconds at $SampleRate.
    param([Parameter(Mandatory)] [string] $Path, [double] $Seconds = 3, [int] $SampleRate = 44100, [double] $Frequency = 440)
    $samples = [int]($Seconds * $SampleRate)
    $dataBytes = $samples * 2
    $stream = [System.IO.MemoryStream]::new(44 + $dataBytes)
    $writer = [System.IO.BinaryWriter]::new($stream)
    $writer.Write([System.Text.Encoding]::ASCII.GetBytes('RIFF')); $writer.Write([int](36 + $dataBytes))
    $writer.Write([System.Text.Encoding]::ASCII.GetBytes('WAVE'))
    $writer.Write([System.Text.Encoding]::ASCII.GetBytes('fmt ')); $writer.Write([int]16)
    $writer.Write([int16]1); $writer.Write([int16]1)                  # PCM, mono
    $writer.Write([int]$SampleRate); $writer.Write([int]($SampleRate * 2)) # sample rate, byte rate
    $writer.Write([int16]2); $writer.Write([int16]16)                 # block align, bits per sample
    $writer.Write([System.Text.Encoding]::ASCII.GetBytes('data')); $writer.Write([int]$dataBytes)
    $step = 2 * [Math]::PI * $Frequency / $SampleRate
    for ($i = 0; $i -lt $samples; $i++) { $writer.Write([int16](12000 * [Math]::Sin($i * $step))) }
    $writer.Flush()
    [System.IO.File]::WriteAllBytes($Path, $stream.ToArray())
    $writer.Dispose()
}

function Invoke-Chromium {
    # Headless Chromium with the flags CI needs and a fresh profile; $Arguments add the task (--screenshot,
    # --dump-dom, ...). Bounded by $TimeoutSeconds (the process tree is killed past it).
    param([Parameter(Mandatory)] [string[]] $Arguments, [int] $TimeoutSeconds = 60)
    $chromium = Get-ToolPath chromium, chromium-browser, google-chrome
    $profileDir = Join-Path $TestDrive ("chromium-profile-{0}" -f [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Force -Path $profileDir
    $flags = @(
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-dev-shm-usage', '--no-proxy-server',
        '--disable-extensions', '--hide-scrollbars', "--user-data-dir=$profileDir"
    )
    Invoke-Native -FilePath $chromium -ArgumentList ($flags + $Arguments) -TimeoutSeconds $TimeoutSeconds -WorkingDirectory $TestDrive
}

function Get-PngStatistic {
    # Decodes an 8-bit RGB/RGBA PNG (what Chromium writes) and reports Width, Height, the number of distinct
    # colours and the share of pixels that differ from the most common colour: a blank page has 1 colour and 0.
    param([Parameter(Mandatory)] [string] $Path)
    if (-not ('PSWebServerTests.PngStatistics' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
namespace PSWebServerTests {
public static class PngStatistics {
    public static int[] Measure(byte[] png) {
        if (png.Length < 33 || png[0] != 0x89 || png[1] != (byte)'P') throw new InvalidDataException("not a PNG");
        int pos = 8, width = 0, height = 0, bitDepth = 0, colorType = 0;
        var idat = new MemoryStream();
        while (pos + 8 <= png.Length) {
            int len = (png[pos] << 24) | (png[pos + 1] << 16) | (png[pos + 2] << 8) | png[pos + 3];
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            if (type == "IHDR") {
                width = (png[pos + 8] << 24) | (png[pos + 9] << 16) | (png[pos + 10] << 8) | png[pos + 11];
                height = (png[pos + 12] << 24) | (png[pos + 13] << 16) | (png[pos + 14] << 8) | png[pos + 15];
                bitDepth = png[pos + 16]; colorType = png[pos + 17];
            } else if (type == "IDAT") idat.Write(png, pos + 8, len);
            else if (type == "IEND") break;
            pos += 12 + len;
        }
        if (bitDepth != 8 || (colorType != 2 && colorType != 6)) throw new InvalidDataException("only 8-bit RGB/RGBA is decoded");
        int bpp = colorType == 6 ? 4 : 3, stride = width * bpp;
        idat.Position = 0;
        var raw = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        byte[] data = raw.ToArray();
        var prev = new byte[stride]; var cur = new byte[stride];
        var counts = new Dictionary<int, int>();
        for (int y = 0; y < height; y++) {
            int filter = data[y * (stride + 1)];
            Buffer.BlockCopy(data, y * (stride + 1) + 1, cur, 0, stride);
            for (int i = 0; i < stride; i++) {
                int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
                int p;
                switch (filter) {
                    case 0: p = 0; break;
                    case 1: p = a; break;
                    case 2: p = b; break;
                    case 3: p = (a + b) >> 1; break;
                    case 4: { int pa = Math.Abs(b - c), pb = Math.Abs(a - c), pc = Math.Abs(a + b - 2 * c);
                              p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
                    default: throw new InvalidDataException("bad filter " + filter);
                }
                cur[i] = (byte)(cur[i] + p);
            }
            for (int x = 0; x < width; x++) {
                int o = x * bpp, rgb = (cur[o] << 16) | (cur[o + 1] << 8) | cur[o + 2];
                counts.TryGetValue(rgb, out int n); counts[rgb] = n + 1;
            }
            var t = prev; prev = cur; cur = t;
        }
        int most = 0;
        foreach (int n in counts.Values) most = Math.Max(most, n);
        long total = (long)width * height;
        return new[] { width, height, counts.Count, (int)((total - most) * 10000 / Math.Max(1, total)) };
    }
}
}
'@
    }
    $result = [PSWebServerTests.PngStatistics]::Measure([System.IO.File]::ReadAllBytes($Path))
    [pscustomobject]@{
        Width           = $result[0]
        Height          = $result[1]
        DistinctColors  = $result[2]
        NonBackground   = $result[3] / 10000.0 # share of pixels not of the most common colour
    }
}
