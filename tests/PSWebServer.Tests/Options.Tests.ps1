BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

# Options the cmdlet passes on but the engine refuses (StaticServer.Start throws ArgumentException): the cmdlet
# turns that into a terminating InvalidOption error (InvalidArgument), and no server is left behind.
Describe 'Start-StaticServer options the engine refuses' {
    BeforeEach {
        $site = New-TestSite
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
    }

    It 'refuses -DefaultDocument <Document> with InvalidOption (InvalidArgument)' -ForEach @(
        @{ Document = 'a/b' }
        @{ Document = 'a\b' }
        @{ Document = '..' }
    ) {
        $err = { Start-StaticServer -Path $TestDrive -Port 0 -DefaultDocument $Document } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidOption*'
        $err.FullyQualifiedErrorId | Should -BeLike '*,PSWebServer.Commands.StartStaticServerCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception | Should -BeOfType System.ArgumentException
        $err.Exception.Message | Should -BeLike "*$Document*"
        Get-StaticServer | Should -BeNullOrEmpty
    }

    It 'is a terminating error: -ErrorAction SilentlyContinue does not hide it' {
        $reached = $false
        try {
            Start-StaticServer -Path $site -Port 0 -DefaultDocument 'a/b' -ErrorAction SilentlyContinue
            $reached = $true
        }
        catch {
            $_.FullyQualifiedErrorId | Should -BeLike 'InvalidOption,*'
        }
        $reached | Should -BeFalse
        Get-StaticServer | Should -BeNullOrEmpty
    }

    It 'refuses -Header <Name>, a header the server sets itself, and starts no server' -ForEach @(
        @{ Name = 'Content-Length'; Value = '5' }
        @{ Name = 'content-length'; Value = '5' }
        @{ Name = 'Transfer-Encoding'; Value = 'chunked' }
        @{ Name = 'CONNECTION'; Value = 'close' }
        @{ Name = 'Content-Encoding'; Value = 'gzip' }
    ) {
        $err = { Start-StaticServer -Path $site -Port 0 -Header @{ $Name = $Value } } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Match '^(InvalidHeader|InvalidOption),'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*$Name*"
        Get-StaticServer | Should -BeNullOrEmpty
    }

    It 'leaves the name free after a refusal: the same -Name starts a server at once' {
        { Start-StaticServer -Path $site -Port 0 -Name opts -Header @{ 'Content-Length' = '5' } } | Should -Throw
        $server = Start-StaticServer -Path $site -Port 0 -Name opts
        $server.Name | Should -Be 'opts'
        (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
    }

    It 'still accepts an ordinary -Header and a file name for -DefaultDocument' {
        $server = Start-StaticServer -Path $site -Port 0 -Header @{ 'X-Frame-Options' = 'DENY' } -DefaultDocument 'default.htm'
        $response = Invoke-TestRequest "$($server.Url)sub/"
        $response.StatusCode | Should -Be 200
        $response.Content | Should -Be '<h1>sub default</h1>'
        "$($response.Headers['X-Frame-Options'])" | Should -Be 'DENY'
    }
}
