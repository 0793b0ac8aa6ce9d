using Akka.Actor;
using Akka.Serialization;
using Syslogintr.Cluster.Wire;
using Syslogintr.Ingest;

namespace Syslogintr.Bench.Wire;

/// <summary>What the wire benchmark sends through <see cref="BenchWireSerializer"/>.</summary>
public interface IBenchWireMessage;

/// <summary>A batch of messages, as a node sends one to a rule's bucket on another node.</summary>
public sealed record WireBatch(long Seq, SyslogMessage[] Messages) : IBenchWireMessage;

/// <summary>The receiver's credit back: this many messages arrived.</summary>
public sealed record WireAck(int Messages) : IBenchWireMessage;

/// <summary>
/// The benchmark's own types through exactly the code <c>SyslogintrSerializer</c> runs (<see cref="WireFormat"/>
/// over <see cref="WireCodec{T}"/>s built the way the product's are); only the codec table differs, because these
/// types are not the product's.
/// </summary>
public sealed class BenchWireSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private static readonly WireCodec[] Codecs =
    [
        new WireCodec<WireBatch>(
            "wb",
            (w, v) =>
            {
                w.Write(v.Seq);
                MessageCodec.WriteMessages(w, v.Messages);
            },
            r => new WireBatch(r.ReadInt64(), MessageCodec.ReadMessages(r))),
        new WireCodec<WireAck>("wa", (w, v) => w.Write(v.Messages), r => new WireAck(r.ReadInt32())),
    ];

    public override int Identifier => 4712;

    public override string Manifest(object o) => Codec(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => WireFormat.Serialize(Codec(obj.GetType()), obj);

    public override object FromBinary(byte[] bytes, string manifest) => WireFormat.Deserialize(Codecs.Single(c => c.Manifest == manifest), bytes);

    private static WireCodec Codec(Type type) => Codecs.Single(c => c.Type == type);
}
