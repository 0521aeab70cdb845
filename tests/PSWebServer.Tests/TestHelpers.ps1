# Shared by every *.Tests.ps1 here: dot-source it in BeforeAll. Not a test file itself (no .Tests. in the name).

# The built module (build.ps1 lays it out in out/PSWebServer and names it in PSWEBSERVER_MODULE); the tests
# never load src/ directly.
$script:ModuleManifest = if ($env:PSWEBSERVER_MODULE) {
    [System.IO.Path]::GetFullPath($env:PSWEBSERVER_MODULE)
}
else {
    [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../out/PSWebServer/PSWebServer.psd1'))
}

function Import-PSWebServer {
    if (-not (Test-Path $script:ModuleManifest)) {
        throw "The module is not built: $script:ModuleManifest is missing. Run ./build.ps1 first."
    }
    Import-Module $script:ModuleManifest -Force -ErrorAction Stop
}

function New-TestSite {
    # A small tree under $TestDrive: a text file, a page, a folder with a default document, a hidden file.
    param([string] $Name = 'site')
    $root = Join-Path $TestDrive $Name
    $null = New-Item -ItemType Directory -Force -Path $root, (Join-Path $root 'sub'), (Join-Path $root 'empty')
    Set-Content -LiteralPath (Join-Path $root 'a.txt') -Value 'hello from a' -NoNewline
    Set-Content -LiteralPath (Join-Path $root 'index.html') -Value '<h1>root index</h1>' -NoNewline
    Set-Content -LiteralPath (Join-Path $root 'sub/index.html') -Value '<h1>sub index</h1>' -NoNewline
    Set-Content -LiteralPath (Join-Path $root 'sub/default.htm') -Value '<h1>sub default</h1>' -NoNewline
    Set-Content -LiteralPath (Join-Path $root '.secret') -Value 'hidden' -NoNewline
    $root
}

function Invoke-TestRequest {
    # One request that never throws on an HTTP status and never follows redirects: the tests look at
    # what the server answered, not at what a client made of it.
    param(
        [Parameter(Mandatory)] [string] $Uri,
        [string] $Method = 'GET'
    )
    Invoke-WebRequest -Uri $Uri -Method $Method -SkipHttpErrorCheck -MaximumRedirection 0 `
        -ErrorAction SilentlyContinue -TimeoutSec 10
}

function Wait-ServerRequest {
    # Waits (bounded) until the server has logged at least $Count requests and returns them all.
    param(
        [Parameter(Mandatory)] $Server,
        [int] $Count = 1,
        [double] $Timeout = 10
    )
    $null = $Server | Get-ServerRequest -Wait -Timeout $Timeout | Select-Object -Skip ($Count - 1) -First 1
    $Server | Get-ServerRequest
}

function Get-FreeTcpPort {
    # A port nothing listens on right now (the OS's pick, released at once).
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Test-TcpConnect {
    param([Parameter(Mandatory)] [int] $Port, [string] $Address = '127.0.0.1')
    $client = [System.Net.Sockets.TcpClient]::new()
    try {
        $client.ConnectAsync($Address, $Port).Wait(3000)
    }
    catch {
        $false
    }
    finally {
        $client.Dispose()
    }
}

function Get-ChildPwshCommand {
    # The PowerShell running these tests, as a command line for a child process. Under the dotnet tool the
    # process is the dotnet host and $PSHOME holds pwsh.dll; under an installed pwsh it is pwsh itself.
    $process = [Environment]::ProcessPath
    if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
    @($process)
}

function Invoke-ChildPwsh {
    # Runs a script in a fresh pwsh (own module state, own registry) and returns its output lines.
    param([Parameter(Mandatory)] [string] $Script, [int] $TimeoutSeconds = 60)
    $file = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
    Set-Content -LiteralPath $file -Value $Script
    Receive-ChildPwsh -Process (Start-ChildPwsh -ScriptFile $file) -TimeoutSeconds $TimeoutSeconds
}

function Receive-ChildPwsh {
    # Waits (bounded) for a started child pwsh with redirected output; returns its exit code, output lines and
    # error text, and never leaves it running.
    param([Parameter(Mandatory)] [System.Diagnostics.Process] $Process, [int] $TimeoutSeconds = 60)
    try {
        $stdout = $Process.StandardOutput.ReadToEndAsync()
        $stderr = $Process.StandardError.ReadToEndAsync()
        if (-not $Process.WaitForExit($TimeoutSeconds * 1000)) {
            throw "The child pwsh did not finish within $TimeoutSeconds s."
        }
        [pscustomobject]@{
            ExitCode = $Process.ExitCode
            Output   = @($stdout.Result -split '\r?\n' | Where-Object { $_ -ne '' })
            Error    = $stderr.Result
        }
    }
    finally {
        if (-not $Process.HasExited) { $Process.Kill($true) }
        $Process.Dispose()
    }
}

function Test-SigIntIgnored {
    # Whether this process ignores SIGINT (Linux: bit 2 of SigIgn in /proc/self/status). A shell without job control
    # starts background commands that way (`cmd &` in a script), and a child inherits it, so Ctrl+C never reaches it.
    $status = '/proc/self/status'
    if (-not (Test-Path -LiteralPath $status)) { return $false }
    $line = Get-Content -LiteralPath $status | Where-Object { $_ -like 'SigIgn:*' } | Select-Object -First 1
    if (-not $line) { return $false }
    ([Convert]::ToUInt64($line.Split(':')[1].Trim(), 16) -band 2) -ne 0
}

function Start-ChildPwsh {
    # Starts a child pwsh on a script file with redirected output and returns the Process (caller disposes).
    # -DefaultSigInt: the child gets SIGINT's default handling, as at a terminal, even when this run ignores it.
    param([Parameter(Mandatory)] [string] $ScriptFile, [switch] $DefaultSigInt)
    $exe, $rest = Get-ChildPwshCommand
    if ($DefaultSigInt -and (Test-SigIntIgnored)) {
        $rest = @('--default-signal=INT', $exe) + @($rest)
        $exe = (Get-Command env -CommandType Application | Select-Object -First 1).Source
    }
    $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
    foreach ($arg in @($rest) + @('-NoProfile', '-NonInteractive', '-File', $ScriptFile)) {
        if ($arg) { $info.ArgumentList.Add($arg) }
    }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $info.Environment['NO_COLOR'] = '1'
    [System.Diagnostics.Process]::Start($info)
}

function Read-ChildLine {
    # Reads stdout lines of a running child until one matches $Pattern; throws after $TimeoutSeconds.
    param(
        [Parameter(Mandatory)] [System.Diagnostics.Process] $Process,
        [Parameter(Mandatory)] [string] $Pattern,
        [int] $TimeoutSeconds = 20
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $left = $deadline - [DateTime]::UtcNow
        if ($left -le [TimeSpan]::Zero) { throw "No line matching '$Pattern' from the child within $TimeoutSeconds s." }
        $task = $Process.StandardOutput.ReadLineAsync()
        if (-not $task.Wait($left)) { throw "No line matching '$Pattern' from the child within $TimeoutSeconds s." }
        $line = $task.Result
        if ($null -eq $line) { throw "The child ended before writing a line matching '$Pattern'. Its errors: $($Process.StandardError.ReadToEnd())" }
        if ($line -match $Pattern) { return $line }
    }
}
