namespace Syslogintr.Cluster.Wire;

/// <summary>How one message type is written to and read from the wire, under its manifest.</summary>
public abstract class WireCodec
{
    public abstract Type Type { get; }

    /// <summary>Short and stable: it is on the wire, so it never changes once released.</summary>
    public abstract string Manifest { get; }

    public abstract void Write(BinaryWriter writer, object value);

    public abstract object Read(BinaryReader reader);
}

/// <summary>A codec from two functions, so each message's format sits next to its type.</summary>
public sealed class WireCodec<T>(string manifest, Action<BinaryWriter, T> write, Func<BinaryReader, T> read) : WireCodec
    where T : notnull
{
    public override Type Type => typeof(T);

    public override string Manifest => manifest;

    public override void Write(BinaryWriter writer, object value) => write(writer, (T)value);

    public override object Read(BinaryReader reader) => read(reader);
}
