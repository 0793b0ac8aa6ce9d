using Akka.Actor;
using Akka.Serialization;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// The binary wire format of every <see cref="IClusterMessage"/>: a short, explicit manifest per type (renaming a
/// class does not break a rolling upgrade, as JSON's <c>$type</c> would) and a hand-written codec per type.
/// </summary>
public sealed class SyslogintrSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Our serializer id; Akka's own ids are below 100.</summary>
    public const int Id = 4711;

    public override int Identifier => Id;

    public override string Manifest(object o) => WireCodecs.For(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => WireFormat.Serialize(WireCodecs.For(obj.GetType()), obj);

    public override object FromBinary(byte[] bytes, string manifest) => WireFormat.Deserialize(WireCodecs.For(manifest), bytes);
}
