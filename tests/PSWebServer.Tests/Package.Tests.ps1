# The package build.ps1 -Task Package writes, published to a local folder repository and installed from it with
# PSResourceGet the way a user without a clone would: Install-PSResource, Import-Module by name, serve, get a 200.
# Everything PSResourceGet and PowerShell keep per user (the repository list, the CurrentUser module folder) is
# redirected to this test's drive, and the gallery is unregistered there, so nothing reaches the network or the
# real user's modules.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:RepoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    $script:BuildScript = Join-Path $RepoRoot 'build.ps1'
    $script:ModuleVersion = (Import-PowerShellDataFile -LiteralPath $ModuleManifest).ModuleVersion

    # A user's home of its own: PowerShell on Unix derives the CurrentUser module path and PSResourceGet its
    # repository store from these (XDG_DATA_HOME/powershell/Modules, XDG_DATA_HOME/PSResourceGet).
    $script:UserHome = Join-Path $TestDrive 'home'
    $script:DataHome = Join-Path $UserHome '.local/share'
    $script:ConfigHome = Join-Path $UserHome '.config'
    $script:CacheHome = Join-Path $UserHome '.cache'
    $script:RepositoryFolder = Join-Path $TestDrive 'repository'
    # They must exist: .NET reports a missing XDG folder as "", and PSResourceGet and NuGet then write their
    # files relative to the current directory instead.
    $null = New-Item -ItemType Directory -Force -Path $UserHome, $DataHome, $ConfigHome, $CacheHome, $RepositoryFolder

    function Invoke-IsolatedPwsh {
        # Runs a script in a fresh pwsh whose per-user folders are under $HomeFolder; returns exit code and output.
        param(
            [Parameter(Mandatory)] [string] $Script,
            [string[]] $ScriptArgs = @(),
            [string] $HomeFolder = $UserHome,
            [int] $TimeoutSeconds = 60
        )
        $file = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        Set-Content -LiteralPath $file -Value $Script
        $exe, $rest = Get-ChildPwshCommand
        $info = [System.Diagnostics.ProcessStartInfo]::new($exe)
        foreach ($arg in @($rest) + @('-NoProfile', '-NonInteractive', '-File', $file) + $ScriptArgs) {
            if ($arg) { $info.ArgumentList.Add($arg) }
        }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.UseShellExecute = $false
        $info.WorkingDirectory = $TestDrive
        $info.Environment['NO_COLOR'] = '1'
        $info.Environment['HOME'] = $HomeFolder
        $info.Environment['XDG_DATA_HOME'] = Join-Path $HomeFolder '.local/share'
        $info.Environment['XDG_CONFIG_HOME'] = Join-Path $HomeFolder '.config'
        $info.Environment['XDG_CACHE_HOME'] = Join-Path $HomeFolder '.cache'
        # Without PSModulePath the child computes its own: the (redirected) user folder, the shared one and
        # $PSHOME/Modules (where PSResourceGet ships). The parent's would name the real user's module folder.
        $null = $info.Environment.Remove('PSModulePath')
        $null = $info.Environment.Remove('PSWEBSERVER_MODULE')
        Receive-ChildPwsh -Process ([System.Diagnostics.Process]::Start($info)) -TimeoutSeconds $TimeoutSeconds
    }

    # The Test task has just built out/PSWebServer; -NoBuild packs that rather than building again. The home is
    # bare, as on a fresh machine (no ~/.local/share, no ~/.config), where PSResourceGet and NuGet would write
    # their files into the current directory, which for build.ps1's children is the clone.
    $bareHome = Join-Path $TestDrive 'bare-home'
    $null = New-Item -ItemType Directory -Force -Path $bareHome
    $script:Strays = @('PSResourceGet', 'NuGet') | ForEach-Object { Join-Path $RepoRoot $_ }
    $script:StraysBefore = @($Strays | Where-Object { Test-Path -LiteralPath $_ })
    $pack = Invoke-IsolatedPwsh -HomeFolder $bareHome -ScriptArgs @($BuildScript) -Script @'
param([string] $BuildScript)
& $BuildScript -Task Package -NoBuild
exit $LASTEXITCODE
'@
    $script:PackExitCode = $pack.ExitCode
    $script:PackOutput = @($pack.Output)
    $script:PackError = $pack.Error
    $script:PackagePath = Join-Path $RepoRoot "out/package/PSWebServer.$ModuleVersion.nupkg"
}

Describe 'build.ps1 -Task Package' {
    It 'writes out/package/PSWebServer.{version}.nupkg, only that one, and prints its path' {
        $PackExitCode | Should -Be 0 -Because "$($PackOutput -join "`n")`n$PackError"
        $PackagePath | Should -Exist
        $PackOutput | Should -Contain $PackagePath
        @(Get-ChildItem -LiteralPath (Split-Path $PackagePath) -Filter 'PSWebServer.*.nupkg').Count | Should -Be 1
    }

    It 'leaves no per-user files of PSResourceGet or NuGet in the clone, even with a bare home' {
        $StraysBefore | Should -BeNullOrEmpty -Because 'the clone must be clean before this test can tell'
        foreach ($stray in $Strays) { $stray | Should -Not -Exist }
    }

    It 'holds the manifest, both assemblies, the format file and the help, and no other binaries' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($PackagePath)
        try {
            $entries = @($zip.Entries.FullName)
            $nuspecEntry = $zip.GetEntry('PSWebServer.nuspec')
            $reader = [System.IO.StreamReader]::new($nuspecEntry.Open())
            try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally {
            $zip.Dispose()
        }
        foreach ($file in 'PSWebServer.psd1', 'PSWebServer.dll', 'PSWebServer.Core.dll', 'PSWebServer.format.ps1xml',
            'en-US/PSWebServer.dll-Help.xml', 'en-US/about_PSWebServer.help.txt') {
            $entries | Should -Contain $file
        }
        @($entries | Where-Object { $_ -like '*.dll' } | Sort-Object) | Should -Be @('PSWebServer.Core.dll', 'PSWebServer.dll')
        $nuspec.package.metadata.id | Should -Be 'PSWebServer'
        $nuspec.package.metadata.version | Should -Be $ModuleVersion
        # No dependencies: installing never has to look for another package in any repository.
        $nuspec.package.metadata.SelectSingleNode("*[local-name()='dependencies']") | Should -BeNullOrEmpty
    }
}

# On Windows the CurrentUser module folder and PSResourceGet's store follow the real profile (Documents,
# LOCALAPPDATA), which environment variables cannot redirect, so the install would land in the user's own modules.
Describe 'Installing the package with PSResourceGet' -Skip:$IsWindows {
    BeforeAll {
        # One fresh pwsh publishes the package into a folder repository registered in the test's own store.
        $publish = Invoke-IsolatedPwsh -ScriptArgs @($RepositoryFolder, $PackagePath) -Script @'
param([string] $Folder, [string] $Package)
$ErrorActionPreference = 'Stop'
# Only the test's repository exists in this store, so nothing can fall back to the gallery.
Get-PSResourceRepository | Where-Object Name -ne 'PSWebServerTest' | Unregister-PSResourceRepository
Register-PSResourceRepository -Name PSWebServerTest -Uri $Folder -Trusted
Publish-PSResource -NupkgPath $Package -Repository PSWebServerTest
"repositories: $((Get-PSResourceRepository).Name -join ',')"
"published: $((Get-ChildItem -LiteralPath $Folder -Filter *.nupkg).Name -join ',')"
'@
        # Another fresh pwsh, as a user would: install by name from the repository, import by name, serve.
        $site = Join-Path $TestDrive 'site'
        $null = New-Item -ItemType Directory -Force -Path $site
        Set-Content -LiteralPath (Join-Path $site 'index.html') -Value '<h1>installed</h1>' -NoNewline
        $install = Invoke-IsolatedPwsh -ScriptArgs @($site) -Script @'
param([string] $Site)
$ErrorActionPreference = 'Stop'
"before: $(@(Get-Module -ListAvailable PSWebServer).Count)"
Install-PSResource -Name PSWebServer -Repository PSWebServerTest -Scope CurrentUser
"installed: $((Get-InstalledPSResource -Name PSWebServer).InstalledLocation)"
Import-Module PSWebServer
"base: $((Get-Module PSWebServer).ModuleBase)"
"version: $((Get-Module PSWebServer).Version)"
$server = Start-StaticServer -Path $Site -Port 0
try {
    $response = Invoke-WebRequest -Uri "$($server.Url)index.html" -SkipHttpErrorCheck -TimeoutSec 10
    "status: $($response.StatusCode)"
    "body: $($response.Content)"
}
finally {
    $server | Stop-StaticServer
}
'@
        function Get-Field($Result, [string] $Name) {
            $line = @($Result.Output | Where-Object { $_ -like "${Name}: *" }) | Select-Object -First 1
            if ($line) { $line.Substring($Name.Length + 2) }
        }
    }

    It 'publishes into a local folder repository, the only one registered' {
        $publish.ExitCode | Should -Be 0 -Because "$($publish.Output -join "`n")`n$($publish.Error)"
        Get-Field $publish 'repositories' | Should -Be 'PSWebServerTest'
        Get-Field $publish 'published' | Should -Be "PSWebServer.$ModuleVersion.nupkg"
    }

    It 'installs with Install-PSResource into the (redirected) user module folder, imports by name and serves a 200' {
        $install.ExitCode | Should -Be 0 -Because "$($install.Output -join "`n")`n$($install.Error)"
        # Nothing was available before the install: the import below can only have found the installed copy.
        Get-Field $install 'before' | Should -Be '0'
        $modules = Join-Path $DataHome 'powershell/Modules'
        Get-Field $install 'installed' | Should -Be $modules
        Get-Field $install 'base' | Should -Be (Join-Path $modules "PSWebServer/$ModuleVersion")
        Get-Field $install 'version' | Should -Be $ModuleVersion
        Get-Field $install 'status' | Should -Be '200'
        Get-Field $install 'body' | Should -Be '<h1>installed</h1>'
    }
}
