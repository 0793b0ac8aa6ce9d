namespace Syslogintr.Tests.Sinks;

/// <summary>
/// A real file on a disk with room for only <see cref="Room"/> more bytes. A write that does not fit puts what fits
/// into the file, leaves the stream's position where it was and fails with "No space left on device" — what a
/// <see cref="FileStream"/> does when write(2) stops part-way. Setting <see cref="Room"/> frees space.
/// </summary>
internal sealed class FillingFileStream(string path, long room)
    : FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0)
{
    private long room = room;

    /// <summary>Bytes the disk still takes (read and set from any thread).</summary>
    public long Room
    {
        get => Interlocked.Read(ref room);
        set => Interlocked.Exchange(ref room, value);
    }

    /// <summary>FileStream routes every other write of a derived stream through this one.</summary>
    public override void Write(byte[] buffer, int offset, int count)
    {
        var fits = (int)Math.Min(count, Room);
        Interlocked.Add(ref room, -fits);
        if (fits < count)
        {
            RandomAccess.Write(SafeFileHandle, buffer.AsSpan(offset, fits), Position);
            throw new IOException("No space left on device");
        }

        base.Write(buffer, offset, count);
    }
}
