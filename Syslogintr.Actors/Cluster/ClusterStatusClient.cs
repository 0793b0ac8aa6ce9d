using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Syslogintr.Hosting;

namespace Syslogintr.Cluster;

/// <summary>A node could not be asked for its status; the message says why, in one line for the operator.</summary>
public sealed class ClusterStatusUnavailableException(string message) : Exception(message);

/// <summary>
/// Asks a running node's <see cref="ClusterStatusActor"/> for a <see cref="ClusterStatusReport"/>, from a
/// short-lived ActorSystem of its own (remoting only, on a free port, never a cluster member).
/// </summary>
public static class ClusterStatusClient
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <param name="host">The node's remoting host exactly as it advertises it (its public-hostname, else hostname): Akka ignores a message addressed to another name of the same node.</param>
    public static async Task<ClusterStatusReport> AskAsync(string host, int port, TimeSpan timeout)
    {
        var node = $"{host}:{port}";
        var local = await LocalAddressFacingAsync(host, port, node);
        var system = ActorSystem.Create(SyslogintrHosting.ActorSystemName + "-status", ClientConfig(local));
        try
        {
            var path = $"{ClusterSettings.SeedAddress(node)}/user/{ClusterStatusActor.Name}";
            return await system.ActorSelection(path).Ask<ClusterStatusReport>(ClusterStatusRequest.Instance, timeout);
        }
        catch (AskTimeoutException)
        {
            throw new ClusterStatusUnavailableException(
                $"the node at {node} did not answer within {timeout.TotalSeconds:0.#}s: something listens there, but it is not a syslogintr cluster node "
                + "advertising that exact host:port (use its public-hostname if set), or it is busy joining or leaving");
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>
    /// Fails fast, with a plain reason, when nothing listens (the node is not running or has its cluster disabled),
    /// and finds the local address the node can answer to (loopback for a node on loopback).
    /// </summary>
    private static async Task<string> LocalAddressFacingAsync(string host, int port, string node)
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await probe.ConnectAsync(host, port, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            var why = e is SocketException s ? s.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : s.Message : $"no answer within {ConnectTimeout.TotalSeconds:0}s";
            throw new ClusterStatusUnavailableException($"cannot reach a node at {node} ({why}): it is not running, or its cluster is disabled (syslogintr.cluster.enabled = false)");
        }

        var address = ((IPEndPoint)probe.LocalEndPoint!).Address;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    private static Config ClientConfig(string hostName) => ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = OFF
          stdout-loglevel = OFF
          actor.provider = remote
          remote {
            log-remote-lifecycle-events = off
            dot-netty.tcp {
              hostname = "{{hostName}}"
              port = 0
            }
          }
        }
        """).WithFallback(ClusterHosting.WireFormat);
}
