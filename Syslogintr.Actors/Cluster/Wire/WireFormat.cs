using System.Runtime.Serialization;
using System.Text;

namespace Syslogintr.Cluster.Wire;

/// <summary>
/// Runs one <see cref="WireCodec"/> over bytes: into a pooled buffer (copied once into the array Akka wants) and out
/// of the received array without copying it. Whatever goes wrong reading comes out as a
/// <see cref="SerializationException"/> naming the manifest, so corrupt or truncated input is a clear, counted
/// error for remoting, never an exception of another kind escaping a codec.
/// </summary>
public static class WireFormat
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static byte[] Serialize(WireCodec codec, object value)
    {
        using var buffer = new WireBuffer();
        using (var writer = new BinaryWriter(buffer, Utf8, leaveOpen: true))
        {
            codec.Write(writer, value);
        }

        return buffer.ToArray();
    }

    public static object Deserialize(WireCodec codec, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
        using var reader = new BinaryReader(stream, Utf8);
        object value;
        try
        {
            value = codec.Read(reader);
        }
        catch (Exception e) when (e is not SerializationException)
        {
            throw new SerializationException($"'{codec.Manifest}' ({codec.Type.Name}): corrupt or truncated wire data ({e.GetType().Name}: {e.Message})", e);
        }
        catch (SerializationException e)
        {
            throw new SerializationException($"'{codec.Manifest}' ({codec.Type.Name}): {e.Message}", e);
        }

        return stream.Position == bytes.Length
            ? value
            : throw new SerializationException($"'{codec.Manifest}' ({codec.Type.Name}): {bytes.Length - stream.Position} bytes left after the value (corrupt, or written by another version)");
    }
}
