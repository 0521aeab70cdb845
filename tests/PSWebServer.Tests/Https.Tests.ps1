# HTTPS (issue 8): the certificate sources and their errors, Export-ServerCertificate, and real clients over TLS with
# certificate validation on — each trusts exactly the server's certificate (curl --cacert, wget2 and aria2c
# --ca-certificate, Invoke-WebRequest in a child pwsh with SSL_CERT_FILE, an HttpClient whose chain policy holds
# only that certificate, Chromium with the certificate's SPKI hash). A missing client fails its test.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/HttpClientHelpers.ps1
    Import-PSWebServer
    $WwwRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../wwwroot'))

    function New-TestCertificate {
        # An RSA certificate for localhost/127.0.0.1 with the private key; -Eku '' leaves out the EKU extension.
        param([datetimeoffset] $NotBefore = [datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset] $NotAfter = [datetimeoffset]::UtcNow.AddDays(30),
            [string] $Eku = '1.3.6.1.5.5.7.3.1')
        $key = [System.Security.Cryptography.RSA]::Create(2048)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key,
            [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddDnsName('localhost')
        $names.AddIpAddress([System.Net.IPAddress]::Loopback)
        $request.CertificateExtensions.Add($names.Build())
        if ($Eku) {
            $oids = [System.Security.Cryptography.OidCollection]::new()
            $null = $oids.Add([System.Security.Cryptography.Oid]::new($Eku))
            $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($oids, $false))
        }
        $request.CreateSelfSigned($NotBefore, $NotAfter)
    }

    function New-PinnedHttpClient {
        # The README's recipe: validation on, with the server's certificate as the only trusted root.
        param([Parameter(Mandatory)] [System.Security.Cryptography.X509Certificates.X509Certificate2] $Certificate)
        $policy = [System.Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
        $policy.TrustMode = 'CustomRootTrust'
        $policy.RevocationMode = 'NoCheck'
        $null = $policy.CustomTrustStore.Add($Certificate)
        $handler = [System.Net.Http.SocketsHttpHandler]::new()
        $handler.SslOptions.CertificateChainPolicy = $policy
        $handler.UseProxy = $false
        [System.Net.Http.HttpClient]::new($handler)
    }

    function Get-ErrorOf {
        param([Parameter(Mandatory)] [scriptblock] $Script)
        try { & $Script; $null } catch { $_ }
    }

    $site = New-TestSite -Name 'tls-site'
    $bigBytes = New-RandomFile -Path (Join-Path $site 'big.bin') -Length (6MB + 77) -Seed 8
    $bigHash = Get-Sha256 $bigBytes
    $bigBytes = $null
}

AfterAll {
    Stop-StaticServer -All -Timeout 1
}

Describe 'Start-StaticServer -SelfSigned' {
    BeforeAll {
        $server = Start-StaticServer $site -Port 0 -SelfSigned -Name selfsigned
        $pem = $server | Export-ServerCertificate -Path (Join-Path $TestDrive 'selfsigned.pem')
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'serves https, and hands out the certificate without its private key' {
        $server.Scheme | Should -Be 'https'
        $server.Url | Should -Match '^https://127\.0\.0\.1:\d+/$'
        $server.Certificate | Should -BeOfType System.Security.Cryptography.X509Certificates.X509Certificate2
        $server.Certificate.HasPrivateKey | Should -BeFalse
        $server.Certificate.MatchesHostname('localhost') | Should -BeTrue
        $server.Certificate.MatchesHostname('127.0.0.1') | Should -BeTrue
        $server.Certificate.NotAfter - [datetime]::Now | Should -BeLessOrEqual ([timespan]::FromDays(7))
    }

    It 'answers an HttpClient that pins the certificate, and records the TLS version' {
        $client = New-PinnedHttpClient $server.Certificate
        try {
            $client.GetStringAsync("$($server.Url)a.txt").GetAwaiter().GetResult() | Should -Be 'hello from a'
        }
        finally { $client.Dispose() }
        $record = $server | Get-ServerRequest -Path '/a.txt' -Wait -Timeout 10 | Select-Object -First 1
        $record.TlsProtocol | Should -Be 'TLSv1.3'
        $record.Protocol | Should -Be 'HTTP/1.1'
    }

    It 'is refused by an HttpClient that does not trust it (validation is really on)' {
        $client = [System.Net.Http.HttpClient]::new()
        try {
            { $client.GetStringAsync($server.Url).GetAwaiter().GetResult() } | Should -Throw
        }
        finally { $client.Dispose() }
    }

    It 'is trusted by Invoke-WebRequest in a child pwsh whose SSL_CERT_FILE is the exported PEM' {
        $saved = $env:SSL_CERT_FILE
        try {
            $env:SSL_CERT_FILE = $pem.FullName
            $child = Invoke-ChildPwsh -Script "(Invoke-WebRequest -Uri '$($server.Url)a.txt' -NoProxy -TimeoutSec 10).Content"
        }
        finally { $env:SSL_CERT_FILE = $saved }
        $child.ExitCode | Should -Be 0 -Because $child.Error
        $child.Output | Should -Be 'hello from a'
        $plain = Invoke-ChildPwsh -Script "try { Invoke-WebRequest -Uri '$($server.Url)a.txt' -NoProxy -TimeoutSec 10; 'trusted' } catch { 'refused' }"
        $plain.Output | Should -Be 'refused'
    }

    It 'answers curl --cacert with validation on (no -k), and curl without it is refused' {
        $curl = Get-ToolPath curl
        $run = Invoke-Native -FilePath $curl -ArgumentList '-sS', '--noproxy', '*', '--cacert', $pem.FullName, "$($server.Url)a.txt"
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Be 'hello from a'
        $byName = Invoke-Native -FilePath $curl -ArgumentList '-sS', '--noproxy', '*', '--cacert', $pem.FullName, "https://localhost:$($server.Port)/a.txt"
        $byName.ExitCode | Should -Be 0 -Because $byName.StdErr
        $untrusted = Invoke-Native -FilePath $curl -ArgumentList '-sS', '--noproxy', '*', "$($server.Url)a.txt"
        $untrusted.ExitCode | Should -Be 60 -Because 'curl cannot verify a certificate it was not given'
    }

    It 'sends a 6 MiB file byte-exact and a range of it, to curl' {
        $curl = Get-ToolPath curl
        $out = Join-Path $TestDrive 'big-curl.bin'
        $run = Invoke-Native -FilePath $curl -TimeoutSeconds 60 -ArgumentList '-sS', '--noproxy', '*', '--cacert', $pem.FullName, '-o', $out, "$($server.Url)big.bin"
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        (Get-FileHash -LiteralPath $out -Algorithm SHA256).Hash | Should -Be $bigHash
        $part = Join-Path $TestDrive 'part.bin'
        $ranged = Invoke-Native -FilePath $curl -ArgumentList '-sS', '--noproxy', '*', '--cacert', $pem.FullName, '-r', '1000-1999', '-o', $part, '-w', '%{http_code}', "$($server.Url)big.bin"
        $ranged.StdOut | Should -Be '206'
        $expected = [byte[]]::new(1000)
        $stream = [System.IO.File]::OpenRead((Join-Path $site 'big.bin'))
        try { $null = $stream.Seek(1000, 'Begin'); $null = $stream.Read($expected, 0, 1000) } finally { $stream.Dispose() }
        Get-Sha256 ([System.IO.File]::ReadAllBytes($part)) | Should -Be (Get-Sha256 $expected)
    }

    It 'answers plain HTTP on its port with 400 naming the https URL, and closes' {
        $curl = Get-ToolPath curl
        $httpUrl = $server.Url -replace '^https', 'http'
        $run = Invoke-Native -FilePath $curl -TimeoutSeconds 15 -ArgumentList '-sS', '--noproxy', '*', '-w', '\n%{http_code}', $httpUrl
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match ([regex]::Escape($server.Url))
        $run.StdOut | Should -Match '400$'
    }

    It 'is downloaded by wget2 with --ca-certificate' {
        $wget = Get-ToolPath wget2
        $out = Join-Path $TestDrive 'big-wget.bin'
        $run = Invoke-Native -FilePath $wget -TimeoutSeconds 60 -ArgumentList '--no-config', '--tries=1', '--timeout=10', '--ca-certificate', $pem.FullName,
            '-O', $out, "$($server.Url)big.bin"
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        (Get-FileHash -LiteralPath $out -Algorithm SHA256).Hash | Should -Be $bigHash
    }

    It 'is downloaded by aria2c with --ca-certificate, split into ranges over several TLS connections' {
        $aria2c = Get-ToolPath aria2c
        $out = Join-Path $TestDrive 'aria'
        $server | Clear-ServerRequest
        $run = Invoke-Native -FilePath $aria2c -TimeoutSeconds 60 -ArgumentList @(
            '--no-conf=true', '-x4', '-s4', '-k1M', '--allow-overwrite=true', '--auto-file-renaming=false', '--file-allocation=none',
            '--max-tries=1', '--connect-timeout=5', '--timeout=30', '--summary-interval=0', '--console-log-level=warn',
            '--download-result=hide', "--ca-certificate=$($pem.FullName)", '--check-certificate=true', '-d', $out, '-o', 'big.bin', "$($server.Url)big.bin")
        $run.ExitCode | Should -Be 0 -Because "aria2c said: $($run.StdErr) $($run.StdOut)"
        (Get-FileHash -LiteralPath (Join-Path $out 'big.bin') -Algorithm SHA256).Hash | Should -Be $bigHash
        $null = $server | Get-ServerRequest -Path '/big.bin' -StatusCode 206 -Wait -Timeout 10 | Select-Object -First 2
        @($server | Get-ServerRequest -Path '/big.bin' -StatusCode 206).Count | Should -BeGreaterOrEqual 2
        @($server | Get-ServerRequest -Path '/big.bin').TlsProtocol | Select-Object -Unique | Should -Match '^TLSv1\.[23]$'
    }
}

Describe 'openssl s_client against -SelfSigned (what testssl.sh checks in docs/tls.md, in seconds)' {
    BeforeAll {
        $server = Start-StaticServer $site -Port 0 -SelfSigned -Name tls-openssl
        $pem = $server | Export-ServerCertificate -Path (Join-Path $TestDrive 'openssl.pem')
        $openssl = Get-ToolPath openssl
        function Invoke-SClient {
            param([string[]] $Options, [string] $InputText, [int] $Port = $server.Port, [string] $CaFile = $pem.FullName)
            Invoke-Native -FilePath $openssl -TimeoutSeconds 15 -InputText $InputText -ArgumentList (@('s_client', '-connect', "127.0.0.1:$Port",
                '-servername', 'localhost', '-CAfile', $CaFile, '-verify_return_error') + $Options)
        }
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'accepts TLS <_> with a verified certificate and ALPN http/1.1' -ForEach '1.2', '1.3' {
        $run = Invoke-SClient @("-tls$($_ -replace '\.', '_')", '-alpn', 'http/1.1')
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match "New, TLSv$([regex]::Escape($_)), Cipher is"
        $run.StdOut | Should -Match 'Verify return code: 0 \(ok\)'
        $run.StdOut | Should -Match 'ALPN protocol: http/1.1'
    }

    It 'refuses TLS 1.1 and TLS 1.0 with a protocol-version alert, even from a client willing to use them' -ForEach 'tls1_1', 'tls1' {
        $run = Invoke-SClient @("-$_", '-cipher', 'DEFAULT@SECLEVEL=0')
        $run.ExitCode | Should -Not -Be 0
        ($run.StdOut + $run.StdErr) | Should -Match 'alert protocol version'
    }

    It 'prefers an AEAD suite under TLS 1.2 when the client lists CBC ones first (server order)' {
        $run = Invoke-SClient @('-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256')
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match 'New, TLSv1\.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256'
    }

    It 'serves nothing to a TLS 1.2 client that has only CBC suites: the connection ends before a request is read' {
        $server | Clear-ServerRequest
        $curl = Invoke-Curl "https://127.0.0.1:$($server.Port)/" -MaxTime 10 -WriteOut '%{http_code}' -Arguments @('--cacert', $pem.FullName,
            '--tlsv1.2', '--tls-max', '1.2', '--ciphers', 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA')
        $curl.ExitCode | Should -Not -Be 0
        $curl.WriteOut | Should -Be '000'
        $curl.Body.Length | Should -Be 0
        # the same server still serves an AEAD client, and recorded nothing for the refused one
        $ok = Invoke-Curl "https://127.0.0.1:$($server.Port)/" -Arguments @('--cacert', $pem.FullName, '--tlsv1.2', '--tls-max', '1.2')
        $ok.Status | Should -Be 200 -Because $ok.StdErr
        @($server | Get-ServerRequest -Wait -Timeout 5).Count | Should -Be 1
    }

    It 'ends a <Version> response read to the close with close_notify before the FIN (<Path> over TLS <Tls>, <Engine> engine)' -ForEach @(
        @{ Tls = '1.3'; Path = '/'; Version = 'HTTP/1.1'; Engine = 'Auto' }
        @{ Tls = '1.2'; Path = '/'; Version = 'HTTP/1.1'; Engine = 'Auto' }
        @{ Tls = '1.3'; Path = '/big.bin'; Version = 'HTTP/1.1'; Engine = 'Auto' }
        @{ Tls = '1.3'; Path = '/'; Version = 'HTTP/1.0'; Engine = 'Auto' }
        @{ Tls = '1.3'; Path = '/'; Version = 'HTTP/1.1'; Engine = 'Socket' }
    ) {
        # RFC 8446 §6.1: each side sends close_notify before it closes its write side, so a client reading to the close
        # can tell the end of the response from a cut connection; OpenSSL calls a close without it "unexpected eof".
        $target = $server
        if ($Engine -ne 'Auto') { $target = Start-StaticServer $site -Port 0 -SelfSigned -Name "tls-close-$Engine" -Engine $Engine }
        try {
            $pemFor = if ($target -eq $server) { $pem } else { $target | Export-ServerCertificate -Path (Join-Path $TestDrive "close-$Engine.pem") }
            $request = if ($Version -eq 'HTTP/1.0') { "GET $Path HTTP/1.0`r`n`r`n" } else { "GET $Path HTTP/1.1`r`nHost: localhost`r`nConnection: close`r`n`r`n" }
            $run = Invoke-SClient @("-tls$($Tls -replace '\.', '_')", '-msg', '-ign_eof') -InputText $request -Port $target.Port -CaFile $pemFor.FullName
            $run.ExitCode | Should -Be 0 -Because $run.StdErr
            $run.StdOut | Should -Match "HTTP/1\.[01] 200 OK"
            $run.StdOut | Should -Match "<<< TLS $([regex]::Escape($Tls)), Alert \[length 0002\], warning close_notify"
            ($run.StdOut + $run.StdErr) | Should -Not -Match 'unexpected eof'
        }
        finally {
            if ($target -ne $server) { $target | Stop-StaticServer -Timeout 1 }
        }
    }

    It 'resumes TLS 1.2 sessions (openssl s_client -reconnect: one full handshake, then five resumed)' {
        $run = Invoke-SClient @('-tls1_2', '-reconnect')
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        @([regex]::Matches($run.StdOut, '(?m)^New, TLSv1\.2')).Count | Should -Be 1
        @([regex]::Matches($run.StdOut, '(?m)^Reused, TLSv1\.2')).Count | Should -Be 5
    }

    It 'resumes TLS 1.3 sessions from a ticket (-sess_out, then -sess_in)' {
        # TLS 1.3 tickets come after the handshake: the first client sends a request and reads to the server's close
        # (-ign_eof), so it has read them when it writes its session out.
        $session = Join-Path $TestDrive 'tls13.session'
        $first = Invoke-SClient @('-tls1_3', '-ign_eof', '-sess_out', $session) -InputText "GET / HTTP/1.1`r`nHost: localhost`r`nConnection: close`r`n`r`n"
        $first.StdOut | Should -Match '(?m)^New, TLSv1\.3'
        $first.StdOut | Should -Match 'HTTP/1\.1 200 OK'
        $session | Should -Exist
        $second = Invoke-SClient @('-tls1_3', '-sess_in', $session)
        $second.ExitCode | Should -Be 0 -Because $second.StdErr
        $second.StdOut | Should -Match '(?m)^Reused, TLSv1\.3'
    }
}

Describe 'headless Chromium over HTTPS' {
    BeforeAll {
        $server = Start-StaticServer $WwwRoot -Port 0 -SelfSigned -Name tls-wwwroot
        $pem = Export-ServerCertificate -Name tls-wwwroot -Path (Join-Path $TestDrive 'wwwroot.pem')
    }
    AfterAll {
        if ($server) { $server | Stop-StaticServer -Timeout 1 }
    }

    It 'renders wwwroot with only the server''s SPKI hash accepted (--ignore-certificate-errors-spki-list)' {
        $expected = [Convert]::ToBase64String([System.Security.Cryptography.SHA256]::HashData($server.Certificate.PublicKey.ExportSubjectPublicKeyInfo()))
        $pem.SpkiSha256 | Should -Be $expected
        $run = Invoke-Chromium -Arguments "--ignore-certificate-errors-spki-list=$($pem.SpkiSha256)", '--dump-dom', '--virtual-time-budget=5000', $server.Url
        $run.ExitCode | Should -Be 0 -Because $run.StdErr
        $run.StdOut | Should -Match '<h1>PSWebServer</h1>'
        foreach ($asset in '/', '/css/site.css', '/img/logo.png') {
            $record = $server | Get-ServerRequest -Path $asset -Wait -Timeout 10 | Select-Object -First 1
            $record.StatusCode | Should -BeIn 200, 304 -Because "Chromium fetched $asset"
            $record.UserAgent | Should -Match 'Chrome'
            $record.TlsProtocol | Should -Be 'TLSv1.3'
        }
    }

    It 'is not rendered by Chromium without the pin (its certificate error page instead)' {
        $server | Clear-ServerRequest
        $run = Invoke-Chromium -Arguments '--dump-dom', '--virtual-time-budget=3000', $server.Url
        $run.StdOut | Should -Not -Match '<h1>PSWebServer</h1>'
        @($server | Get-ServerRequest).Count | Should -Be 0 -Because 'no request is sent over a connection whose certificate was refused'
    }
}

Describe 'Start-StaticServer -CertificatePath and -Certificate' {
    BeforeAll {
        $made = New-TestCertificate
        $pfx = Join-Path $TestDrive 'site.pfx'
        [System.IO.File]::WriteAllBytes($pfx, $made.Export('Pkcs12', 'pfx-pass'))
        $certPem = Join-Path $TestDrive 'cert.pem'
        $keyPem = Join-Path $TestDrive 'key.pem'
        $encryptedKey = Join-Path $TestDrive 'key.encrypted.pem'
        $rsa = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($made)
        Set-Content -LiteralPath $certPem -Value $made.ExportCertificatePem()
        Set-Content -LiteralPath $keyPem -Value $rsa.ExportPkcs8PrivateKeyPem()
        $pbe = [System.Security.Cryptography.PbeParameters]::new('Aes256Cbc', [System.Security.Cryptography.HashAlgorithmName]::SHA256, 100000)
        Set-Content -LiteralPath $encryptedKey -Value $rsa.ExportEncryptedPkcs8PrivateKeyPem([char[]]'key-pass', $pbe)
        $pfxPassword = ConvertTo-SecureString 'pfx-pass' -AsPlainText -Force
        $keyPassword = ConvertTo-SecureString 'key-pass' -AsPlainText -Force

        function Test-ServesWith {
            param($Server)
            try {
                $Server.Certificate.Thumbprint | Should -Be $made.Thumbprint
                $client = New-PinnedHttpClient $Server.Certificate
                try { $client.GetStringAsync("$($Server.Url)a.txt").GetAwaiter().GetResult() | Should -Be 'hello from a' }
                finally { $client.Dispose() }
            }
            finally { $Server | Stop-StaticServer -Timeout 1 }
        }
    }

    It 'serves with a PFX file and its password' {
        Test-ServesWith (Start-StaticServer $site -Port 0 -CertificatePath $pfx -CertificatePassword $pfxPassword)
    }

    It 'serves with a PEM certificate and a separate key, plain or encrypted' {
        Test-ServesWith (Start-StaticServer $site -Port 0 -CertificatePath $certPem -KeyPath $keyPem)
        Test-ServesWith (Start-StaticServer $site -Port 0 -CertificatePath $certPem -KeyPath $encryptedKey -CertificatePassword $keyPassword)
    }

    It 'resolves the files relative to the PowerShell location' {
        Push-Location $TestDrive
        try { Test-ServesWith (Start-StaticServer $site -Port 0 -CertificatePath ./cert.pem -KeyPath ./key.pem) }
        finally { Pop-Location }
    }

    It 'serves with a certificate object taken from the CurrentUser\My store' {
        $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
        $store.Open('ReadWrite')
        $stored = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($made.Export('Pkcs12', ''), '', 'Exportable,PersistKeySet')
        try {
            $store.Add($stored)
            $fromStore = $store.Certificates.Find('FindByThumbprint', $made.Thumbprint, $false)[0]
            $fromStore.HasPrivateKey | Should -BeTrue
            Test-ServesWith (Start-StaticServer $site -Port 0 -Certificate $fromStore)
        }
        finally {
            $store.Remove($stored)
            $store.Dispose()
        }
    }

    It 'refuses <Case> with <Id> (<Category>), and nothing listens' -ForEach @(
        @{ Case = 'a wrong PFX password'; Id = 'CertificatePasswordInvalid'; Category = 'AuthenticationError'
           Start = { param($port) Start-StaticServer $site -Port $port -CertificatePath $pfx -CertificatePassword (ConvertTo-SecureString 'nope' -AsPlainText -Force) } }
        @{ Case = 'a PFX without its password'; Id = 'CertificatePasswordInvalid'; Category = 'AuthenticationError'
           Start = { param($port) Start-StaticServer $site -Port $port -CertificatePath $pfx } }
        @{ Case = 'an encrypted key without its password'; Id = 'CertificatePasswordInvalid'; Category = 'AuthenticationError'
           Start = { param($port) Start-StaticServer $site -Port $port -CertificatePath $certPem -KeyPath $encryptedKey } }
        @{ Case = 'a certificate without a private key'; Id = 'CertificateWithoutPrivateKey'; Category = 'InvalidArgument'
           Start = { param($port) Start-StaticServer $site -Port $port -CertificatePath $certPem } }
        @{ Case = 'a certificate object without a private key'; Id = 'CertificateWithoutPrivateKey'; Category = 'InvalidArgument'
           Start = { param($port) Start-StaticServer $site -Port $port -Certificate ([System.Security.Cryptography.X509Certificates.X509Certificate2]::new($made.RawData)) } }
        @{ Case = 'an expired certificate'; Id = 'CertificateExpired'; Category = 'InvalidArgument'
           Start = { param($port) Start-StaticServer $site -Port $port -Certificate (New-TestCertificate -NotBefore ([datetimeoffset]::UtcNow.AddDays(-9)) -NotAfter ([datetimeoffset]::UtcNow.AddDays(-1))) } }
        @{ Case = 'a certificate not yet valid'; Id = 'CertificateNotYetValid'; Category = 'InvalidArgument'
           Start = { param($port) Start-StaticServer $site -Port $port -Certificate (New-TestCertificate -NotBefore ([datetimeoffset]::UtcNow.AddDays(2))) } }
        @{ Case = 'a client-authentication certificate'; Id = 'CertificateNotForServerAuthentication'; Category = 'InvalidArgument'
           Start = { param($port) Start-StaticServer $site -Port $port -Certificate (New-TestCertificate -Eku '1.3.6.1.5.5.7.3.2') } }
        @{ Case = 'a file that is no certificate'; Id = 'CertificateUnreadable'; Category = 'InvalidData'
           Start = { param($port) Start-StaticServer $site -Port $port -CertificatePath (Join-Path $site 'a.txt') } }
        @{ Case = 'a missing certificate file'; Id = 'PathNotFound'; Category = 'ObjectNotFound'
           Start = { param($port) Start-StaticServer $site -Port $port -CertificatePath (Join-Path $TestDrive 'none.pfx') } }
    ) {
        $port = Get-FreeTcpPort
        $err = Get-ErrorOf { & $Start $port }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be $Category
        Test-TcpConnect -Port $port | Should -BeFalse
        @(Get-StaticServer).Name | Should -Not -Contain 'server1' -Because 'a failed start registers nothing'
    }

    It 'lets the binder refuse conflicting certificate parameters' {
        { Start-StaticServer $site -Port 0 -SelfSigned -CertificatePath $pfx } | Should -Throw -ErrorId 'AmbiguousParameterSet,PSWebServer.Commands.StartStaticServerCommand'
        { Start-StaticServer $site -Port 0 -SelfSigned -Certificate $made } | Should -Throw -ErrorId 'AmbiguousParameterSet,PSWebServer.Commands.StartStaticServerCommand'
        { Start-StaticServer $site -Port 0 -SelfSigned -CertificatePassword $pfxPassword } | Should -Throw -ErrorId 'AmbiguousParameterSet,PSWebServer.Commands.StartStaticServerCommand'
        # -KeyPath belongs to the -CertificatePath set only: alone, that set's mandatory -CertificatePath is missing
        { Start-StaticServer $site -Port 0 -KeyPath $keyPem } | Should -Throw -ErrorId 'MissingMandatoryParameter,PSWebServer.Commands.StartStaticServerCommand'
    }
}

Describe 'Export-ServerCertificate' {
    BeforeAll {
        $tls = Start-StaticServer $site -Port 0 -SelfSigned -Name export-tls
        $plain = Start-StaticServer $site -Port 0 -Name export-plain
    }
    AfterAll {
        @($tls, $plain) | Where-Object { $_ } | Stop-StaticServer -Timeout 1
    }

    It 'writes the public certificate as PEM, by -Name or from the pipeline, relative to the location' {
        Push-Location $TestDrive
        try {
            $byName = Export-ServerCertificate -Name export-tls -Path ./by-name.pem
            $piped = $tls | Export-ServerCertificate -Path ./piped.pem
        }
        finally { Pop-Location }
        $byName | Should -BeOfType System.IO.FileInfo
        $byName.FullName | Should -Be (Join-Path $TestDrive 'by-name.pem')
        $text = Get-Content -Raw -LiteralPath $byName.FullName
        $text | Should -Match '^-----BEGIN CERTIFICATE-----'
        $text | Should -Not -Match 'PRIVATE KEY'
        $read = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($text)
        $read.Thumbprint | Should -Be $tls.Certificate.Thumbprint
        $byName.Thumbprint | Should -Be $tls.Certificate.Thumbprint
        (Get-Content -Raw -LiteralPath $piped.FullName) | Should -Be $text
    }

    It 'writes ServerNotHttps for a plain-HTTP server, and ServerNotFound for an unknown name' {
        $plain | Export-ServerCertificate -Path (Join-Path $TestDrive 'plain.pem') -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ServerNotHttps,*'
        Test-Path (Join-Path $TestDrive 'plain.pem') | Should -BeFalse
        Export-ServerCertificate -Name no-such-server -Path (Join-Path $TestDrive 'x.pem') -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'ServerNotFound,*'
    }

    It 'refuses a folder that does not exist' {
        { $tls | Export-ServerCertificate -Path (Join-Path $TestDrive 'no/such/folder/c.pem') } | Should -Throw -ErrorId 'PathNotFound,PSWebServer.Commands.ExportServerCertificateCommand'
    }
}
