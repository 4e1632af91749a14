# Shared by install.ps1 and uninstall.ps1 (dot-sourced): the names both must agree on, and small helpers
# around appcmd. Windows PowerShell 5.1 compatible.

$ModuleName = 'ChatSocketModule'   # globalModules/modules entry; handler mappings name it in modules=
$HandlerName = 'ChatSocket'        # the handlers entry that maps *.chatsocket
$HandlerPath = '*.chatsocket'
$DllName = 'chatsocket.dll'
$InstallFolderName = 'ChatSocket'  # under Program Files (x64 DLL) and Program Files (x86) (x86 DLL)
$EventSource = 'chatsocket'        # Application log; events 1000 error, 1001 warning, 1002 information
$CatName = 'chatsocket-cat.exe'    # the line-echo program installed beside the DLL (kind = process examples)
# The module setting that lists the programs kind = process endpoints may run: an environment variable of
# the application pools (applicationHost.config), which no site's web.config can set.
$AllowedProgramsVariable = 'CHATSOCKET_ALLOWED_PROGRAMS'
# <system.webServer><chatsocket>, the defaults of a site's endpoint files: its schema file, which IIS reads
# from inetsrv\config\schema, and its declaration in applicationHost.config's system.webServer section group.
$SectionName = 'chatsocket'
$SchemaFileName = 'chatsocket_schema.xml'
$SchemaFolder = Join-Path $env:windir 'System32\inetsrv\config\schema'

$AppCmd = Join-Path $env:windir 'System32\inetsrv\appcmd.exe'
$ApphostConfig = Join-Path $env:windir 'System32\inetsrv\config\applicationHost.config'
$EventSourceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\EventLog\Application\$EventSource"

function Write-Step([string]$Text) { Write-Host "chatsocket: $Text" }
function Write-Note([string]$Text) { Write-Host "chatsocket: $Text" -ForegroundColor Yellow }
function Stop-WithError([string]$Text) {
    Write-Host "chatsocket: $Text" -ForegroundColor Red
    exit 1
}

function Get-ProgramFiles64 {
    if ($env:ProgramW6432) { return $env:ProgramW6432 }
    return $env:ProgramFiles
}

# Where each build goes. On 32-bit Windows there is one Program Files and only the x86 build.
function Get-InstallFolder([ValidateSet('x64', 'x86')][string]$Arch) {
    if ($Arch -eq 'x64' -or -not [Environment]::Is64BitOperatingSystem) {
        return Join-Path (Get-ProgramFiles64) $InstallFolderName
    }
    return Join-Path ${env:ProgramFiles(x86)} $InstallFolderName
}

function Assert-Administrator {
    $principal = New-Object Security.Principal.WindowsPrincipal ([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Stop-WithError 'run this from an elevated PowerShell (Run as administrator): it changes the IIS configuration, Program Files and the registry.'
    }
}

function Assert-NativeBitness {
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        Stop-WithError 'run this from the 64-bit PowerShell: a 32-bit one sees redirected System32 and Program Files folders.'
    }
}

function Test-IisInstalled { return Test-Path -LiteralPath $AppCmd -PathType Leaf }

function Get-IisMajorVersion {
    $inetStp = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\InetStp' -ErrorAction SilentlyContinue
    if ($inetStp -and ($inetStp.PSObject.Properties.Name -contains 'MajorVersion')) { return [int]$inetStp.MajorVersion }
    return 0
}

function Test-ServerEdition { return (Get-CimInstance -ClassName Win32_OperatingSystem).ProductType -ne 1 }

# Runs appcmd and returns .ExitCode and .Output (stdout and stderr as one string).
function Invoke-AppCmd([string[]]$Arguments) {
    # appcmd reports on stderr at times; with 'Stop', Windows PowerShell 5.1 would throw on the first line.
    $ErrorActionPreference = 'Continue'
    $output = & $AppCmd @Arguments 2>&1 | ForEach-Object { "$_" } | Out-String
    return [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output.Trim() }
}

# Runs appcmd; stops the script with appcmd's own message if it fails.
function Invoke-AppCmdOrStop([string[]]$Arguments) {
    $result = Invoke-AppCmd $Arguments
    if ($result.ExitCode -ne 0) {
        Stop-WithError ("appcmd {0} failed ({1}):`n{2}" -f ($Arguments -join ' '), $result.ExitCode, $result.Output)
    }
    return $result.Output
}

# The effective configuration section as XML, at server level or for a site (-Path). .Error holds appcmd's
# message when IIS cannot read the configuration there (a broken or locked web.config).
function Get-ConfigSection([string]$Section, [string]$Path) {
    $arguments = @('list', 'config')
    if ($Path) { $arguments += $Path }
    $arguments += "-section:$Section"
    $result = Invoke-AppCmd $arguments
    if ($result.ExitCode -ne 0) { return [pscustomobject]@{ Xml = $null; Error = $result.Output } }
    try {
        return [pscustomobject]@{ Xml = [xml]$result.Output; Error = $null }
    } catch {
        return [pscustomobject]@{ Xml = $null; Error = "appcmd printed no readable XML for $Section`: $($result.Output)" }
    }
}

function Get-ConfigSectionOrStop([string]$Section, [string]$Path) {
    $config = Get-ConfigSection $Section $Path
    if ($config.Error) {
        $where = if ($Path) { "for '$Path'" } else { 'at server level' }
        Stop-WithError "IIS cannot read $Section $where`:`n$($config.Error)`n$(Get-ConfigErrorHint $config.Error)"
    }
    return $config.Xml
}

# The first element under $Node matching $XPath whose name attribute is $Name (IIS names ignore case).
function Get-NamedEntry([System.Xml.XmlNode]$Node, [string]$XPath, [string]$Name) {
    foreach ($entry in @($Node.SelectNodes($XPath))) {
        if ($entry.GetAttribute('name') -eq $Name) { return $entry }
    }
    return $null
}

function Get-GlobalModuleEntry {
    $xml = Get-ConfigSectionOrStop 'system.webServer/globalModules'
    return Get-NamedEntry $xml '//globalModules/add' $ModuleName
}

function Get-EnabledModuleEntry {
    $xml = Get-ConfigSectionOrStop 'system.webServer/modules'
    return Get-NamedEntry $xml '//modules/add' $ModuleName
}

# The lines of an "appcmd list ... /text:name"; a list with nothing in it is not an error.
function Get-AppCmdList([string[]]$Arguments) {
    $result = Invoke-AppCmd $Arguments
    if ($result.ExitCode -ne 0 -and $result.Output) {
        Stop-WithError ("appcmd {0} failed ({1}):`n{2}" -f ($Arguments -join ' '), $result.ExitCode, $result.Output)
    }
    return @($result.Output -split "`r?`n" | Where-Object { $_.Trim() } | ForEach-Object { $_.Trim() })
}

function Get-SiteNames { return @(Get-AppCmdList @('list', 'site', '/text:name')) }

# What to tell an admin about an appcmd configuration error.
function Get-ConfigErrorHint([string]$Message) {
    if ($Message -match 'duplicate collection entry') {
        return "A web.config adds an entry that is already defined above it. If that is the $HandlerName handler: put <remove name=""$HandlerName"" /> before its <add>, or install with -NoHandler and let the web.config map $HandlerPath."
    }
    if ($Message -match 'locked|cannot be used at this path') {
        return "A web.config sets a section the server locks (HTTP 500.19), often <webSocket>: remove that element (chatsocket works with IIS's default), or unlock the section: $AppCmd unlock config -section:system.webServer/webSocket"
    }
    return ''
}

# Handler entries of applicationHost.config itself named $HandlerName: '' for the server level, else the
# <location path> they sit in. (Entries in a site's own web.config are the site's.)
function Get-ApphostHandlerLocations {
    if (-not (Test-Path -LiteralPath $ApphostConfig)) { return @() }
    $config = New-Object System.Xml.XmlDocument
    $config.Load($ApphostConfig)
    $paths = @()
    if ($null -ne (Get-NamedEntry $config '/configuration/system.webServer/handlers/add' $HandlerName)) { $paths += '' }
    foreach ($location in @($config.SelectNodes('/configuration/location'))) {
        if ($null -ne (Get-NamedEntry $location 'system.webServer/handlers/add' $HandlerName)) { $paths += $location.GetAttribute('path') }
    }
    return @($paths | Select-Object -Unique)
}

# applicationHost.config's system.webServer section group through IIS's writable configuration API (as
# iisnode's installer declares its section), with the admin manager that commits changes to it.
function Open-WebServerSectionGroup {
    $admin = New-Object -ComObject 'Microsoft.ApplicationHost.WritableAdminManager'
    $admin.CommitPath = 'MACHINE/WEBROOT/APPHOST'
    $group = $admin.GetConfigFile('MACHINE/WEBROOT/APPHOST').RootSectionGroup.Item('system.webServer')
    return @{ Admin = $admin; Group = $group }
}

# The declaration of <chatsocket> in that section group, or $null.
function Get-SectionDefinition($Group) {
    $sections = $Group.Sections
    for ($i = 0; $i -lt $sections.Count; $i++) {
        if ($sections.Item($i).Name -eq $SectionName) { return $sections.Item($i) }
    }
    return $null
}
