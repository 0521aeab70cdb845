BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer

    # What the prompt would offer after typing $line and pressing Tab (TabExpansion2 is what the console calls).
    function Get-Completion([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
    }
}

Describe 'Tab completion of server names and ids' {
    BeforeAll {
        $root = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'site') -Force
        Set-Content -Path (Join-Path $root 'index.html') -Value '<p>hi</p>'
        # A file whose name starts like the servers': completion must offer servers, not files.
        Set-Content -Path (Join-Path $TestDrive 'compfile.txt') -Value 'x'
        $servers = @(
            Start-StaticServer -Path $root -Port 0 -Name 'compalpha'
            Start-StaticServer -Path $root -Port 0 -Name 'compbeta'
            Start-StaticServer -Path $root -Port 0 -Name 'comp gamma'
        )
        Push-Location $TestDrive
    }
    AfterAll {
        Pop-Location
        $servers | Stop-StaticServer
    }

    It 'completes -Name of <_> with the session''s servers, not files' -ForEach 'Stop-StaticServer', 'Get-StaticServer', 'Get-ServerRequest', 'Clear-ServerRequest',
        'Add-ServerResponse', 'Get-ServerResponse', 'Remove-ServerResponse', 'Assert-ServerRequest', 'Export-ServerCertificate', 'Invoke-ServerReload' {
        $offered = Get-Completion "$_ -Name comp"
        $offered.CompletionText | Should -Be 'compalpha', 'compbeta', "'comp gamma'"
        $offered.CompletionText | Should -Not -Contain 'compfile.txt'
        $offered.ResultType | Sort-Object -Unique | Should -Be 'ParameterValue'
        $offered[0].ToolTip | Should -Match ([regex]::Escape($servers[0].Url))
    }

    It 'matches names without regard to case and narrows as more is typed' {
        (Get-Completion 'Stop-StaticServer -Name COMPB').CompletionText | Should -Be 'compbeta'
        (Get-Completion 'Get-StaticServer compa').CompletionText | Should -Be 'compalpha' # -Name is positional there
    }

    It 'completes -Id with the ids, each shown with its name' {
        $id = $servers[1].Id
        $offered = Get-Completion "Stop-StaticServer -Id $id"
        $offered.CompletionText | Should -Contain "$id"
        ($offered | Where-Object CompletionText -EQ "$id").ListItemText | Should -Be "$id (compbeta)"
    }

    It 'offers nothing for a prefix no server has' {
        Get-Completion 'Stop-StaticServer -Name zzznone' | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion of canned-response paths and methods' {
    BeforeAll {
        $server = Start-StaticServer -Path $TestDrive -Port 0 -Name 'pathcomp'
        Add-ServerResponse -Server $server -Path /api/items -Body 'x'
        Add-ServerResponse -Server $server -Path '/api/odd name' -Body 'y'
        $null = Invoke-WebRequest "$($server.Url)api/requested" -SkipHttpErrorCheck
        $null = $server | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1
    }
    AfterAll {
        $server | Stop-StaticServer
    }

    It 'completes -Path of <_> with canned paths, then requested ones' -ForEach 'Get-ServerResponse', 'Remove-ServerResponse', 'Assert-ServerRequest', 'Add-ServerResponse' {
        $offered = Get-Completion "$_ -Path /api/"
        $offered.CompletionText | Should -Be '/api/items', "'/api/odd name'", '/api/requested'
        $offered[0].ToolTip | Should -BeLike '#1 * /api/items 200'
    }

    It 'completes -Method with the common methods' {
        (Get-Completion 'Add-ServerResponse -Method p').CompletionText | Should -Be 'POST', 'PUT', 'PATCH'
        (Get-Completion 'Assert-ServerRequest -Method de').CompletionText | Should -Be 'DELETE'
    }
}
