<#
.SYNOPSIS
Checks a chatsocket endpoint end to end with .NET's ClientWebSocket: handshake, one text message echoed,
clean close. Needs an endpoint of kind echo (examples/site/echo.chatsocket).

.EXAMPLE
.\windows\verify.ps1 -Url ws://localhost/echo.chatsocket
#>
[CmdletBinding()]
param(
    [string]$Url = 'ws://localhost/echo.chatsocket',
    [string]$Message = 'hello from verify.ps1',
    [int]$TimeoutSeconds = 10
)

$ErrorActionPreference = 'Stop'
$socket = New-Object System.Net.WebSockets.ClientWebSocket
$cancel = New-Object System.Threading.CancellationTokenSource ([TimeSpan]::FromSeconds($TimeoutSeconds))
try {
    $socket.ConnectAsync([Uri]$Url, $cancel.Token).GetAwaiter().GetResult()
    $bytes = [Text.Encoding]::UTF8.GetBytes($Message)
    $socket.SendAsync([ArraySegment[byte]]::new($bytes), [Net.WebSockets.WebSocketMessageType]::Text, $true,
        $cancel.Token).GetAwaiter().GetResult()
    $buffer = New-Object byte[] 65536
    $received = New-Object IO.MemoryStream
    do {
        $result = $socket.ReceiveAsync([ArraySegment[byte]]::new($buffer), $cancel.Token).GetAwaiter().GetResult()
        if ($result.MessageType -eq [Net.WebSockets.WebSocketMessageType]::Close) {
            throw "the endpoint closed the connection ($($result.CloseStatus) $($result.CloseStatusDescription)) instead of echoing"
        }
        $received.Write($buffer, 0, $result.Count)
    } until ($result.EndOfMessage)
    $reply = [Text.Encoding]::UTF8.GetString($received.ToArray())
    if ($reply -cne $Message) { throw "the endpoint answered '$reply' instead of the echo" }
    $socket.CloseAsync([Net.WebSockets.WebSocketCloseStatus]::NormalClosure, 'verified', $cancel.Token).GetAwaiter().GetResult()
    Write-Host "chatsocket: $Url echoed '$Message' and closed cleanly." -ForegroundColor Green
} catch {
    Write-Host "chatsocket: $Url failed: $($_.Exception.GetBaseException().Message)" -ForegroundColor Red
    Write-Host 'chatsocket: see README.md, Troubleshooting, and the Application event log (source chatsocket).'
    exit 1
} finally {
    $socket.Dispose()
    $cancel.Dispose()
}
