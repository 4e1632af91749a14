<#
.SYNOPSIS
Removes what install.ps1 added: the ChatSocket handler mappings in applicationHost.config, the global
module ChatSocketModule, the <chatsocket> section's declaration and schema file, the DLLs under Program
Files, and the event log source.

.DESCRIPTION
Run from an elevated 64-bit Windows PowerShell 5.1 (or PowerShell 7). Running it again is safe.
A site's own web.config is never edited: if one still maps *.chatsocket, the script names the site, and
those URLs answer HTTP 500.21 until the entry is removed.

.PARAMETER KeepFiles
Leave "%ProgramFiles%\ChatSocket" and "%ProgramFiles(x86)%\ChatSocket" in place.

.PARAMETER KeepEventSource
Keep the "chatsocket" event log source, so the Event Viewer still formats the module's past events.

.EXAMPLE
.\windows\uninstall.ps1
#>
[CmdletBinding()]
param(
    [switch]$KeepFiles,
    [switch]$KeepEventSource
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0
try {
    . (Join-Path $PSScriptRoot 'iis-common.ps1')
} catch {
    # Typically a file still marked as downloaded, under an execution policy that refuses those.
    Write-Host "chatsocket: cannot load iis-common.ps1 beside this script: $($_.Exception.Message)" -ForegroundColor Red
    Write-Host "chatsocket: unblock the unzipped files (Get-ChildItem -Recurse '$PSScriptRoot' | Unblock-File) and run: powershell -ExecutionPolicy Bypass -File '$PSCommandPath'"
    exit 1
}

function Remove-HandlerMappings {
    $paths = @(Get-ApphostHandlerLocations)
    if ($paths.Count -eq 0) {
        Write-Step "no $HandlerName handler mapping in applicationHost.config."
        return
    }
    foreach ($path in $paths) {
        $arguments = @('set', 'config')
        if ($path) { $arguments += $path }
        $arguments += @('-section:system.webServer/handlers', "/-[name='$HandlerName']", '/commit:apphost')
        Invoke-AppCmdOrStop $arguments | Out-Null
        if ($path) { Write-Step "removed the $HandlerName handler mapping of '$path'" }
        else { Write-Step "removed the server-level $HandlerName handler mapping" }
    }
}

function Remove-GlobalModule {
    if ($null -ne (Get-GlobalModuleEntry)) {
        # Removes the globalModules entry and the server-level modules entry together.
        Invoke-AppCmdOrStop @('uninstall', 'module', $ModuleName) | Out-Null
        Write-Step "uninstalled the global module $ModuleName"
    } elseif ($null -ne (Get-EnabledModuleEntry)) {
        Invoke-AppCmdOrStop @('delete', 'module', $ModuleName) | Out-Null
        Write-Step "removed the leftover modules entry $ModuleName"
    } else {
        Write-Step "$ModuleName is not installed."
    }
}

# Sites whose own web.config still maps *.chatsocket: only their owner should edit that file.
function Show-SitesStillMapping {
    foreach ($name in (Get-SiteNames)) {
        $handlers = Get-ConfigSection 'system.webServer/handlers' $name
        if ($handlers.Error) { continue }
        if ($null -ne (Get-NamedEntry $handlers.Xml '//handlers/add' $HandlerName)) {
            Write-Note "site '$name' still maps $HandlerPath in its web.config: those URLs answer HTTP 500.21 until its <add name=""$HandlerName"" .../> is removed."
        }
    }
}

# The <chatsocket> section's declaration in applicationHost.config, then its schema file. A web.config that
# still sets the section answers every request with 500.19 from then on: those sites are named first.
function Remove-ConfigSection {
    foreach ($name in (Get-SiteNames)) {
        $section = Get-ConfigSection "system.webServer/$SectionName" $name
        if ($section.Error) { continue }
        $node = $section.Xml.SelectSingleNode("//$SectionName")
        if ($null -ne $node -and $node.Attributes.Count -gt 0) {
            Write-Note "site '$name' sets <$SectionName> in its configuration: once the section is gone its requests answer HTTP 500.19 until that element is removed."
        }
    }
    $config = Open-WebServerSectionGroup
    if ($null -ne (Get-SectionDefinition $config.Group)) {
        $config.Group.Sections.DeleteSection($SectionName)
        $config.Admin.CommitChanges()
        Write-Step "removed the declaration of system.webServer/$SectionName from applicationHost.config"
    } else {
        Write-Step "the section system.webServer/$SectionName is not declared."
    }
    $schema = Join-Path $SchemaFolder $SchemaFileName
    if (Test-Path -LiteralPath $schema) {
        Remove-Item -LiteralPath $schema -Force
        Write-Step "removed $schema"
    }
}

# Worker processes release the DLL once IIS has recycled them after the configuration change.
function Remove-ModuleFolder([string]$Folder) {
    if (-not (Test-Path -LiteralPath $Folder)) { return }
    for ($attempt = 1; $attempt -le 30; $attempt++) {
        try {
            Remove-Item -LiteralPath $Folder -Recurse -Force -ErrorAction Stop
            Write-Step "removed $Folder"
            return
        } catch {
            Start-Sleep -Seconds 1
        }
    }
    Write-Note "$Folder is still in use (a worker process has $DllName loaded). It can go once IIS lets that process end: run iisreset, then this script again."
}

function Remove-EventSource {
    if (Test-Path -LiteralPath $EventSourceKey) {
        Remove-Item -LiteralPath $EventSourceKey -Recurse -Force
        Write-Step "removed the event log source '$EventSource'"
    }
}

# The list of programs install.ps1 set on each application pool.
function Remove-AllowedPrograms {
    foreach ($pool in @(Get-AppCmdList @('list', 'apppool', '/text:name'))) {
        $result = Invoke-AppCmd @('set', 'config', '-section:system.applicationHost/applicationPools',
            "/-[name='$pool'].environmentVariables.[name='$AllowedProgramsVariable']", '/commit:apphost')
        if ($result.ExitCode -eq 0) { Write-Step "removed $AllowedProgramsVariable from application pool '$pool'" }
    }
}

function Uninstall-ChatSocket {
    Assert-Administrator
    Assert-NativeBitness
    if (Test-IisInstalled) {
        Remove-HandlerMappings
        Remove-GlobalModule
        Remove-AllowedPrograms
        Remove-ConfigSection
        Show-SitesStillMapping
    } else {
        Write-Note 'IIS is not installed: removing files and the event log source only.'
    }
    if (-not $KeepFiles) {
        Remove-ModuleFolder (Get-InstallFolder 'x64')
        if ([Environment]::Is64BitOperatingSystem) { Remove-ModuleFolder (Get-InstallFolder 'x86') }
    }
    if (-not $KeepEventSource) { Remove-EventSource }
    Write-Host 'chatsocket: uninstalled.' -ForegroundColor Green
}

try {
    Uninstall-ChatSocket
} catch {
    Stop-WithError ("uninstall failed: {0}`n{1}" -f $_.Exception.Message, $_.InvocationInfo.PositionMessage)
}
# appcmd calls that were allowed to fail leave their code in $LASTEXITCODE: report success explicitly.
exit 0
