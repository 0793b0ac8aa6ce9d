using System.Net;
using System.Net.Sockets;
using System.Text;
using Syslogintr.Ingest.Listeners;

namespace Syslogintr.Tests.Ingest;

/// <summary>recvmmsg as the datagram listeners use it: every datagram of a burst, whole, with its own sender.</summary>
public sealed class MultiDatagramReceiverTests
{
    private const int SlotSize = 2048;

    [Fact]
    public void A_burst_of_mixed_sizes_from_two_senders_is_read_whole_with_each_senders_address_and_truncation_flagged()
    {
        Assert.True(MultiDatagramReceiver.Supported, "the suite runs on 64-bit Linux, where the listeners read with recvmmsg");
        using var listener = Bound();
        using var first = Sender();
        using var second = Sender();
        var burst = new (Socket From, byte[] Bytes)[]
        {
            (first, Encoding.ASCII.GetBytes("<13>Nov 29 10:00:00 host one: first")),
            (second, []),
            (first, Filled(1, 'a')),
            (second, Filled(SlotSize, 'b')),
            (first, Filled(SlotSize + 1, 'c')),
            (second, Filled(5000, 'd')),
            (first, [0xFF, 0x00, 0xC3]),
            (second, Encoding.ASCII.GetBytes("<13>Nov 29 10:00:01 host two: last")),
        };
        foreach (var (from, bytes) in burst)
        {
            from.SendTo(bytes, listener.LocalEndPoint!);
        }

        using var receiver = new MultiDatagramReceiver(SlotSize, withSenders: true);
        var read = ReadAll(listener, receiver, burst.Length);

        Assert.Equal(burst.Length, read.Count);
        for (var i = 0; i < burst.Length; i++)
        {
            var (from, bytes) = burst[i];
            var truncated = bytes.Length > SlotSize;
            Assert.Equal(truncated, read[i].Truncated);
            Assert.Equal(truncated ? bytes[..SlotSize] : bytes, read[i].Bytes);
            Assert.Equal(from.LocalEndPoint, read[i].Sender);
        }
    }

    [Fact]
    public void More_datagrams_than_slots_take_several_reads_and_none_is_lost_or_reordered()
    {
        Assert.True(MultiDatagramReceiver.Supported, "the suite runs on 64-bit Linux, where the listeners read with recvmmsg");
        using var listener = Bound();
        using var sender = Sender();
        using var receiver = new MultiDatagramReceiver(SlotSize, withSenders: true);
        var count = receiver.Slots * 2 + 5;
        for (var i = 0; i < count; i++)
        {
            // Alternate long and empty datagrams: a slot's length and flags from one read must not leak into the next.
            sender.SendTo(i % 2 == 0 ? Filled(SlotSize + 10, 'x') : Encoding.ASCII.GetBytes($"message {i}"), listener.LocalEndPoint!);
        }

        Assert.Equal(receiver.Slots, receiver.Receive(listener, wait: true, out _));
        var read = ReadAll(listener, receiver, count - receiver.Slots);
        for (var i = receiver.Slots; i < count; i++)
        {
            var datagram = read[i - receiver.Slots];
            Assert.Equal(i % 2 == 0, datagram.Truncated);
            if (i % 2 == 1)
            {
                Assert.Equal($"message {i}", Encoding.ASCII.GetString(datagram.Bytes));
            }
        }

        Assert.Equal(0, receiver.Receive(listener, wait: false, out _));
    }

    private static List<(byte[] Bytes, bool Truncated, EndPoint? Sender)> ReadAll(Socket listener, MultiDatagramReceiver receiver, int expected)
    {
        var read = new List<(byte[], bool, EndPoint?)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (read.Count < expected && DateTime.UtcNow < deadline)
        {
            var count = receiver.Receive(listener, wait: false, out var errno);
            Assert.True(count >= 0, $"recvmmsg failed, errno {errno}");
            for (var i = 0; i < count; i++)
            {
                read.Add((receiver.Datagram(i).ToArray(), receiver.Truncated(i), SenderOf(receiver.Sender(i))));
            }
        }

        return read;
    }

    private static EndPoint SenderOf(ReadOnlySpan<byte> sockaddr)
    {
        var address = new SocketAddress(AddressFamily.InterNetwork, sockaddr.Length);
        sockaddr.CopyTo(address.Buffer.Span);
        return new IPEndPoint(IPAddress.Any, 0).Create(address);
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1 << 20 };
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static Socket Sender()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static byte[] Filled(int length, char c) => Enumerable.Repeat((byte)c, length).ToArray();
}
