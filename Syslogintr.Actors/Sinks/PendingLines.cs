using System.Text;

namespace Syslogintr.Sinks;

/// <summary>
/// Whole lines waiting for one file, as UTF-8, and the one way sinks write them: a write that fails part-way (disk
/// full) leaves the file ending at the last whole line that reached it and keeps exactly the rest here, so a retry
/// neither repeats a line nor tears one. What reached the file is read from the file's length, so the file must be
/// appended by us alone (a stream that cannot seek — standard output — keeps everything and may repeat on retry).
/// Not thread-safe: owned by one actor.
/// </summary>
public sealed class PendingLines
{
    private const int InitialSize = 64 * 1024;
    private readonly Encoder encoder = new UTF8Encoding(false).GetEncoder();
    private byte[] bytes = new byte[InitialSize];
    private int start;
    private int end;
    private int lines;

    /// <summary>Lines not yet in the file.</summary>
    public int Lines => lines;

    /// <summary>Bytes not yet in the file.</summary>
    public int Bytes => end - start;

    /// <summary>Appends <paramref name="text"/> and a newline; the caller has made sure the text holds no newline.</summary>
    public void Add(StringBuilder text)
    {
        Reserve(Encoding.UTF8.GetMaxByteCount(text.Length) + 1);
        foreach (var chunk in text.GetChunks())
        {
            end += encoder.GetBytes(chunk.Span, bytes.AsSpan(end), flush: false);
        }

        end += encoder.GetBytes([], bytes.AsSpan(end), flush: true);
        bytes[end++] = (byte)'\n';
        lines++;
    }

    /// <summary>
    /// Writes every pending line to <paramref name="stream"/>. Returns the lines that reached it — all of them, or on
    /// an <see cref="IOException"/> (returned in <paramref name="error"/>) the whole lines before the failure.
    /// </summary>
    public int WriteTo(Stream stream, out IOException? error)
    {
        error = null;
        if (start == end)
        {
            return 0;
        }

        var offset = stream.CanSeek ? stream.Position : -1;
        try
        {
            stream.Write(bytes, start, end - start);
            stream.Flush();
            var written = lines;
            Clear();
            return written;
        }
        catch (IOException e)
        {
            error = e;
            try
            {
                return offset < 0 ? 0 : KeepWhatDidNotReach(stream, offset);
            }
            catch (IOException)
            {
                return 0; // the file cannot even be measured: keep everything and retry
            }
        }
    }

    /// <summary>Empties the buffer, returning what is given up (for the caller to count).</summary>
    public (int Lines, int Bytes) Discard()
    {
        var discarded = (lines, Bytes);
        Clear();
        return discarded;
    }

    /// <summary>
    /// The file grew by a prefix of our bytes before the error. Cut a torn last line off the file (freeing space, so
    /// it cannot fail for want of it), drop the whole lines that made it from the buffer, and write on from there.
    /// </summary>
    private int KeepWhatDidNotReach(Stream stream, long offset)
    {
        var reached = (int)Math.Clamp(stream.Length - offset, 0, Bytes);
        var whole = bytes.AsSpan(start, reached).LastIndexOf((byte)'\n') + 1;
        if (reached > whole)
        {
            stream.SetLength(offset + whole);
        }

        stream.Position = offset + whole;
        var written = bytes.AsSpan(start, whole).Count((byte)'\n');
        start += whole;
        lines -= written;
        return written;
    }

    private void Clear()
    {
        start = end = lines = 0;
        if (bytes.Length > InitialSize * 16)
        {
            bytes = new byte[InitialSize]; // give back what a long outage grew
        }
    }

    private void Reserve(int count)
    {
        if (bytes.Length - end >= count)
        {
            return;
        }

        // Move what is pending to the front; grow only when that is not enough.
        var pending = Bytes;
        var target = pending + count <= bytes.Length ? bytes : new byte[Math.Max(bytes.Length * 2, pending + count)];
        bytes.AsSpan(start, pending).CopyTo(target);
        bytes = target;
        start = 0;
        end = pending;
    }
}
