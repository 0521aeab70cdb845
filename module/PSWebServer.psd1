#
# Module manifest for PSWebServer: a fast static-file web server that runs inside the PowerShell session.
#
@{
    RootModule           = 'PSWebServer.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '0f985f74-9843-47ab-9c0f-c2ff5e2ed033'
    Author               = 'PSWebServer contributors'
    CompanyName          = 'PSWebServer contributors'
    Copyright            = '(c) PSWebServer contributors. All rights reserved.'
    Description          = 'Serves a folder over HTTP/1.1 from inside the PowerShell session: Start-StaticServer returns at once, the server runs in the background, and every request it answers can be read, filtered and awaited as an object with Get-ServerRequest.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')

    # The engine ships beside the module assembly; loading it here makes its types (PSWebServer.StaticServer,
    # PSWebServer.ServerRequest) available as soon as the module is imported.
    RequiredAssemblies   = @('PSWebServer.Core.dll')

    FormatsToProcess     = @('PSWebServer.format.ps1xml')

    CmdletsToExport      = @(
        'Start-StaticServer'
        'Stop-StaticServer'
        'Get-StaticServer'
        'Get-ServerRequest'
        'Clear-ServerRequest'
        'Add-ServerResponse'
        'Get-ServerResponse'
        'Remove-ServerResponse'
        'Assert-ServerRequest'
        'Export-ServerCertificate'
        'Invoke-ServerReload'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('WebServer', 'HTTP', 'StaticFiles', 'Development', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://example.invalid/PSWebServer'
            LicenseUri   = 'https://example.invalid/PSWebServer/LICENSE'
            ReleaseNotes = 'First release: Start-, Stop- and Get-StaticServer, Get- and Clear-ServerRequest.'
        }
    }
}
