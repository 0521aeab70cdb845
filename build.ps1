#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds, tests and serves PSWebServer.

.DESCRIPTION
    Build  (default) dotnet build PSWebServer.sln -c Release, then lay the importable module out in
                     out/PSWebServer/ (manifest, format file, help, PSWebServer.dll, PSWebServer.Core.dll).
    Test             Build, run the xunit suite (dotnet test) and the Pester suite (in a child pwsh),
                     then print one line "tests: N passed, M failed". Exit code 1 when anything failed.
    Serve            Build, then serve -Path (./wwwroot) on -Port (8080) from a child pwsh until Ctrl+C.
    Package          Build, then pack out/PSWebServer/ into out/package/PSWebServer.<version>.nupkg with
                     PSResourceGet's Compress-PSResource (in a child pwsh) and print the package's path. The
                     .nupkg is what Publish-PSResource -NupkgPath puts in a repository (a folder, a feed or a
                     gallery) and what Install-PSResource installs from it. -NoBuild packs out/PSWebServer/ as
                     it is (the package test uses it, after the Test task has built).
    Bench            Run bench/run-bench.sh, passing the remaining arguments through.
    Fuzz             Coverage-guided fuzzing (Linux): build tests/PSWebServer.Fuzz, instrument PSWebServer.Core.dll
                     with sharpfuzz (dotnet tool), then run afl-fuzz (Debian package afl++, installed when missing
                     and running as root) for -Seconds on each -FuzzTarget (all five by default), seeded from
                     tests/PSWebServer.Fuzz/corpus/<target>/. Prints execs and crashes per target; each crash is
                     copied to tests/PSWebServer.Fuzz/regressions/<target>/, which the xunit suite replays
                     (FuzzTargetsTests), and the run exits 1. Work files: out/fuzz/.
    Clean            Remove out/ and every bin/ and obj/ folder under src/ and tests/.

    This process never imports the module itself: a pwsh that loaded the DLLs keeps the old types,
    so every step that needs the module runs it in a child pwsh.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Serve -Port 9000 -Path ./wwwroot/docs

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Package

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Fuzz -Seconds 60 -FuzzTarget parser
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Serve', 'Package', 'Bench', 'Fuzz', 'Clean')]
    [string] $Task = 'Build',

    # Serve: the port to listen on.
    [ValidateRange(0, 65535)]
    [int] $Port = 8080,

    # Serve: the folder to serve (relative to the repository root or absolute).
    [string] $Path = './wwwroot',

    # Test: upper bound for the Pester run, in minutes (xunit is bounded by --blame-hang-timeout).
    [ValidateRange(1, 120)]
    [int] $TestTimeoutMinutes = 10,

    # Fuzz: how long afl-fuzz runs on each target, in seconds.
    [ValidateRange(5, 86400)]
    [int] $Seconds = 60,

    # Fuzz: the targets to fuzz (default: all of them, one after the other).
    [ValidateSet('parser', 'percent-decoding', 'ranges', 'paths', 'chunked')]
    [string[]] $FuzzTarget = @('parser', 'percent-decoding', 'ranges', 'paths', 'chunked'),

    # Package: pack the module already laid out in out/PSWebServer/ instead of building it first.
    [switch] $NoBuild,

    # Bench: everything else on the command line goes to bench/run-bench.sh.
    [Parameter(ValueFromRemainingArguments)]
    [string[]] $BenchArgs = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Native commands report failure through $LASTEXITCODE, which every call below checks.
$PSNativeCommandUseErrorActionPreference = $false

$RepoRoot     = $PSScriptRoot
$OutDir       = Join-Path $RepoRoot 'out'
$ModuleOut    = Join-Path $OutDir 'PSWebServer'
$ManifestOut  = Join-Path $ModuleOut 'PSWebServer.psd1'
$ResultsDir   = Join-Path $OutDir 'test-results'
$PackageOut   = Join-Path $OutDir 'package'
$ToolsDir     = Join-Path $OutDir 'tools'
$Solution     = Join-Path $RepoRoot 'PSWebServer.sln'
$ModuleSource = Join-Path $RepoRoot 'module'
$BinarySource = Join-Path $RepoRoot 'src/PSWebServer/bin/Release/net8.0'
$CoreTests    = Join-Path $RepoRoot 'tests/PSWebServer.Core.Tests'
$PesterTests  = Join-Path $RepoRoot 'tests/PSWebServer.Tests'
$PesterRestore = Join-Path $PesterTests 'PesterRestore.csproj'
$PesterVersion = '5.7.1'
# The module ships exactly these assemblies; PowerShell itself provides System.Management.Automation.
$ModuleAssemblies = @('PSWebServer.dll', 'PSWebServer.Core.dll')

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    # Runs a native command, echoes it, and throws when it exits non-zero.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    Write-Host "    $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    # Out-Host keeps the tool's output out of the calling function's return value.
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-ChildPwshCommand {
    # The same PowerShell as this one. Under the dotnet tool the process is the dotnet host and
    # $PSHOME holds pwsh.dll; under an installed pwsh the process is pwsh itself.
    $process = [Environment]::ProcessPath
    $name = [IO.Path]::GetFileNameWithoutExtension($process)
    if ($name -eq 'dotnet') {
        return @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return @($process)
}

function Start-ChildPwsh {
    # Starts a child pwsh running a script file; output goes straight to this console.
    param([Parameter(Mandatory)] [string] $ScriptPath, [string[]] $ScriptArgs = @())
    $command = @(Get-ChildPwshCommand)
    $psi = [Diagnostics.ProcessStartInfo]::new($command[0])
    foreach ($a in @($command | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath) + $ScriptArgs) {
        $psi.ArgumentList.Add($a)
    }
    $psi.UseShellExecute = $false
    $psi.WorkingDirectory = $RepoRoot
    return [Diagnostics.Process]::Start($psi)
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $listing = & dotnet nuget locals global-packages --list 2>$null
    if ($LASTEXITCODE -eq 0) {
        foreach ($line in @($listing)) {
            if ("$line" -match '^\s*global-packages:\s*(.+?)\s*$') { return $Matches[1] }
        }
    }
    return Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

$VerifyChildScript = @'
# Generated by build.ps1: checks that the laid-out module imports and exports its cmdlets.
param([Parameter(Mandatory)] [string] $ModuleManifest)
$ErrorActionPreference = 'Stop'
$module = Import-Module -Name $ModuleManifest -PassThru
$commands = @($module.ExportedCmdlets.Keys | Sort-Object)
if ($commands.Count -eq 0) { throw "$ModuleManifest exports no cmdlets." }
Write-Host "    PSWebServer $($module.Version): $($commands -join ', ')"
'@

function Invoke-Build {
    Write-Step 'Build: dotnet build PSWebServer.sln -c Release'
    Invoke-Native dotnet @('build', $Solution, '-c', 'Release', '--nologo', '-v', 'minimal')

    Write-Step "Layout: module -> $([IO.Path]::GetRelativePath($RepoRoot, $ModuleOut))"
    if (-not (Test-Path -LiteralPath (Join-Path $ModuleSource 'PSWebServer.psd1'))) {
        throw "module/PSWebServer.psd1 not found: the module manifest is missing."
    }
    # Lay out in a staging folder, then swap it in by renaming: a pwsh importing the module meanwhile
    # (another build, a running test) sees the old or the new module, never a half-copied DLL.
    $staging = "$ModuleOut.new-$PID"
    $previous = "$ModuleOut.old-$PID"
    Remove-Item -LiteralPath $staging, $previous -Recurse -Force -ErrorAction SilentlyContinue
    $null = New-Item -ItemType Directory -Path $staging -Force
    # Manifest, format file(s), help folders (en-US/...): everything module/ holds.
    Get-ChildItem -LiteralPath $ModuleSource -Force | Copy-Item -Destination $staging -Recurse -Force
    foreach ($dll in $ModuleAssemblies) {
        $source = Join-Path $BinarySource $dll
        if (-not (Test-Path -LiteralPath $source)) { throw "Build output not found: $source" }
        Copy-Item -LiteralPath $source -Destination $staging -Force
    }
    $stray = @(Get-ChildItem -LiteralPath $staging -Recurse -File -Include '*.dll', '*.deps.json' |
        Where-Object Name -NotIn $ModuleAssemblies)
    if ($stray.Count -gt 0) {
        Remove-Item -LiteralPath $staging -Recurse -Force
        throw "Unexpected binaries in module/: $($stray.Name -join ', ')"
    }
    if (Test-Path -LiteralPath $ModuleOut) {
        [IO.Directory]::Move($ModuleOut, $previous)
    }
    [IO.Directory]::Move($staging, $ModuleOut)
    if (Test-Path -LiteralPath $previous) {
        Remove-Item -LiteralPath $previous -Recurse -Force
    }
    Get-ChildItem -LiteralPath $ModuleOut -Recurse -File | ForEach-Object {
        Write-Host "    $([IO.Path]::GetRelativePath($RepoRoot, $_.FullName))" -ForegroundColor DarkGray
    }

    # Import in a child: this process must never load the module (it would keep the old types).
    Write-Step 'Verify: Import-Module out/PSWebServer/PSWebServer.psd1 (child pwsh)'
    $null = New-Item -ItemType Directory -Path $ToolsDir -Force
    $verifyScript = Join-Path $ToolsDir 'verify-module.ps1'
    Set-Content -LiteralPath $verifyScript -Value $VerifyChildScript -Encoding utf8
    $child = Start-ChildPwsh -ScriptPath $verifyScript -ScriptArgs @('-ModuleManifest', $ManifestOut)
    if (-not $child.WaitForExit(120000)) { $child.Kill($true); throw 'Importing the module did not finish in 2 minutes.' }
    if ($child.ExitCode -ne 0) { throw "Importing the built module failed (exit code $($child.ExitCode))." }
}

function Read-TrxCounts([string] $TrxPath) {
    # <TestRun><ResultSummary><Counters total= executed= passed= failed= error= timeout= aborted= .../>
    [xml] $trx = Get-Content -LiteralPath $TrxPath -Raw
    $counters = $trx.SelectSingleNode("//*[local-name()='ResultSummary']/*[local-name()='Counters']")
    if ($null -eq $counters) { throw "No Counters element in $TrxPath" }
    $get = { param($name) $v = $counters.GetAttribute($name); if ($v) { [int]$v } else { 0 } }
    # The names of the tests that did not pass, so the last lines of a CI log say which ones they were.
    $notPassed = $trx.SelectNodes("//*[local-name()='UnitTestResult'][@outcome!='Passed' and @outcome!='NotExecuted']")
    [pscustomobject]@{
        Passed      = & $get 'passed'
        Failed      = (& $get 'failed') + (& $get 'error') + (& $get 'timeout') + (& $get 'aborted')
        Total       = & $get 'total'
        FailedNames = @($notPassed | ForEach-Object { "$($_.GetAttribute('testName')) ($($_.GetAttribute('outcome')))" })
    }
}

function Invoke-XunitTests {
    # Returns passed/failed counts and whether the step itself succeeded.
    $trxName = 'xunit.trx'
    $trxPath = Join-Path $ResultsDir $trxName
    Remove-Item -LiteralPath $trxPath -Force -ErrorAction SilentlyContinue
    Write-Step 'Test: xunit (dotnet test tests/PSWebServer.Core.Tests -c Release --no-build)'
    $arguments = @('test', $CoreTests, '-c', 'Release', '--no-build', '--nologo',
        '--logger', "trx;LogFileName=$trxName", '--results-directory', $ResultsDir,
        '--blame-hang-timeout', '5m')
    Write-Host "    dotnet $($arguments -join ' ')" -ForegroundColor DarkGray
    & dotnet @arguments | Out-Host
    $exitCode = $LASTEXITCODE
    $result = [pscustomobject]@{ Name = 'xunit'; Passed = 0; Failed = 0; Ok = ($exitCode -eq 0); Reason = ''; FailedNames = @() }
    if (Test-Path -LiteralPath $trxPath) {
        $counts = Read-TrxCounts $trxPath
        $result.Passed = $counts.Passed
        $result.Failed = $counts.Failed
        $result.FailedNames = $counts.FailedNames
    }
    elseif ($exitCode -eq 0) {
        # A test project without tests yet: dotnet test succeeds and may write no report.
        Write-Host '    xunit: no TRX written (no tests discovered).' -ForegroundColor Yellow
    }
    if ($exitCode -ne 0) { $result.Reason = "dotnet test exited with code $exitCode" }
    Write-Host "    xunit: $($result.Passed) passed, $($result.Failed) failed"
    return $result
}

$PesterChildScript = @'
# Generated by build.ps1: runs Pester in its own process and reports counts as JSON.
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultXml,
    [Parameter(Mandatory)] [string] $CountsJson
)
# No global $ErrorActionPreference here: the tests run with PowerShell's defaults.
Import-Module -Name $PesterManifest -Force -ErrorAction Stop
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultXml
$run = Invoke-Pester -Configuration $config
# A failed BeforeAll/AfterAll or a file that does not even parse is a failure too.
$failed = $run.FailedCount + $run.FailedContainersCount
if ($run.FailedCount -eq 0) { $failed += $run.FailedBlocksCount }
[ordered]@{
    Passed  = $run.PassedCount
    Failed  = $failed
    Skipped = $run.SkippedCount
    NotRun  = $run.NotRunCount
    Total   = $run.TotalCount
    Result  = "$($run.Result)"
    # Test paths (Describe > Context > It) and the files whose setup failed, for the summary at the end.
    FailedNames = @(@($run.Failed | ForEach-Object { $_.ExpandedPath }) +
        @($run.FailedContainers | ForEach-Object { "$($_.Item) (container)" }) +
        @($run.FailedBlocks | ForEach-Object { "$($_.ExpandedPath) (block)" }))
} | ConvertTo-Json | Set-Content -LiteralPath $CountsJson -Encoding utf8
'@

function Invoke-PesterTests {
    $result = [pscustomobject]@{ Name = 'Pester'; Passed = 0; Failed = 0; Ok = $true; Reason = ''; FailedNames = @() }

    Write-Step "Test: restore Pester $PesterVersion (dotnet restore PesterRestore.csproj)"
    Invoke-Native dotnet @('restore', $PesterRestore, '--nologo', '-v', 'minimal')
    $packages = Get-NuGetPackagesFolder
    $pesterManifest = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $pesterManifest)) {
        throw "Pester $PesterVersion not found at $pesterManifest after restore."
    }
    Write-Host "    Pester: $pesterManifest" -ForegroundColor DarkGray

    $null = New-Item -ItemType Directory -Path $ToolsDir -Force
    $childScript = Join-Path $ToolsDir 'invoke-pester.ps1'
    Set-Content -LiteralPath $childScript -Value $PesterChildScript -Encoding utf8
    $countsJson = Join-Path $ResultsDir 'pester-counts.json'
    $resultXml = Join-Path $ResultsDir 'pester.xml'
    Remove-Item -LiteralPath $countsJson, $resultXml -Force -ErrorAction SilentlyContinue

    Write-Step 'Test: Pester tests/PSWebServer.Tests (child pwsh)'
    $env:PSWEBSERVER_MODULE = $ManifestOut
    $child = Start-ChildPwsh -ScriptPath $childScript -ScriptArgs @(
        '-PesterManifest', $pesterManifest, '-TestPath', $PesterTests,
        '-ResultXml', $resultXml, '-CountsJson', $countsJson)
    if (-not $child.WaitForExit([int]([TimeSpan]::FromMinutes($TestTimeoutMinutes).TotalMilliseconds))) {
        $child.Kill($true)
        $child.WaitForExit()
        $result.Ok = $false
        $result.Reason = "Pester did not finish within $TestTimeoutMinutes minutes (killed)"
    }
    elseif ($child.ExitCode -ne 0) {
        $result.Ok = $false
        $result.Reason = "the Pester process exited with code $($child.ExitCode)"
    }
    if (Test-Path -LiteralPath $countsJson) {
        $counts = Get-Content -LiteralPath $countsJson -Raw | ConvertFrom-Json
        $result.Passed = [int]$counts.Passed
        $result.Failed = [int]$counts.Failed
        $result.FailedNames = @($counts.FailedNames)
    }
    elseif ($result.Ok) {
        $result.Ok = $false
        $result.Reason = 'the Pester process wrote no counts (crashed?)'
    }
    Write-Host "    Pester: $($result.Passed) passed, $($result.Failed) failed"
    return $result
}

function Install-BrowserTestPackages {
    # The live-reload browser test drives chromium with puppeteer-core (tests/browser/package-lock.json): installed
    # here, exactly as locked, so a fresh clone runs it. Without node the test itself skips (fails under CI=true).
    $browserDir = Join-Path $RepoRoot 'tests/browser'
    if (Test-Path -LiteralPath (Join-Path $browserDir 'node_modules/puppeteer-core')) { return }
    $npm = Get-Command npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $npm) { Write-Host 'Test: npm not found: the browser test cannot be installed' -ForegroundColor Yellow; return }
    Write-Step 'Test: npm ci (tests/browser: puppeteer-core for the live-reload browser test)'
    & $npm.Source ci --prefix $browserDir --no-audit --no-fund | Out-Host # to the console: anything left in the pipeline would become Invoke-Test's result
    if ($LASTEXITCODE -ne 0) { Write-Host "Test: npm ci failed ($LASTEXITCODE)" -ForegroundColor Yellow }
}

function Invoke-Test {
    $steps = [Collections.Generic.List[object]]::new()
    try {
        Invoke-Build
    }
    catch {
        Write-Host "Build failed: $_" -ForegroundColor Red
        $steps.Add([pscustomobject]@{ Name = 'build'; Passed = 0; Failed = 0; Ok = $false; Reason = "$_"; FailedNames = @() })
    }
    if ($steps.Count -eq 0) {
        $null = New-Item -ItemType Directory -Path $ResultsDir -Force
        Install-BrowserTestPackages
        foreach ($runner in @('Invoke-XunitTests', 'Invoke-PesterTests')) {
            try {
                $steps.Add((& $runner))
            }
            catch {
                Write-Host "$runner failed: $_" -ForegroundColor Red
                $steps.Add([pscustomobject]@{ Name = $runner; Passed = 0; Failed = 0; Ok = $false; Reason = "$_"; FailedNames = @() })
            }
        }
    }

    $passed = ($steps | Measure-Object -Property Passed -Sum).Sum
    $failed = 0
    $ok = $true
    foreach ($s in $steps) {
        $failed += $s.Failed
        if (-not $s.Ok) {
            $ok = $false
            Write-Host "FAILED step $($s.Name): $($s.Reason)" -ForegroundColor Red
            # A step that broke without reporting a failed test still counts as a failure.
            if ($s.Failed -eq 0) { $failed += 1 }
        }
    }
    if ($passed + $failed -eq 0) {
        Write-Host 'FAILED: no tests ran at all.' -ForegroundColor Red
        $ok = $false
    }
    # Which tests failed, repeated here: a CI log is often read from its end, far below each test's own output.
    foreach ($s in $steps) {
        $names = @($s.FailedNames)
        foreach ($name in ($names | Select-Object -First 30)) {
            Write-Host "FAILED test ($($s.Name)): $name" -ForegroundColor Red
        }
        if ($names.Count -gt 30) { Write-Host "    ... and $($names.Count - 30) more ($($s.Name))" -ForegroundColor Red }
    }
    Write-Host "    results: $([IO.Path]::GetRelativePath($RepoRoot, $ResultsDir))" -ForegroundColor DarkGray
    Write-Host "tests: $passed passed, $failed failed"
    return ($ok -and $failed -eq 0)
}

$ServeChildScript = @'
# Generated by build.ps1: serves a folder from a pwsh that imported the freshly built module.
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [int] $Port
)
$ErrorActionPreference = 'Stop'
Import-Module -Name $ModuleManifest
Start-StaticServer -Path $Root -Port $Port -Wait
'@

function Invoke-Serve {
    Invoke-Build
    $root = if ([IO.Path]::IsPathRooted($Path)) { $Path } else { Join-Path $RepoRoot $Path }
    $root = [IO.Path]::GetFullPath($root)
    if (-not (Test-Path -LiteralPath $root -PathType Container)) { throw "Serve: folder not found: $root" }
    $null = New-Item -ItemType Directory -Path $ToolsDir -Force
    $childScript = Join-Path $ToolsDir 'serve.ps1'
    Set-Content -LiteralPath $childScript -Value $ServeChildScript -Encoding utf8
    Write-Step "Serve: Start-StaticServer -Path $root -Port $Port -Wait (child pwsh; Ctrl+C stops)"
    # The child shares this console (colours, Ctrl+C); this process only waits for it.
    $child = Start-ChildPwsh -ScriptPath $childScript -ScriptArgs @(
        '-ModuleManifest', $ManifestOut, '-Root', $root, '-Port', "$Port")
    $child.WaitForExit()
    # Ctrl+C ends the child with a non-zero code too, so this is reported, not treated as a build error.
    $code = $child.ExitCode
    if ($code -ne 0) { Write-Host "    the server process ended with exit code $code" -ForegroundColor DarkGray }
    return $code
}

$PackageChildScript = @'
# Generated by build.ps1: packs the laid-out module into a .nupkg with PSResourceGet (shipped with PowerShell 7.4+).
param(
    [Parameter(Mandatory)] [string] $ModuleFolder,
    [Parameter(Mandatory)] [string] $Destination
)
$ErrorActionPreference = 'Stop'
# PSResourceGet and NuGet put their per-user files under the XDG folders, and under the process's current
# directory when those do not exist yet (a fresh machine): a scratch folder keeps them out of the clone.
$scratch = Join-Path ([IO.Path]::GetTempPath()) "pswebserver-package-$PID"
$null = New-Item -ItemType Directory -Path $scratch -Force
[Environment]::CurrentDirectory = $scratch
Import-Module -Name Microsoft.PowerShell.PSResourceGet
# Compress-PSResource validates the manifest and writes <Name>.<Version>.nupkg; it needs no repository, so
# nothing here reads or changes the user's registered repositories or reaches a gallery.
$package = Compress-PSResource -Path $ModuleFolder -DestinationPath $Destination -PassThru
if ($null -eq $package) { throw "Compress-PSResource wrote no package into $Destination." }
[Environment]::CurrentDirectory = $PSHOME
Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction SilentlyContinue
'@

function Invoke-Package {
    if (-not $NoBuild) { Invoke-Build }
    if (-not (Test-Path -LiteralPath $ManifestOut)) {
        throw "Package: $([IO.Path]::GetRelativePath($RepoRoot, $ManifestOut)) not found; build first (without -NoBuild)."
    }
    # The manifest is data: reading it here does not load the module into this process.
    $version = (Import-PowerShellDataFile -LiteralPath $ManifestOut).ModuleVersion
    $packagePath = Join-Path $PackageOut "PSWebServer.$version.nupkg"
    Write-Step "Package: Compress-PSResource out/PSWebServer -> $([IO.Path]::GetRelativePath($RepoRoot, $packagePath)) (child pwsh)"
    $null = New-Item -ItemType Directory -Path $PackageOut -Force
    # Only this version's package is left, so out/package/ can be used as a folder repository as it is.
    Get-ChildItem -LiteralPath $PackageOut -Filter 'PSWebServer.*.nupkg' -File | Remove-Item -Force
    $null = New-Item -ItemType Directory -Path $ToolsDir -Force
    $childScript = Join-Path $ToolsDir 'package.ps1'
    Set-Content -LiteralPath $childScript -Value $PackageChildScript -Encoding utf8
    $child = Start-ChildPwsh -ScriptPath $childScript -ScriptArgs @('-ModuleFolder', $ModuleOut, '-Destination', $PackageOut)
    if (-not $child.WaitForExit(120000)) { $child.Kill($true); throw 'Packing the module did not finish in 2 minutes.' }
    if ($child.ExitCode -ne 0) { throw "Packing the module failed (exit code $($child.ExitCode))." }
    if (-not (Test-Path -LiteralPath $packagePath -PathType Leaf)) { throw "Package: $packagePath was not written." }
    Write-Host "    $([IO.Path]::GetRelativePath($RepoRoot, $packagePath)) ($((Get-Item -LiteralPath $packagePath).Length) bytes)" -ForegroundColor DarkGray
    # The one line on standard output: the package's full path, for a script that publishes it.
    Write-Output $packagePath
}

function Invoke-Bench {
    $script = Join-Path $RepoRoot 'bench/run-bench.sh'
    if (-not (Test-Path -LiteralPath $script)) {
        Write-Host 'bench/run-bench.sh not found'
        return 1
    }
    Write-Step "Bench: bash bench/run-bench.sh $($BenchArgs -join ' ')"
    & bash $script @BenchArgs | Out-Host
    return $LASTEXITCODE
}

$FuzzProject = Join-Path $RepoRoot 'tests/PSWebServer.Fuzz'

function Read-AflStats([string] $StatsPath) {
    # fuzzer_stats holds one "name : value" per line.
    $stats = @{}
    if (Test-Path -LiteralPath $StatsPath) {
        foreach ($line in Get-Content -LiteralPath $StatsPath) {
            if ($line -match '^\s*(\S+)\s*:\s*(.*?)\s*$') { $stats[$Matches[1]] = $Matches[2] }
        }
    }
    return $stats
}

function Invoke-Fuzz {
    if (-not $IsLinux) { throw 'Fuzz: afl-fuzz runs on Linux only.' }
    if (-not (Get-Command afl-fuzz -CommandType Application -ErrorAction SilentlyContinue)) {
        $isRoot = (& id -u) -eq '0'
        if (-not $isRoot -or -not (Get-Command apt-get -CommandType Application -ErrorAction SilentlyContinue)) {
            throw 'Fuzz: afl-fuzz not found; install AFL++ (Debian/Ubuntu: apt-get install afl++).'
        }
        Write-Step 'Fuzz: apt-get install afl++'
        Invoke-Native apt-get @('update', '-q')
        Invoke-Native apt-get @('install', '-y', '-q', 'afl++')
    }

    Write-Step 'Fuzz: dotnet tool restore (sharpfuzz)'
    Invoke-Native dotnet @('tool', 'restore')
    Write-Step 'Fuzz: dotnet build tests/PSWebServer.Fuzz -c Release'
    Invoke-Native dotnet @('build', $FuzzProject, '-c', 'Release', '--nologo', '-v', 'minimal')

    # Instrument a copy: the build output stays uninstrumented for the next incremental build.
    $fuzzOut = Join-Path $OutDir 'fuzz'
    $harnessDir = Join-Path $fuzzOut 'bin'
    Remove-Item -LiteralPath $harnessDir -Recurse -Force -ErrorAction SilentlyContinue
    $null = New-Item -ItemType Directory -Path $harnessDir -Force
    Copy-Item -Path (Join-Path $FuzzProject 'bin/Release/net8.0/*') -Destination $harnessDir -Recurse -Force
    Write-Step 'Fuzz: sharpfuzz PSWebServer.Core.dll'
    Invoke-Native dotnet @('sharpfuzz', (Join-Path $harnessDir 'PSWebServer.Core.dll'))
    $harness = Join-Path $harnessDir 'PSWebServer.Fuzz.dll'

    # dotnet itself is not AFL-instrumented (SharpFuzz instruments the IL), and containers rarely let AFL tune CPUs.
    $aflEnvironment = @{
        AFL_SKIP_BIN_CHECK = '1'; AFL_SKIP_CPUFREQ = '1'; AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES = '1'
        AFL_NO_UI = '1'; AFL_NO_AFFINITY = '1'
    }
    $saved = @{}
    foreach ($name in $aflEnvironment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $aflEnvironment[$name])
    }
    $results = [Collections.Generic.List[object]]::new()
    try {
        foreach ($target in $FuzzTarget) {
            $corpus = Join-Path $FuzzProject "corpus/$target"
            $findings = Join-Path $fuzzOut $target
            Remove-Item -LiteralPath $findings -Recurse -Force -ErrorAction SilentlyContinue
            $null = New-Item -ItemType Directory -Path $findings -Force
            $log = Join-Path $findings 'afl.log'
            $arguments = @('-V', "$Seconds", '-i', $corpus, '-o', $findings, '-t', '5000', '-m', 'none')
            $dictionary = Join-Path $FuzzProject "dictionaries/$target.dict"
            if (Test-Path -LiteralPath $dictionary) { $arguments += @('-x', $dictionary) }
            $arguments += @('--', 'dotnet', $harness, $target)
            Write-Step "Fuzz: afl-fuzz $target for $Seconds s (log: $([IO.Path]::GetRelativePath($RepoRoot, $log)))"
            Write-Host "    afl-fuzz $($arguments -join ' ')" -ForegroundColor DarkGray
            # timeout(1) bounds a stuck afl-fuzz; -V normally ends it on time.
            & timeout --kill-after=30 "$($Seconds + 300)" afl-fuzz @arguments *> $log
            $aflExit = $LASTEXITCODE

            $stats = Read-AflStats (Join-Path $findings 'default/fuzzer_stats')
            $crashFiles = @(Get-ChildItem -Path (Join-Path $findings 'default/crashes') -File -Filter 'id*' -ErrorAction SilentlyContinue)
            $hangFiles = @(Get-ChildItem -Path (Join-Path $findings 'default/hangs') -File -Filter 'id*' -ErrorAction SilentlyContinue)
            if ($aflExit -ne 0 -or $stats.Count -eq 0) {
                Get-Content -LiteralPath $log -Tail 30 -ErrorAction SilentlyContinue | Out-Host
                throw "afl-fuzz on '$target' failed (exit code $aflExit)."
            }

            # Keep each crash under a name any file system takes (AFL's have ':' and ','), deduplicated by content.
            $kept = [Collections.Generic.List[string]]::new()
            if ($crashFiles.Count -gt 0) {
                $regressions = Join-Path $FuzzProject "regressions/$target"
                $null = New-Item -ItemType Directory -Path $regressions -Force
                foreach ($crash in $crashFiles) {
                    $hash = (Get-FileHash -LiteralPath $crash.FullName -Algorithm SHA256).Hash.Substring(0, 16).ToLowerInvariant()
                    $destination = Join-Path $regressions "crash-$hash"
                    if (-not (Test-Path -LiteralPath $destination)) { Copy-Item -LiteralPath $crash.FullName -Destination $destination }
                    $kept.Add($destination)
                }
                Write-Host "    replaying the crashes of '$target' (uninstrumented harness):" -ForegroundColor Yellow
                & dotnet (Join-Path $FuzzProject 'bin/Release/net8.0/PSWebServer.Fuzz.dll') $target --replay @($kept) | Out-Host
            }
            $result = [pscustomobject]@{
                Target  = $target
                Execs   = [long]($stats['execs_done'] ?? 0)
                PerSec  = [double]($stats['execs_per_sec'] ?? 0)
                Corpus  = [int]($stats['corpus_count'] ?? 0)
                Edges   = [int]($stats['edges_found'] ?? 0)
                Crashes = $crashFiles.Count
                Hangs   = $hangFiles.Count
                Kept    = @($kept | Sort-Object -Unique)
            }
            $results.Add($result)
            Write-Host ("    {0}: {1:N0} execs ({2:N0}/s), corpus {3}, edges {4}, crashes {5}, hangs {6}" -f
                $result.Target, $result.Execs, $result.PerSec, $result.Corpus, $result.Edges, $result.Crashes, $result.Hangs)
            foreach ($file in $result.Kept) { Write-Host "    kept $([IO.Path]::GetRelativePath($RepoRoot, $file))" -ForegroundColor Yellow }
        }
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }

    $crashes = ($results | Measure-Object -Property Crashes -Sum).Sum
    $execs = ($results | Measure-Object -Property Execs -Sum).Sum
    Write-Host ("fuzz: {0} target(s), {1:N0} execs, {2} crashes" -f $results.Count, $execs, $crashes)
    if ($crashes -gt 0) {
        Write-Host '    crashes were copied to tests/PSWebServer.Fuzz/regressions/; the xunit suite now replays them.' -ForegroundColor Yellow
        return 1
    }
    return 0
}

function Invoke-Clean {
    Write-Step 'Clean: remove out/ and bin/, obj/ under src/ and tests/'
    $targets = @()
    if (Test-Path -LiteralPath $OutDir) { $targets += Get-Item -LiteralPath $OutDir }
    foreach ($top in 'src', 'tests') {
        $dir = Join-Path $RepoRoot $top
        if (Test-Path -LiteralPath $dir) {
            $targets += Get-ChildItem -LiteralPath $dir -Directory -Recurse -Force |
                Where-Object { $_.Name -in 'bin', 'obj' }
        }
    }
    foreach ($t in $targets) {
        if (Test-Path -LiteralPath $t.FullName) {
            Write-Host "    remove $([IO.Path]::GetRelativePath($RepoRoot, $t.FullName))" -ForegroundColor DarkGray
            Remove-Item -LiteralPath $t.FullName -Recurse -Force
        }
    }
}

Push-Location -LiteralPath $RepoRoot
try {
    $exitCode = 0
    switch ($Task) {
        'Build' { Invoke-Build }
        'Test'  {
            # Exactly one $true means every suite passed; anything else (a $false, or output leaked into the pipeline
            # next to the verdict) fails the run rather than letting a red suite exit 0.
            $verdict = @(Invoke-Test)
            if ($verdict.Count -ne 1 -or $verdict[0] -isnot [bool] -or -not $verdict[0]) { $exitCode = 1 }
        }
        'Serve' { $exitCode = Invoke-Serve }
        'Package' { Invoke-Package }
        'Bench' { $exitCode = Invoke-Bench }
        'Fuzz'  { $exitCode = Invoke-Fuzz }
        'Clean' { Invoke-Clean }
    }
}
catch {
    Write-Host "$Task failed: $_" -ForegroundColor Red
    $exitCode = 1
}
finally {
    Pop-Location
}
exit $exitCode
