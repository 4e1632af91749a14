<#
.SYNOPSIS
Installs chatsocket.dll into IIS: the global native module ChatSocketModule, and the ChatSocket handler
mapping *.chatsocket to it (server level, one site, or none).

.DESCRIPTION
Run from an elevated 64-bit Windows PowerShell 5.1 (or PowerShell 7). Running it again is safe: each step
checks what is already there, and a changed DLL replaces the old one.

What it does (the same steps, explained, are in the package's README.md, windows\ADMIN.md in the repository):
  1. Checks IIS (8 or later) and its WebSocket Protocol feature, and prints the command that adds the feature
     when it is missing (Server: Install-WindowsFeature; Windows 10/11: Enable-WindowsOptionalFeature -All).
  2. Copies x64\chatsocket.dll to "%ProgramFiles%\ChatSocket" and x86\chatsocket.dll to
     "%ProgramFiles(x86)%\ChatSocket", each with chatsocket-cat.exe beside it; refuses a DLL whose header does
     not match its folder's bitness.
  3. Registers the Application event log source "chatsocket" with the DLL's message table.
  4. appcmd install module ChatSocketModule. With both DLLs: image %ProgramFiles%\ChatSocket\chatsocket.dll
     and no bitness preCondition (a 32-bit worker process expands %ProgramFiles% to Program Files (x86));
     with the x64 DLL only: preCondition bitness64; with the x86 DLL only: bitness32.
  5. Copies chatsocket_schema.xml to "%windir%\System32\inetsrv\config\schema" and declares the section
     system.webServer/chatsocket in applicationHost.config with overrideModeDefault Allow, so a site's
     web.config may set the defaults of its endpoint files (<chatsocket max_message_size="65536" ... />).
  6. Maps *.chatsocket (handler ChatSocket, every verb, resourceType Unspecified) at server level, or for
     -Site; with -NoHandler, nothing.
  7. Sets CHATSOCKET_ALLOWED_PROGRAMS, the programs `kind = process` endpoints may run (chatsocket-cat.exe and
     every -AllowProgram), as an environment variable of the application pools (IIS 10 or later). A site's
     own files cannot change it, as with IIS's ISAPI and CGI Restrictions.
  8. Reads back each affected site's configuration and reports what would stop *.chatsocket from working.

.PARAMETER BinDir
Folder with x64\chatsocket.dll and/or x86\chatsocket.dll. Default: build\windows in this repository
(windows\build.ps1 puts them there), else the folder of this script.

.PARAMETER Site
Map *.chatsocket for this IIS site only (in applicationHost.config). Without it: for every site.

.PARAMETER NoHandler
Map nothing: each site's web.config maps *.chatsocket itself, as web.config in this repository does.

.PARAMETER AllowProgram
Programs that `kind = process` endpoints may run, as full paths, or a folder followed by \* for every program
directly in it (e.g. 'C:\Program Files\Python312\python.exe', 'D:\bridges\*'). chatsocket-cat.exe is always
allowed. Replaces the list of a previous run.

.PARAMETER AppPool
Set the list of programs for these application pools only. Default: every pool.

.EXAMPLE
.\windows\install.ps1 -NoHandler

.EXAMPLE
.\windows\install.ps1 -Site 'Default Web Site' -BinDir C:\drop\chatsocket

.EXAMPLE
.\windows\install.ps1 -AllowProgram 'C:\Program Files\Python312\python.exe' -AppPool DefaultAppPool
#>
[CmdletBinding()]
param(
    [string]$BinDir,
    [string]$Site,
    [switch]$NoHandler,
    [string[]]$AllowProgram = @(),
    [string[]]$AppPool = @()
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

function Assert-Iis {
    if (-not (Test-IisInstalled)) {
        Stop-WithError ("IIS is not installed ($AppCmd is missing). Windows Server: Install-WindowsFeature Web-Server,Web-WebSockets -IncludeManagementTools. " +
            'Windows 10/11: Enable-WindowsOptionalFeature -Online -FeatureName IIS-WebSockets -All (-All adds the IIS features it sits under)')
    }
    $major = Get-IisMajorVersion
    if ($major -gt 0 -and $major -lt 8) {
        Stop-WithError "IIS $major is too old: WebSockets need IIS 8 or later (Windows 8 / Windows Server 2012)."
    }
}

function Test-WebSocketFeature {
    if (Test-Path -LiteralPath (Join-Path $env:windir 'System32\inetsrv\iiswsock.dll')) {
        Write-Step "IIS's WebSocket Protocol feature is installed."
        return
    }
    $command = 'Enable-WindowsOptionalFeature -Online -FeatureName IIS-WebSockets -All'
    if (Test-ServerEdition) { $command = 'Install-WindowsFeature Web-WebSockets' }
    Write-Note ("IIS's WebSocket Protocol feature is not installed. chatsocket works without it (it marks upgraded " +
        "connections opaque itself), but IIS's own WebSocket support, which other applications use, is missing. To add it: $command")
}

function Find-BinDir {
    $repositoryBuild = Join-Path (Split-Path -Parent $PSScriptRoot) 'build\windows'
    if (Test-Path -LiteralPath $repositoryBuild) { return $repositoryBuild }
    return $PSScriptRoot
}

# 'x64', 'x86' or 'unknown', from the PE header's Machine field.
function Get-DllArch([string]$Path) {
    $bytes = [IO.File]::ReadAllBytes($Path)
    if ($bytes.Length -lt 64) { return 'unknown' }
    $pe = [BitConverter]::ToInt32($bytes, 0x3C)
    if ($pe -lt 0 -or $bytes.Length -lt $pe + 6 -or [BitConverter]::ToUInt32($bytes, $pe) -ne 0x4550) { return 'unknown' }
    $machine = [BitConverter]::ToUInt16($bytes, $pe + 4)
    if ($machine -eq 0x8664) { return 'x64' }
    if ($machine -eq 0x14C) { return 'x86' }
    return 'unknown'
}

# The DLLs to install, by architecture, checked to be what their folder says.
function Get-BuiltDlls([string]$Folder) {
    $found = [ordered]@{}
    foreach ($arch in 'x64', 'x86') {
        $path = Join-Path $Folder "$arch\$DllName"
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { continue }
        $actual = Get-DllArch $path
        if ($actual -ne $arch) {
            Stop-WithError "$path is not an $arch DLL (its header says $actual): a DLL of the wrong bitness stops every worker process that loads it (HTTP 503)."
        }
        $found[$arch] = $path
    }
    if ($found.Count -eq 0) {
        Stop-WithError "no $DllName under $Folder\x64 or $Folder\x86: build it (windows\build.ps1) or pass -BinDir."
    }
    if (-not [Environment]::Is64BitOperatingSystem) {
        if (-not $found.Contains('x86')) { Stop-WithError 'this is 32-bit Windows: it needs the x86 build of chatsocket.dll.' }
        $found.Remove('x64')
    }
    return $found
}

function Remove-StaleCopies([string]$Folder) {
    Get-ChildItem -LiteralPath $Folder -Filter "$DllName.*.old" -ErrorAction SilentlyContinue |
        ForEach-Object { Remove-Item -LiteralPath $_.FullName -Force -ErrorAction SilentlyContinue }
}

function Install-ModuleFile([string]$Source, [string]$Folder) {
    if (-not (Test-Path -LiteralPath $Folder)) { New-Item -ItemType Directory -Path $Folder | Out-Null }
    Remove-StaleCopies $Folder
    $target = Join-Path $Folder $DllName
    if (Test-Path -LiteralPath $target) {
        if ((Get-FileHash -LiteralPath $target).Hash -eq (Get-FileHash -LiteralPath $Source).Hash) {
            Write-Step "$target is up to date."
            return
        }
        # A worker process that loaded the old DLL blocks overwriting it, not renaming it.
        $stale = '{0}.{1}.old' -f $target, (Get-Date -Format 'yyyyMMddHHmmss')
        Move-Item -LiteralPath $target -Destination $stale
        Write-Note "replaced ${target}: worker processes already running keep the old one until they recycle."
    }
    Copy-Item -LiteralPath $Source -Destination $target
    Write-Step "copied $Source to $target"
}

# chatsocket-cat.exe beside the DLL, when the build has it: the example endpoints' program.
function Install-Cat([string]$Source, [string]$Folder) {
    if (-not (Test-Path -LiteralPath $Source -PathType Leaf)) {
        Write-Note "no $CatName beside $Folder's DLL in the build: the cat.chatsocket example will not find its program."
        return
    }
    Copy-Item -LiteralPath $Source -Destination (Join-Path $Folder $CatName) -Force
    Write-Step "copied $Source to $Folder"
}

# The programs kind = process endpoints may run, as each application pool's environment variable.
function Set-AllowedPrograms([string[]]$Programs, [string[]]$Pools) {
    $value = ($Programs | Where-Object { $_ }) -join ';'
    if ((Get-IisMajorVersion) -lt 10) {
        Write-Note ("IIS before 10 has no per-pool environment variables: set $AllowedProgramsVariable='$value' as a system " +
            'environment variable (System Properties > Environment Variables), then run iisreset.')
        return
    }
    if ($Pools.Count -eq 0) { $Pools = @(Get-AppCmdList @('list', 'apppool', '/text:name')) }
    foreach ($pool in $Pools) {
        # appcmd has no add-or-replace for a collection entry: remove what a previous run set, then add.
        Invoke-AppCmd @('set', 'config', '-section:system.applicationHost/applicationPools',
            "/-[name='$pool'].environmentVariables.[name='$AllowedProgramsVariable']", '/commit:apphost') | Out-Null
        Invoke-AppCmdOrStop @('set', 'config', '-section:system.applicationHost/applicationPools',
            "/+[name='$pool'].environmentVariables.[name='$AllowedProgramsVariable',value='$value']", '/commit:apphost') | Out-Null
        Write-Step "application pool '$pool' may run: $value"
    }
    Write-Note 'worker processes read the list when they start: recycle the pools (or wait for them to) for a new list to apply.'
}

function Register-EventSource([string]$MessageFile) {
    if (-not (Test-Path -LiteralPath $EventSourceKey)) { New-Item -Path $EventSourceKey -Force | Out-Null }
    New-ItemProperty -Path $EventSourceKey -Name 'EventMessageFile' -PropertyType ExpandString -Value $MessageFile -Force | Out-Null
    New-ItemProperty -Path $EventSourceKey -Name 'TypesSupported' -PropertyType DWord -Value 7 -Force | Out-Null
    Write-Step "event log source '$EventSource' (Application log) reads its messages from $MessageFile"
}

function Install-GlobalModule([string]$Image, [string]$PreCondition) {
    $described = "$ModuleName ($Image, preCondition '$PreCondition')"
    $entry = Get-GlobalModuleEntry
    if ($null -eq $entry) {
        $arguments = @('install', 'module', "/name:$ModuleName", "/image:$Image")
        if ($PreCondition) { $arguments += "/preCondition:$PreCondition" }
        Invoke-AppCmdOrStop $arguments | Out-Null
        Write-Step "installed the global module $described"
    } elseif ($entry.GetAttribute('image') -ne $Image -or $entry.GetAttribute('preCondition') -ne $PreCondition) {
        Invoke-AppCmdOrStop @('set', 'config', '-section:system.webServer/globalModules',
            "/[name='$ModuleName'].image:$Image", "/[name='$ModuleName'].preCondition:$PreCondition", '/commit:apphost') | Out-Null
        Write-Step "updated the global module to $described"
    } else {
        Write-Step "the global module $described is already installed."
    }
    if ($null -eq (Get-EnabledModuleEntry)) {
        Invoke-AppCmdOrStop @('add', 'module', "/name:$ModuleName") | Out-Null
        Write-Step "enabled $ModuleName for every site"
    }
}

# The schema of <system.webServer><chatsocket> and its declaration, as iisnode's installer does for <iisnode>.
function Install-ConfigSection {
    $source = Join-Path $PSScriptRoot $SchemaFileName
    if (-not (Test-Path -LiteralPath $source -PathType Leaf)) { Stop-WithError "$SchemaFileName is missing beside this script." }
    $target = Join-Path $SchemaFolder $SchemaFileName
    # IIS reads the schema files when a worker process starts: a changed file applies after a recycle.
    Copy-Item -LiteralPath $source -Destination $target -Force
    Write-Step "copied $source to $target"
    $config = Open-WebServerSectionGroup
    $section = Get-SectionDefinition $config.Group
    if ($null -ne $section -and $section.OverrideModeDefault -eq 'Allow') {
        Write-Step "the section system.webServer/$SectionName is already declared (overrideModeDefault Allow)."
        return
    }
    if ($null -eq $section) { $section = $config.Group.Sections.AddSection($SectionName) }
    $section.OverrideModeDefault = 'Allow'
    $config.Admin.CommitChanges()
    Write-Step "declared the section system.webServer/$SectionName in applicationHost.config: a site's web.config may set it"
}

function Install-HandlerMapping {
    $scope = 'at server level (every site)'
    if ($Site) { $scope = "for site '$Site'" }
    $handlers = Get-ConfigSectionOrStop 'system.webServer/handlers' $Site
    $entry = Get-NamedEntry $handlers '//handlers/add' $HandlerName
    if ($null -ne $entry) {
        if ($entry.GetAttribute('path') -ne $HandlerPath -or $entry.GetAttribute('modules') -ne $ModuleName) {
            Stop-WithError ("a handler named '$HandlerName' already applies $scope with path '{0}' and modules '{1}'. Remove it (uninstall.ps1, or the site's web.config) and run this again." -f
                $entry.GetAttribute('path'), $entry.GetAttribute('modules'))
        }
        Write-Step "$HandlerPath is already mapped to $ModuleName $scope."
        return
    }
    $arguments = @('set', 'config')
    if ($Site) { $arguments += $Site }
    # @start: at the end it would come after StaticFile (path *), which would then take every request.
    $arguments += @('-section:system.webServer/handlers',
        "/+[@start,name='$HandlerName',path='$HandlerPath',verb='*',modules='$ModuleName',resourceType='Unspecified',requireAccess='Script']",
        '/commit:apphost')
    Invoke-AppCmdOrStop $arguments | Out-Null
    Write-Step "mapped $HandlerPath to $ModuleName $scope"
}

# Reads a site's configuration as IIS will, and says what would keep *.chatsocket from working there.
function Test-SiteConfiguration([string]$Name, [bool]$Required) {
    $handlers = Get-ConfigSection 'system.webServer/handlers' $Name
    if ($handlers.Error) {
        $text = "IIS cannot read the configuration of site '$Name' (its requests fail with HTTP 500.19):`n$($handlers.Error)`n$(Get-ConfigErrorHint $handlers.Error)"
        if ($Required) { Stop-WithError $text }
        Write-Note $text
        return
    }
    $entries = @($handlers.Xml.SelectNodes('//handlers/add'))
    $ours = -1
    $catchAll = -1
    for ($i = 0; $i -lt $entries.Count; $i++) {
        $verb = $entries[$i].GetAttribute('verb')
        if ($ours -lt 0 -and $entries[$i].GetAttribute('name') -eq $HandlerName) { $ours = $i }
        if ($catchAll -lt 0 -and $entries[$i].GetAttribute('path') -eq '*' -and ($verb -eq '*' -or $verb -match '(^|,)\s*GET\s*(,|$)')) { $catchAll = $i }
    }
    if ($ours -lt 0) {
        if ($NoHandler) {
            Write-Note "site '$Name' does not map $HandlerPath yet: add the <handlers> entry of this repository's web.config to its web.config."
        } else {
            Write-Note "site '$Name' does not map $HandlerPath although the mapping was added: its web.config may <clear/> or <remove> the handlers."
        }
    } elseif ($catchAll -ge 0 -and $catchAll -lt $ours) {
        Write-Note ("site '$Name': handler '{0}' (path *) comes before '$HandlerName', so it takes $HandlerPath requests. Move the $HandlerName entry up (its web.config, or IIS Manager > Handler Mappings > View Ordered List)." -f
            $entries[$catchAll].GetAttribute('name'))
    } else {
        Write-Step "site '$Name' maps $HandlerPath to $ModuleName."
    }
    $webSocket = Get-ConfigSection 'system.webServer/webSocket' $Name
    if (-not $webSocket.Error) {
        $node = $webSocket.Xml.SelectSingleNode('//webSocket')
        $enabled = 'true'
        if ($null -ne $node -and $node.GetAttribute('enabled')) { $enabled = $node.GetAttribute('enabled') }
        Write-Step "site '$Name': IIS's <webSocket enabled=""$enabled""> (chatsocket works with either value)."
    }
}

function Test-PoolBitness([bool]$Has64, [bool]$Has32) {
    if (-not [Environment]::Is64BitOperatingSystem -or ($Has64 -and $Has32)) { return }
    $pools32 = @(Get-AppCmdList @('list', 'apppool', '/enable32BitAppOnWin64:true', '/text:name'))
    $pools64 = @(Get-AppCmdList @('list', 'apppool', '/enable32BitAppOnWin64:false', '/text:name'))
    $other = $pools64
    $bitness = '64'
    if ($Has64) { $other = $pools32; $bitness = '32' }
    if ($other.Count -gt 0) {
        Write-Note ("application pool(s) {0} run {1}-bit: they do not load ChatSocketModule (preCondition), so $HandlerPath answers HTTP 500.21 there. Build and install both DLLs (windows\build.ps1 builds x64 and x86) to serve them too." -f
            ($other -join ', '), $bitness)
    }
}

function Install-ChatSocket {
    if ($Site -and $NoHandler) {
        Stop-WithError '-Site and -NoHandler exclude each other: -Site maps *.chatsocket for that site, -NoHandler maps nothing.'
    }
    Assert-Administrator
    Assert-NativeBitness
    Assert-Iis
    Test-WebSocketFeature
    if ($Site -and -not ((Get-SiteNames) -contains $Site)) {
        Stop-WithError ("there is no IIS site named '$Site'. Sites: {0}" -f ((Get-SiteNames) -join ', '))
    }

    if (-not $BinDir) { $script:BinDir = Find-BinDir }
    if (-not (Test-Path -LiteralPath $BinDir -PathType Container)) { Stop-WithError "-BinDir $BinDir is not a folder." }
    # Full paths from here on: .NET calls do not follow PowerShell's current location.
    $script:BinDir = (Resolve-Path -LiteralPath $BinDir).ProviderPath
    $dlls = Get-BuiltDlls $BinDir
    $has64 = $dlls.Contains('x64')
    $has32 = $dlls.Contains('x86')
    foreach ($arch in @($dlls.Keys)) {
        Install-ModuleFile $dlls[$arch] (Get-InstallFolder $arch)
        Install-Cat (Join-Path (Split-Path -Parent $dlls[$arch]) $CatName) (Get-InstallFolder $arch)
    }

    $primary = 'x86'
    if ($has64) { $primary = 'x64' }
    Register-EventSource (Join-Path (Get-InstallFolder $primary) $DllName)

    # One entry serves both bitnesses: each worker process expands %ProgramFiles% for its own bitness.
    $image = "%ProgramFiles%\$InstallFolderName\$DllName"
    $preCondition = ''
    if ($has64 -and -not $has32) { $preCondition = 'bitness64' }
    if ($has32 -and -not $has64) {
        $preCondition = 'bitness32'
        if ([Environment]::Is64BitOperatingSystem) { $image = "%ProgramFiles(x86)%\$InstallFolderName\$DllName" }
    }
    Install-GlobalModule $image $preCondition
    Install-ConfigSection

    if ($NoHandler) {
        Write-Step "no handler mapping added (-NoHandler): each site's web.config maps $HandlerPath, as this repository's web.config does."
    } else {
        Install-HandlerMapping
    }

    # Each pool expands %ProgramFiles% for its own bitness, as the module's image does.
    Set-AllowedPrograms (@("%ProgramFiles%\$InstallFolderName\$CatName") + $AllowProgram) $AppPool

    if ($Site) {
        Test-SiteConfiguration $Site $true
    } else {
        foreach ($name in (Get-SiteNames)) { Test-SiteConfiguration $name $false }
    }
    Test-PoolBitness $has64 $has32

    Write-Host ''
    Write-Host 'chatsocket: installed. Put an endpoint file in a site (echo.chatsocket: "kind = echo"), then check it:' -ForegroundColor Green
    Write-Host "  $(Join-Path $PSScriptRoot 'verify.ps1') -Url ws://localhost/echo.chatsocket"
    Write-Host "  Start-up and configuration errors: Event Viewer > Windows Logs > Application, source '$EventSource' (IDs 1000, 1001, 1002)."
}

try {
    Install-ChatSocket
} catch {
    Stop-WithError ("install failed: {0}`n{1}" -f $_.Exception.Message, $_.InvocationInfo.PositionMessage)
}
# appcmd calls that were allowed to fail leave their code in $LASTEXITCODE: report success explicitly.
exit 0
