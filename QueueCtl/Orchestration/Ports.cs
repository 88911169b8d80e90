using System.Net;
using System.Net.Sockets;

namespace QueueCtl.Orchestration;

/// <summary>Loopback port checks, by binding: the only test that does not race a listener that answers nothing.</summary>
internal static class Ports
{
    /// <summary>True when nothing listens on 127.0.0.1:<paramref name="port"/> (a bind succeeds).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A port the system considers free on 127.0.0.1 right now.</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
