BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-PSWebServer
}

Describe 'Start-StaticServer' {
    BeforeEach {
        $site = New-TestSite
    }
    AfterEach {
        Stop-StaticServer -All -Timeout 1
        Pop-Location -StackName PSWebServerTests -ErrorAction SilentlyContinue
    }

    Context 'a started server' {
        It 'returns a running server object with the real port when -Port 0 is given' {
            $server = Start-StaticServer -Path $site -Port 0
            $server | Should -BeOfType PSWebServer.StaticServer
            $server.State | Should -Be 'Running'
            $server.Port | Should -BeGreaterThan 0
            $server.Url | Should -Be "http://127.0.0.1:$($server.Port)/"
            $server.Address | Should -Be '127.0.0.1'
            $server.Root | Should -Be $site
            "$server" | Should -Be $server.Url
            Test-TcpConnect -Port $server.Port | Should -BeTrue
        }

        It 'serves the folder at once (Start returns after the socket is bound)' {
            $server = Start-StaticServer $site -Port 0
            $response = Invoke-TestRequest "$($server.Url)a.txt"
            $response.StatusCode | Should -Be 200
            $response.Content | Should -Be 'hello from a'
        }

        It 'registers the server: Get-StaticServer returns the same object' {
            $server = Start-StaticServer $site -Port 0
            $found = Get-StaticServer -Id $server.Id
            [object]::ReferenceEquals($found, $server) | Should -BeTrue
        }

        It 'gives increasing ids and default names server<Id>' {
            $first = Start-StaticServer $site -Port 0
            $second = Start-StaticServer $site -Port 0
            $second.Id | Should -BeGreaterThan $first.Id
            $first.Name | Should -Be "server$($first.Id)"
            $second.Name | Should -Be "server$($second.Id)"
        }

        It 'runs two servers at once, each on its own port and folder' {
            $other = New-TestSite -Name other
            Set-Content -LiteralPath (Join-Path $other 'a.txt') -Value 'hello from other' -NoNewline
            $one = Start-StaticServer $site -Port 0 -Name one
            $two = Start-StaticServer $other -Port 0 -Name two
            $one.Port | Should -Not -Be $two.Port
            (Invoke-TestRequest "$($one.Url)a.txt").Content | Should -Be 'hello from a'
            (Invoke-TestRequest "$($two.Url)a.txt").Content | Should -Be 'hello from other'
            (Get-StaticServer).Name | Should -Be @('one', 'two')
            (Wait-ServerRequest $one).ServerName | Should -Be 'one'
            (Wait-ServerRequest $two).ServerName | Should -Be 'two'
        }

        It 'listens on a fixed -Port' {
            $port = Get-FreeTcpPort
            $server = Start-StaticServer $site -Port $port
            $server.Port | Should -Be $port
            (Invoke-TestRequest "http://127.0.0.1:$port/a.txt").StatusCode | Should -Be 200
        }

        It 'can start again on the same port at once after serving a request and stopping' {
            $server = Start-StaticServer $site -Port 0
            $port = $server.Port
            (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
            $null = Wait-ServerRequest $server
            $server | Stop-StaticServer
            $again = Start-StaticServer $site -Port $port
            $again.Port | Should -Be $port
            (Invoke-TestRequest "$($again.Url)a.txt").StatusCode | Should -Be 200
        }
    }

    Context '-Path resolution' {
        It 'serves the current location when -Path is omitted' {
            Push-Location -LiteralPath $site -StackName PSWebServerTests
            $server = Start-StaticServer -Port 0
            $server.Root | Should -Be $site
        }

        It 'resolves a relative path against the current location' {
            Push-Location -LiteralPath $TestDrive -StackName PSWebServerTests
            $server = Start-StaticServer site/sub -Port 0
            $server.Root | Should -Be (Join-Path $site 'sub')
            (Invoke-TestRequest $server.Url).Content | Should -Be '<h1>sub index</h1>'
        }

        It 'resolves ..' {
            Push-Location -LiteralPath (Join-Path $site 'sub') -StackName PSWebServerTests
            $server = Start-StaticServer .. -Port 0
            $server.Root | Should -Be $site
        }

        It 'resolves the TestDrive: PowerShell drive to its file-system folder' {
            $server = Start-StaticServer TestDrive:/site -Port 0
            $server.Root | Should -Be $site
        }

        It 'resolves a PSDrive of its own' {
            $null = New-PSDrive -Name PSWSTest -PSProvider FileSystem -Root $site -Scope Global
            try {
                $server = Start-StaticServer PSWSTest:/sub -Port 0
                $server.Root | Should -Be (Join-Path $site 'sub')
            }
            finally {
                Remove-PSDrive -Name PSWSTest -Scope Global
            }
        }

        It 'resolves ~ to the home folder' {
            $server = Start-StaticServer ~ -Port 0
            $server.Root | Should -Be ([System.IO.Path]::TrimEndingDirectorySeparator((Resolve-Path ~).ProviderPath))
        }

        It 'takes the path literally: brackets are not wildcards' {
            $odd = Join-Path $TestDrive 'odd[1]'
            $null = New-Item -ItemType Directory -Path $odd
            $server = Start-StaticServer $odd -Port 0
            $server.Root | Should -Be $odd
        }

        It 'fails with PathNotFound (ObjectNotFound) for a missing folder' {
            $missing = Join-Path $TestDrive 'missing'
            { Start-StaticServer $missing -Port 0 } | Should -Throw -ErrorId 'PathNotFound,PSWebServer.Commands.StartStaticServerCommand'
            $err = { Start-StaticServer $missing -Port 0 } | Should -Throw -PassThru
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.TargetObject | Should -Be $missing
            Get-StaticServer | Should -BeNullOrEmpty
        }

        It 'fails with PathNotFound for a drive that does not exist' {
            { Start-StaticServer NoSuchDrive:/x -Port 0 } | Should -Throw -ErrorId 'PathNotFound,*'
        }

        It 'fails with PathNotDirectory (InvalidArgument) for a file' {
            $err = { Start-StaticServer (Join-Path $site 'a.txt') -Port 0 } | Should -Throw -ErrorId 'PathNotDirectory,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'fails with PathNotDirectory for a path outside the file system' {
            $err = { Start-StaticServer Env:/ -Port 0 } | Should -Throw -ErrorId 'PathNotDirectory,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'is a terminating error that stops a script under the default ErrorActionPreference' {
            $reached = $false
            try {
                Start-StaticServer (Join-Path $TestDrive 'missing') -Port 0
                $reached = $true
            }
            catch {
                $_.FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
            }
            $reached | Should -BeFalse
        }
    }

    Context '-Port and -Address' {
        It 'fails with AddressInUse (ResourceUnavailable) when the port is taken, naming address and port' {
            $first = Start-StaticServer $site -Port 0
            $err = { Start-StaticServer $site -Port $first.Port } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AddressInUse*'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $err.Exception.Message | Should -BeLike "*$($first.Port)*"
            $err.Exception.Message | Should -BeLike '*127.0.0.1*'
            $err.Exception | Should -BeOfType PSWebServer.ServerException
            # the failed start leaves nothing behind: the first server still serves, the name is free
            @(Get-StaticServer).Count | Should -Be 1
            (Invoke-TestRequest "$($first.Url)a.txt").StatusCode | Should -Be 200
        }

        It 'fails with AddressInUse when another program holds the port' {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            try {
                { Start-StaticServer $site -Port $listener.LocalEndpoint.Port } | Should -Throw -ErrorId 'AddressInUse,*'
            }
            finally {
                $listener.Stop()
            }
        }

        It 'rejects a port outside 0..65535' {
            { Start-StaticServer $site -Port 65536 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
            { Start-StaticServer $site -Port -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }

        It 'listens on every IPv4 interface with -Address *' {
            $server = Start-StaticServer $site -Port 0 -Address *
            $server.Address | Should -Be '0.0.0.0'
            (Invoke-TestRequest "http://127.0.0.1:$($server.Port)/a.txt").StatusCode | Should -Be 200
        }

        It 'accepts -Address localhost' {
            $server = Start-StaticServer $site -Port 0 -Address localhost
            (Invoke-TestRequest "http://127.0.0.1:$($server.Port)/a.txt").StatusCode | Should -Be 200
        }

        It 'fails with InvalidAddress (InvalidArgument) for text that is not an address' {
            $err = { Start-StaticServer $site -Port 0 -Address 'not an address' } | Should -Throw -ErrorId 'InvalidAddress,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'fails with AddressNotAvailable (InvalidArgument) for an address of another machine' {
            # 192.0.2.0/24 is TEST-NET-1: documentation only, never assigned to an interface.
            $err = { Start-StaticServer $site -Port 0 -Address 192.0.2.10 } | Should -Throw -ErrorId 'AddressNotAvailable,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -BeLike '*192.0.2.10*'
        }
    }

    Context '-Engine' {
        It 'runs on .NET sockets with -Engine Socket, and shows it' {
            $server = Start-StaticServer $site -Port 0 -Engine Socket
            $server.Engine | Should -Be 'Socket'
            $server.Engine | Should -BeOfType PSWebServer.ServerEngine
            $server.EngineFallbackReason | Should -BeNullOrEmpty
            (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
        }

        It 'chooses epoll on Linux without -Engine (Auto), and says why not elsewhere' {
            $server = Start-StaticServer $site -Port 0
            if ($IsLinux) {
                $server.Engine | Should -Be 'Epoll'
                $server.EngineFallbackReason | Should -BeNullOrEmpty
            }
            else {
                $server.Engine | Should -Be 'Socket'
                $server.EngineFallbackReason | Should -BeLike '*Linux*'
            }
            (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
        }

        It '-Engine Epoll runs epoll on Linux; elsewhere it fails with EngineNotAvailable (ResourceUnavailable) and takes no port' {
            $port = Get-FreeTcpPort
            if ($IsLinux) {
                $server = Start-StaticServer $site -Port $port -Engine Epoll
                $server.Engine | Should -Be 'Epoll'
                (Invoke-TestRequest "$($server.Url)a.txt").StatusCode | Should -Be 200
            }
            else {
                $err = { Start-StaticServer $site -Port $port -Engine Epoll } | Should -Throw -ErrorId 'EngineNotAvailable,*' -PassThru
                $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
                $err.TargetObject | Should -Be 'Epoll'
                Test-TcpConnect -Port $port | Should -BeFalse
                Get-StaticServer | Should -BeNullOrEmpty
            }
        }

        It 'names the engine in the verbose output' {
            $said = Start-StaticServer $site -Port 0 -Engine Socket -Name verbose-engine -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            $said.Message | Should -BeLike '*on the Socket engine*'
        }

        It 'rejects an engine it does not know, naming the ones it does' {
            $err = { Start-StaticServer $site -Port 0 -Engine Turbo } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*' -PassThru
            $err.Exception.Message | Should -BeLike '*Auto, Epoll, Socket*'
            Get-StaticServer | Should -BeNullOrEmpty
        }
    }

    Context '-Name' {
        It 'uses the given name' {
            $server = Start-StaticServer $site -Port 0 -Name docs
            $server.Name | Should -Be 'docs'
            (Get-StaticServer -Name docs).Id | Should -Be $server.Id
        }

        It 'fails with ServerNameInUse (ResourceExists) for a name already running, case-insensitively' {
            $null = Start-StaticServer $site -Port 0 -Name docs
            $err = { Start-StaticServer $site -Port 0 -Name DOCS } | Should -Throw -ErrorId 'ServerNameInUse,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'ResourceExists'
            @(Get-StaticServer).Count | Should -Be 1
        }

        It 'frees the name when the server is stopped' {
            Start-StaticServer $site -Port 0 -Name docs | Stop-StaticServer
            (Start-StaticServer $site -Port 0 -Name docs).Name | Should -Be 'docs'
        }

        It 'frees the name when the start fails' {
            $first = Start-StaticServer $site -Port 0
            { Start-StaticServer $site -Port $first.Port -Name retry } | Should -Throw -ErrorId 'AddressInUse,*'
            (Start-StaticServer $site -Port 0 -Name retry).Name | Should -Be 'retry'
        }

        It 'rejects wildcard characters with InvalidServerName' {
            { Start-StaticServer $site -Port 0 -Name 'web*' } | Should -Throw -ErrorId 'InvalidServerName,*'
        }

        It 'skips a default name that a server already took by hand' {
            $probe = Start-StaticServer $site -Port 0
            $nextName = "server$($probe.Id + 1)"
            $manual = Start-StaticServer $site -Port 0 -Name $nextName
            $auto = Start-StaticServer $site -Port 0
            $auto.Name | Should -Not -Be $manual.Name
            $auto.Name | Should -Be "server$($auto.Id)"
        }
    }

    Context '-DefaultDocument and -RequestLogSize' {
        It 'answers a folder with index.html by default' {
            $server = Start-StaticServer $site -Port 0
            (Invoke-TestRequest "$($server.Url)sub/").Content | Should -Be '<h1>sub index</h1>'
        }

        It 'tries -DefaultDocument names in order' {
            $server = Start-StaticServer $site -Port 0 -DefaultDocument default.htm, index.html
            (Invoke-TestRequest "$($server.Url)sub/").Content | Should -Be '<h1>sub default</h1>'
            # a folder without default.htm falls back to the next name
            (Invoke-TestRequest $server.Url).Content | Should -Be '<h1>root index</h1>'
        }

        It 'serves no default document with an empty -DefaultDocument' {
            $server = Start-StaticServer $site -Port 0 -DefaultDocument @()
            $response = Invoke-TestRequest "$($server.Url)sub/"
            $response.Content | Should -Not -Be '<h1>sub index</h1>'
        }

        It 'keeps only the newest -RequestLogSize requests' {
            $server = Start-StaticServer $site -Port 0 -RequestLogSize 2
            foreach ($name in 'a.txt', 'index.html', 'missing') {
                $null = Invoke-TestRequest "$($server.Url)$name"
                $null = $server | Get-ServerRequest -Path "/$name" -Wait -Timeout 10 | Select-Object -First 1
            }
            $logged = $server | Get-ServerRequest
            $logged.Path | Should -Be @('/index.html', '/missing')
            $server.RequestCount | Should -Be 3
        }

        It 'rejects a -RequestLogSize below 1' {
            { Start-StaticServer $site -Port 0 -RequestLogSize 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }
    }

    Context 'response options: -Browse, -NotFoundPage, -Fallback, -CacheControl, -Header, -Cors, -CorsOrigin, -NoCompression' {
        BeforeEach {
            $special = Join-Path $TestDrive 'special'
            $null = New-Item -ItemType Directory -Force -Path $special
            Set-Content -LiteralPath (Join-Path $special '404.html') -Value '<h1>custom 404</h1>' -NoNewline
            Set-Content -LiteralPath (Join-Path $special 'shell.html') -Value '<h1>shell</h1>' -NoNewline
            $page = Join-Path $site 'big.html'
            Set-Content -LiteralPath $page -Value ('<p>compress me</p>' * 200) -NoNewline
        }

        It '-Browse lists a folder without a default document; without it the folder is 404' {
            $plain = Start-StaticServer $site -Port 0
            (Invoke-TestRequest "$($plain.Url)empty/").StatusCode | Should -Be 404
            $browsing = Start-StaticServer $site -Port 0 -Browse
            $listing = Invoke-TestRequest "$($browsing.Url)empty/"
            $listing.StatusCode | Should -Be 200
            "$($listing.Headers['Content-Type'])" | Should -BeLike 'text/html*'
            # a folder with an index still gets its index
            (Invoke-TestRequest "$($browsing.Url)sub/").Content | Should -Be '<h1>sub index</h1>'
        }

        It '-NotFoundPage resolves against the PowerShell location, not the process directory' {
            Push-Location -LiteralPath $TestDrive -StackName PSWebServerTests
            $server = Start-StaticServer site -Port 0 -NotFoundPage special/404.html
            $response = Invoke-TestRequest "$($server.Url)no/such/thing"
            $response.StatusCode | Should -Be 404
            $response.Content | Should -Be '<h1>custom 404</h1>'
        }

        It '-Fallback answers a page navigation to a missing path with 200' {
            $server = Start-StaticServer $site -Port 0 -Fallback TestDrive:/special/shell.html
            $response = Invoke-WebRequest "$($server.Url)app/route" -Headers @{ Accept = 'text/html' } -SkipHttpErrorCheck
            $response.StatusCode | Should -Be 200
            $response.Content | Should -Be '<h1>shell</h1>'
        }

        It 'fails with PathNotFound (ObjectNotFound) when the -NotFoundPage or -Fallback file is missing, before binding' {
            $port = Get-FreeTcpPort
            $err = { Start-StaticServer $site -Port $port -NotFoundPage (Join-Path $special 'nope.html') } | Should -Throw -ErrorId 'PathNotFound,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -BeLike '*-NotFoundPage*'
            { Start-StaticServer $site -Port $port -Fallback nope.html } | Should -Throw -ErrorId 'PathNotFound,*'
            Get-StaticServer | Should -BeNullOrEmpty
            Test-TcpConnect -Port $port | Should -BeFalse
        }

        It 'fails with PathNotFile (InvalidArgument) when -NotFoundPage or -Fallback is a folder or not in the file system' {
            $err = { Start-StaticServer $site -Port 0 -NotFoundPage $special } | Should -Throw -ErrorId 'PathNotFile,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            { Start-StaticServer $site -Port 0 -Fallback Env:/PATH } | Should -Throw -ErrorId 'PathNotFile,*'
        }

        It '-CacheControl sets the header, and an empty value leaves it out' {
            $default = Start-StaticServer $site -Port 0
            "$((Invoke-TestRequest "$($default.Url)a.txt").Headers['Cache-Control'])" | Should -Be 'no-cache'
            $custom = Start-StaticServer $site -Port 0 -CacheControl 'public, max-age=60'
            "$((Invoke-TestRequest "$($custom.Url)a.txt").Headers['Cache-Control'])" | Should -Be 'public, max-age=60'
            $none = Start-StaticServer $site -Port 0 -CacheControl ''
            (Invoke-TestRequest "$($none.Url)a.txt").Headers.ContainsKey('Cache-Control') | Should -BeFalse
        }

        It '-Header adds headers to responses, including 404' {
            $server = Start-StaticServer $site -Port 0 -Header ([ordered]@{ 'X-One' = 1; 'X-Frame-Options' = 'DENY' })
            $ok = Invoke-TestRequest "$($server.Url)a.txt"
            "$($ok.Headers['X-One'])" | Should -Be '1'
            "$($ok.Headers['X-Frame-Options'])" | Should -Be 'DENY'
            "$((Invoke-TestRequest "$($server.Url)missing").Headers['X-Frame-Options'])" | Should -Be 'DENY'
        }

        It 'rejects a header that would break the response with InvalidHeader (InvalidArgument)' -ForEach @(
            @{ Case = 'a name with a space'; Header = @{ 'Bad Name' = 'x' } }
            @{ Case = 'an empty name'; Header = @{ '' = 'x' } }
            @{ Case = 'a value with CR LF'; Header = @{ 'X-Split' = "a`r`nSet-Cookie: evil=1" } }
            @{ Case = 'a value with LF'; Header = @{ 'X-Split' = "a`nb" } }
        ) {
            $err = { Start-StaticServer $site -Port 0 -Header $Header } | Should -Throw -ErrorId 'InvalidHeader,*' -PassThru -Because $Case
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            Get-StaticServer | Should -BeNullOrEmpty
        }

        It 'rejects a -CacheControl with a line break with InvalidHeader' {
            { Start-StaticServer $site -Port 0 -CacheControl "no-cache`r`nX-Evil: 1" } | Should -Throw -ErrorId 'InvalidHeader,*'
        }

        It '-Cors answers a request with an Origin with Access-Control-Allow-Origin: *' {
            $server = Start-StaticServer $site -Port 0 -Cors
            $response = Invoke-WebRequest "$($server.Url)a.txt" -Headers @{ Origin = 'http://other.test' }
            "$($response.Headers['Access-Control-Allow-Origin'])" | Should -Be '*'
            $plain = Start-StaticServer $site -Port 0
            (Invoke-WebRequest "$($plain.Url)a.txt" -Headers @{ Origin = 'http://other.test' }).Headers.ContainsKey('Access-Control-Allow-Origin') | Should -BeFalse
        }

        It '-CorsOrigin allows the listed origins only' {
            $server = Start-StaticServer $site -Port 0 -CorsOrigin 'http://a.test', 'https://b.test:8443/'
            "$((Invoke-WebRequest "$($server.Url)a.txt" -Headers @{ Origin = 'http://a.test' }).Headers['Access-Control-Allow-Origin'])" | Should -Be 'http://a.test'
            "$((Invoke-WebRequest "$($server.Url)a.txt" -Headers @{ Origin = 'https://b.test:8443' }).Headers['Access-Control-Allow-Origin'])" | Should -Be 'https://b.test:8443'
            (Invoke-WebRequest "$($server.Url)a.txt" -Headers @{ Origin = 'http://c.test' }).Headers.ContainsKey('Access-Control-Allow-Origin') | Should -BeFalse
        }

        It 'rejects a -CorsOrigin that is not an origin with InvalidCorsOrigin' -ForEach @(
            @{ Origin = 'a.test' }
            @{ Origin = 'ftp://a.test' }
            @{ Origin = 'http://a.test/path' }
            @{ Origin = 'http://a.test/?q=1' }
        ) {
            $err = { Start-StaticServer $site -Port 0 -CorsOrigin $Origin } | Should -Throw -ErrorId 'InvalidCorsOrigin,*' -PassThru
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'compresses text for a client that accepts gzip, and not with -NoCompression' -Skip:(-not (Get-Command curl -CommandType Application -ErrorAction SilentlyContinue)) {
            $curl = (Get-Command curl -CommandType Application | Select-Object -First 1).Source
            $compressing = Start-StaticServer $site -Port 0
            $plain = Start-StaticServer $site -Port 0 -NoCompression
            $sink = [System.IO.Path]::GetTempFileName()
            $head = & $curl -s -D - -o $sink -H 'Accept-Encoding: gzip' "$($compressing.Url)big.html"
            ($head | Where-Object { $_ -match '^Content-Encoding:' }) | Should -Match 'gzip'
            $head = & $curl -s -D - -o $sink -H 'Accept-Encoding: gzip' "$($plain.Url)big.html"
            ($head | Where-Object { $_ -match '^Content-Encoding:' }) | Should -BeNullOrEmpty
            (Get-Item -LiteralPath $sink).Length | Should -Be (Get-Item -LiteralPath $page).Length
            ($plain | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1).ContentEncoding | Should -Be ''
            ($compressing | Get-ServerRequest -Wait -Timeout 10 | Select-Object -First 1).ContentEncoding | Should -Be 'gzip'
        }
    }

    Context '-Wait in this session' {
        It 'writes each completed request, not the server, and stops the server when Select-Object -First ends it' -Skip:(-not (Get-Command curl -CommandType Application -ErrorAction SilentlyContinue)) {
            $port = Get-FreeTcpPort
            # curl retries until the server listens, so the request surely comes while -Wait is running.
            $curl = (Get-Command curl -CommandType Application | Select-Object -First 1).Source
            $client = Start-Process $curl -ArgumentList '-s', '-o', ([System.IO.Path]::GetTempFileName()), '--retry', '50', '--retry-connrefused', '--retry-delay', '0', '--retry-max-time', '20', "http://127.0.0.1:$port/a.txt" -PassThru
            try {
                $out = @(Start-StaticServer $site -Port $port -Name waiting -Wait 6>$null | Select-Object -First 1)
                $out.Count | Should -Be 1
                $out[0] | Should -BeOfType PSWebServer.ServerRequest
                $out[0].Path | Should -Be '/a.txt'
                $out[0].StatusCode | Should -Be 200
                $out[0].ServerName | Should -Be 'waiting'
                # the finally of -Wait stopped and unregistered the server, and freed the port
                Get-StaticServer -Name waiting -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
                Test-TcpConnect -Port $port | Should -BeFalse
            }
            finally {
                $client.WaitForExit(10000) | Out-Null
            }
        }

        It 'ends when the server is stopped from another runspace' {
            # The registry is per process: a thread job that imports the module sees and stops the server.
            $manifest = $ModuleManifest
            $job = Start-ThreadJob -Name PSWSTest-stopper {
                Import-Module $using:manifest
                $deadline = [DateTime]::UtcNow.AddSeconds(10)
                while (-not (Get-StaticServer -Name stopped-elsewhere -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline) {
                    Start-Sleep -Milliseconds 50
                }
                Stop-StaticServer -Name stopped-elsewhere -Timeout 1
            }
            try {
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $out = Start-StaticServer $site -Port 0 -Name stopped-elsewhere -Wait 6>$null
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
                $out | Should -BeNullOrEmpty
                Get-StaticServer -Name stopped-elsewhere -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            }
            finally {
                $null = $job | Wait-Job -Timeout 10
                $job | Remove-Job -Force
            }
        }

        It 'announces the URL as a PSHOST information record' -Skip:(-not (Get-Command curl -CommandType Application -ErrorAction SilentlyContinue)) {
            $port = Get-FreeTcpPort
            $curl = (Get-Command curl -CommandType Application | Select-Object -First 1).Source
            $client = Start-Process $curl -ArgumentList '-s', '-o', ([System.IO.Path]::GetTempFileName()), '--retry', '50', '--retry-connrefused', '--retry-delay', '0', '--retry-max-time', '20', "http://127.0.0.1:$port/" -PassThru
            try {
                $null = Start-StaticServer $site -Port $port -Wait -InformationVariable info 6>$null | Select-Object -First 1
                $info.Count | Should -Be 1
                $info[0].Tags | Should -Contain 'PSHOST'
                "$($info[0].MessageData)" | Should -BeLike "Serving $site at http://127.0.0.1:$port/*Ctrl+C*"
            }
            finally {
                $client.WaitForExit(10000) | Out-Null
            }
        }
    }
}
