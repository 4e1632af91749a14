<#
.SYNOPSIS
Checks a chatsocket endpoint end to end with .NET's ClientWebSocket: handshake, one text message echoed,
clean close. Needs an endpoint of kind echo (the sample site's echo.chatsocket).

.DESCRIPTION
When the check fails it says what the answer means and where to look: the HTTP status and the body the
server sent instead of 101, a close code instead of the echo, or nothing listening at all.

.EXAMPLE
.\verify.ps1 -Url ws://localhost/echo.chatsocket
#>
[CmdletBinding()]
param(
    [string]$Url = 'ws://localhost/echo.chatsocket',
    [string]$Message = 'hello from verify.ps1',
    [int]$TimeoutSeconds = 10
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

# What the server answers a plain handshake, read off the socket: ClientWebSocket keeps only the status code.
function Get-HandshakeAnswer([Uri]$Target) {
    $client = New-Object Net.Sockets.TcpClient
    try {
        $client.ReceiveTimeout = 3000
        $client.Connect($Target.Host, $Target.Port)
        $stream = $client.GetStream()
        if ($Target.Scheme -eq 'wss') {
            $tls = New-Object Net.Security.SslStream $stream
            $tls.AuthenticateAsClient($Target.Host)
            $stream = $tls
        }
        $request = "GET $($Target.PathAndQuery) HTTP/1.1`r`nHost: $($Target.Authority)`r`nUpgrade: websocket`r`n" +
            "Connection: Upgrade, close`r`nSec-WebSocket-Version: 13`r`nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==`r`n`r`n"
        $bytes = [Text.Encoding]::ASCII.GetBytes($request)
        $stream.Write($bytes, 0, $bytes.Length)
        $buffer = New-Object byte[] 8192
        $count = $stream.Read($buffer, 0, $buffer.Length)
        return [Text.Encoding]::UTF8.GetString($buffer, 0, $count)
    } catch {
        return ''
    } finally {
        $client.Close()
    }
}

# A line or two on what a failure means, from the HTTP status the handshake got (0: none).
function Get-StatusAdvice([int]$Status) {
    switch ($Status) {
        404 { return 'No endpoint file at that path, or no handler maps *.chatsocket for this site: put echo.chatsocket ("kind = echo") in the site, and run install.ps1 (without -NoHandler) or map it in the site''s web.config.' }
        405 { return 'The endpoint refused the method: something between you and IIS does not pass GET through.' }
        403 { return 'Refused: for kind = process, the program is not in the pool''s CHATSOCKET_ALLOWED_PROGRAMS (install.ps1 -AllowProgram); the Application log names it.' }
        500 { return 'If the body names a line, the endpoint file has an error there. An IIS error page: 500.19 means the site''s web.config cannot be read, 500.21 that the pool has no ChatSocketModule of its bitness (run install.ps1 with both DLLs).' }
        503 { return 'The application pool may be stopped (it could not load the module: Application log, sources chatsocket and IIS-W3SVC-WP), or a limit was reached (the body says which).' }
        0 { return 'Nothing answered: check the site''s bindings (appcmd list site) and that the site and its pool are started.' }
    }
    if ($Status -ge 400 -and $Status -lt 500) { return 'The handshake was refused; the body says why.' }
    return 'See the troubleshooting table in README.md.'
}

function Write-Failure([string]$Text, [int]$Status) {
    Write-Host "chatsocket: $Url failed: $Text" -ForegroundColor Red
    if ($Status -ge 0) {
        $answer = Get-HandshakeAnswer ([Uri]$Url)
        if ($answer) {
            $lines = $answer -split "`r`n"
            $body = ($answer -split "`r`n`r`n", 2)[-1]
            Write-Host "chatsocket: the server answers a handshake with: $($lines[0])"
            if ($body -and $body -ne $answer) { Write-Host "chatsocket: body: $($body.Substring(0, [Math]::Min(400, $body.Length)))" }
            if ($lines[0] -match '^HTTP/\d\.\d (\d{3})') { $Status = [int]$Matches[1] }
        }
        Write-Host "chatsocket: $(Get-StatusAdvice $Status)"
    }
    Write-Host "chatsocket: the module's own log: Get-WinEvent -FilterHashtable @{ LogName = 'Application'; ProviderName = 'chatsocket' } -MaxEvents 20"
}

$socket = New-Object System.Net.WebSockets.ClientWebSocket
$cancel = New-Object System.Threading.CancellationTokenSource ([TimeSpan]::FromSeconds($TimeoutSeconds))
$connected = $false
try {
    $socket.ConnectAsync([Uri]$Url, $cancel.Token).GetAwaiter().GetResult()
    $connected = $true
    $bytes = [Text.Encoding]::UTF8.GetBytes($Message)
    $socket.SendAsync([ArraySegment[byte]]::new($bytes), [Net.WebSockets.WebSocketMessageType]::Text, $true,
        $cancel.Token).GetAwaiter().GetResult()
    $buffer = New-Object byte[] 65536
    $received = New-Object IO.MemoryStream
    do {
        $result = $socket.ReceiveAsync([ArraySegment[byte]]::new($buffer), $cancel.Token).GetAwaiter().GetResult()
        if ($result.MessageType -eq [Net.WebSockets.WebSocketMessageType]::Close) {
            throw "the endpoint closed the connection ($([int]$result.CloseStatus) $($result.CloseStatusDescription)) instead of echoing: the reason says why; 1011 means the handler failed (Application log)."
        }
        $received.Write($buffer, 0, $result.Count)
    } until ($result.EndOfMessage)
    $reply = [Text.Encoding]::UTF8.GetString($received.ToArray())
    if ($reply -cne $Message) { throw "the endpoint answered '$reply' instead of the echo: is its file of kind = echo?" }
    $socket.CloseAsync([Net.WebSockets.WebSocketCloseStatus]::NormalClosure, 'verified', $cancel.Token).GetAwaiter().GetResult()
    Write-Host "chatsocket: $Url echoed '$Message' and closed cleanly." -ForegroundColor Green
} catch {
    $text = $_.Exception.GetBaseException().Message
    if ($connected) {
        Write-Failure $text -1
    } else {
        # .NET Framework: "The remote server returned an error: (404) Not Found."; .NET: "The server returned
        # status code '404' when status code '101' was expected."
        $status = 0
        if ($text -match "\((\d{3})\)") { $status = [int]$Matches[1] }
        elseif ($text -match "status code '(\d{3})'") { $status = [int]$Matches[1] }
        Write-Failure $text $status
    }
    exit 1
} finally {
    $socket.Dispose()
    $cancel.Dispose()
}
