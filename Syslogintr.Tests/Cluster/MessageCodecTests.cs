using System.Runtime.Serialization;
using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;

namespace Syslogintr.Tests.Cluster;

public sealed class MessageCodecTests
{
    /// <summary>A batch as the parts' codecs carry one, through the path SyslogintrSerializer takes.</summary>
    private static readonly WireCodec<SyslogMessage[]> Batch = new("test-batch", MessageCodec.WriteMessages, MessageCodec.ReadMessages);

    private static readonly WireCodec<SyslogMessage> Single = new("test-message", MessageCodec.Write, MessageCodec.Read);

    [Fact]
    public void Thousands_of_random_messages_round_trip_field_for_field_and_byte_for_byte()
    {
        var random = new Random(20261201);
        var messages = new RandomSyslogMessages(seed: 7);
        for (var round = 0; round < 100; round++)
        {
            var batch = messages.Next(random.Next(1, 60)).ToArray();
            var bytes = WireFormat.Serialize(Batch, batch);
            var back = (SyslogMessage[])WireFormat.Deserialize(Batch, bytes);

            Assert.Null(WireEquality.Difference(batch, back, $"round {round}"));
            Assert.Equal(bytes, WireFormat.Serialize(Batch, back));
            foreach (var message in batch.Take(5))
            {
                Assert.Null(WireEquality.Difference(message, WireFormat.Deserialize(Single, WireFormat.Serialize(Single, message))));
            }
        }
    }

    [Fact]
    public void Real_messages_cost_little_more_than_their_raw_bytes()
    {
        var batch = WireSamples.SyslogMessages().ToArray();

        var bytes = WireFormat.Serialize(Batch, batch);

        // Text, host, app and SD names travel as offsets into Raw; a repeated origin or name as a bit or a byte.
        var raw = batch.Sum(m => m.Raw.Length);
        Assert.InRange(bytes.Length, raw, raw + 64 * batch.Length);
        Assert.Null(WireEquality.Difference(batch, WireFormat.Deserialize(Batch, bytes)));
    }

    [Fact]
    public void An_unpaired_surrogate_arrives_as_the_replacement_character_and_its_neighbours_intact()
    {
        var message = WireSamples.SyslogMessages()[0] with { Message = "half \uD83D of an emoji", Hostname = "\uDE00host" };

        var back = (SyslogMessage)WireFormat.Deserialize(Single, WireFormat.Serialize(Single, message));

        Assert.Equal("half \uFFFD of an emoji", back.Message);
        Assert.Equal("\uFFFDhost", back.Hostname);
        Assert.Equal(message.Raw, back.Raw);
    }

    [Fact]
    public void The_helpers_for_binary_writer_codecs_keep_nulls_and_offsets()
    {
        var at = new DateTimeOffset(2026, 12, 1, 17, 55, 32, TimeSpan.FromMinutes(-210)).AddTicks(7);
        var codec = new WireCodec<Origin>(
            "test-origin",
            (w, o) =>
            {
                MessageCodec.WriteOptional(w, o.RemoteAddress);
                MessageCodec.WriteTime(w, at);
                MessageCodec.WriteOptional(w, o.Listener);
            },
            r => new Origin(Transport.Internal, MessageCodec.ReadOptional(r), MessageCodec.ReadTime(r).EqualsExact(at) ? -1 : 0, "(internal)", -1, MessageCodec.ReadOptional(r)!));

        Assert.Equal(Origin.Internal, WireFormat.Deserialize(codec, WireFormat.Serialize(codec, Origin.Internal)));
        Assert.Throws<SerializationException>(() => WireFormat.Deserialize(codec, [0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0]));
    }

    [Fact]
    public void Every_truncation_of_a_batch_is_a_serialization_exception()
    {
        var bytes = WireFormat.Serialize(Batch, WireSamples.SyslogMessages().ToArray());

        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            var error = Assert.Throws<SerializationException>(() => WireFormat.Deserialize(Batch, cut));
            Assert.Contains("test-batch", error.Message);
            AssertDetected(error);
        }
    }

    [Fact]
    public void Corrupt_bytes_give_a_serialization_exception_or_a_message_never_another_exception()
    {
        var random = new Random(11);
        var original = WireFormat.Serialize(Batch, new RandomSyslogMessages(seed: 3).Next(20).ToArray());
        var errors = 0;
        for (var trial = 0; trial < 3000; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                // A flip inside raw bytes or text is still a well-formed batch: it just says something else.
                Assert.IsType<SyslogMessage[]>(WireFormat.Deserialize(Batch, bytes));
            }
            catch (SerializationException error)
            {
                AssertDetected(error);
                errors++;
            }
        }

        Assert.InRange(errors, 1, 3000);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0x7F, 0x01 })] // the batch's length: 2 GB
    [InlineData(new byte[] { 0x05, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07 })] // its message count: 2^31 - 1
    [InlineData(new byte[] { 0x0A, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x0D, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x7F })] // the raw bytes' length
    public void A_garbage_length_is_refused_before_anything_is_allocated_for_it(byte[] bytes)
    {
        var error = Assert.Throws<SerializationException>(() => WireFormat.Deserialize(Batch, bytes));

        Assert.Contains("corrupt", error.Message);
        AssertDetected(error);
    }

    /// <summary>
    /// The codec itself saw the damage (or BinaryReader did, reading the block's length): not an index out of range or
    /// a bad time that WireFormat merely wrapped.
    /// </summary>
    private static void AssertDetected(SerializationException error) =>
        Assert.True(error.InnerException is SerializationException or EndOfStreamException, error.ToString());
}
