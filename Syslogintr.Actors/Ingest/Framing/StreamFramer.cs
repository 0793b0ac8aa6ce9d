namespace Syslogintr.Ingest.Framing;

/// <summary>How syslog messages are delimited in a byte stream (RFC 6587).</summary>
public enum FramingMode
{
    /// <summary>Per frame, as rsyslog does: a frame starting with a digit is octet-counted, anything else ends at LF.</summary>
    Auto,

    /// <summary><c>MSG-LEN SP SYSLOG-MSG</c> (RFC 6587 §3.4.1); a frame that does not start with a length is read as a line and counted invalid.</summary>
    OctetCounting,

    /// <summary>Each message ends at LF (RFC 6587 §3.4.2, "non-transparent framing"); a CR before the LF is dropped.</summary>
    LineFeed,
}

/// <summary>Receives one frame; the span is valid only during the call.</summary>
public delegate void FrameHandler(ReadOnlySpan<byte> frame, bool truncated);

/// <summary>
/// Cuts a TCP (or stdin) byte stream into syslog frames, incrementally: bytes go in as they are read, complete
/// frames come out. A frame longer than the maximum is delivered cut to the maximum (truncated = true) and the rest
/// of it skipped, so the buffer never holds more than one maximum-size message however large a frame claims to be.
/// An octet count beyond <see cref="TrustedLengthFactor"/> × the maximum is not believed: it is a framing error and
/// the frame is read as a line, digits included, so a stray number never swallows the rest of the stream (rsyslog
/// does the same past its <c>MaxFrameSize</c>: "frame too large, change to octet stuffing").
/// Frames that fit in one read are delivered straight from the caller's span, without a copy. Not thread-safe: one per connection.
/// </summary>
public sealed class StreamFramer
{
    /// <summary>Longer digit runs are not a length (a 12-digit length is already ~1 TB); the frame is read as a line.</summary>
    private const int MaxLengthDigits = 12;
    private const int InitialBufferSize = 4096;

    /// <summary>
    /// An honest sender's frame somewhat over our maximum is cut and the rest skipped; a count this many times the
    /// maximum is a stray number (a timestamp, garbage), and skipping it would lose what follows on the connection.
    /// </summary>
    public const int TrustedLengthFactor = 16;

    private readonly int maxMessageSize;
    private readonly long maxTrustedLength;
    private readonly FramingMode mode;
    private byte[] buffer = [];
    private int buffered;
    private State state = State.FrameStart;
    private long declaredLength;
    private long remaining;

    public StreamFramer(int maxMessageSize, FramingMode mode = FramingMode.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageSize, Array.MaxLength - 1); // room for a line's CR
        this.maxMessageSize = maxMessageSize;
        maxTrustedLength = (long)maxMessageSize * TrustedLengthFactor;
        this.mode = mode;
    }

    private enum State
    {
        FrameStart,
        Length,
        OctetBody,
        OctetSkip,
        Line,
        LineSkip,
    }

    /// <summary>Frames longer than the maximum message size, delivered cut.</summary>
    public long OversizedFrames { get; private set; }

    /// <summary>Frames that broke the framing: a zero length, an untrusted length (read as a line), a missing length in <see cref="FramingMode.OctetCounting"/>.</summary>
    public long FramingErrors { get; private set; }

    /// <summary>
    /// Frames cut short by the end of the stream: an octet-counted frame that got fewer bytes than it declared, or
    /// (<see cref="Abort"/>) a line whose LF never came. Whatever arrived of them is delivered flagged truncated.
    /// </summary>
    public long AbortedFrames { get; private set; }

    /// <summary>
    /// Delivers an empty line (<see cref="FramingMode.LineFeed"/>) and a zero-length octet frame as an empty frame
    /// rather than skipping it: <c>syslogintr parse</c> answers every frame with one line. A listener leaves this off,
    /// as there is nothing in such a frame to route.
    /// </summary>
    public bool DeliverEmptyFrames { get; init; }

    /// <summary>True between a frame's first byte and its end: the frame is still coming.</summary>
    public bool InFrame => state != State.FrameStart;

    /// <summary>Feeds bytes as read from the stream; calls <paramref name="onFrame"/> for each frame they complete.</summary>
    public void Push(ReadOnlySpan<byte> data, FrameHandler onFrame)
    {
        while (!data.IsEmpty)
        {
            var used = state switch
            {
                State.FrameStart => StartFrame(data, onFrame),
                State.Length => ReadLength(data, onFrame),
                State.OctetBody => ReadOctetBody(data, onFrame),
                State.OctetSkip => SkipOctets(data),
                State.Line => ReadLine(data, onFrame),
                _ => SkipLine(data),
            };
            data = data[used..];
        }
    }

    /// <summary>
    /// At an orderly end of the stream (the sender closed it): delivers a last line that had no LF — a complete
    /// message, as rsyslog reads it — and counts an octet-counted frame cut short as aborted.
    /// </summary>
    public void Complete(FrameHandler onFrame)
    {
        switch (state)
        {
            case State.Line:
            case State.Length: // digits and no space: a line that happens to start with a number
                EndLine([], onFrame);
                break;
            default:
                AbortOctetFrame(onFrame);
                break;
        }

        buffered = 0;
        state = State.FrameStart;
    }

    /// <summary>
    /// At an abnormal end of the stream (reset, timeout): a frame in progress, of either framing, is aborted —
    /// counted and what came of it delivered flagged truncated, since nobody can tell whether a line was complete.
    /// </summary>
    public void Abort(FrameHandler onFrame)
    {
        switch (state)
        {
            case State.Line:
            case State.Length:
                AbortedFrames++;
                if (buffered > 0)
                {
                    onFrame(buffer.AsSpan(0, buffered), true);
                }

                break;
            default:
                AbortOctetFrame(onFrame);
                break;
        }

        buffered = 0;
        state = State.FrameStart;
    }

    private void AbortOctetFrame(FrameHandler onFrame)
    {
        switch (state)
        {
            case State.OctetBody:
                AbortedFrames++;
                if (buffered > 0)
                {
                    onFrame(buffer.AsSpan(0, buffered), true);
                }

                break;
            case State.OctetSkip: // its first bytes were already delivered, cut and flagged
                AbortedFrames++;
                break;
        }
    }

    private int StartFrame(ReadOnlySpan<byte> data, FrameHandler onFrame)
    {
        buffered = 0;
        var first = data[0];
        if (first is (byte)'\n' or 0)
        {
            // An empty line, or the LF/NUL some senders put after an octet-counted frame (never a frame of its own there).
            if (DeliverEmptyFrames && first == '\n' && mode == FramingMode.LineFeed)
            {
                onFrame([], false);
            }

            return 1;
        }

        if (mode != FramingMode.LineFeed && (uint)(first - '0') <= 9)
        {
            declaredLength = 0;
            state = State.Length;
            return 0;
        }

        if (mode == FramingMode.OctetCounting)
        {
            FramingErrors++;
        }

        state = State.Line;
        return 0;
    }

    private int ReadLength(ReadOnlySpan<byte> data, FrameHandler onFrame)
    {
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if ((uint)(b - '0') <= 9 && buffered < MaxLengthDigits)
            {
                declaredLength = declaredLength * 10 + (b - '0');
                Append(data.Slice(i, 1));
                continue;
            }

            if (b == ' ')
            {
                if (declaredLength > maxTrustedLength)
                {
                    // Not believed: read it as a line, from its first digit to the next LF.
                    FramingErrors++;
                    state = State.Line;
                    return i;
                }

                buffered = 0;
                remaining = declaredLength;
                if (declaredLength == 0)
                {
                    FramingErrors++;
                    state = State.FrameStart;
                    if (DeliverEmptyFrames)
                    {
                        onFrame([], false);
                    }
                }
                else
                {
                    state = State.OctetBody;
                }

                return i + 1;
            }

            // Not "LEN SP" after all: the digits so far start a line.
            if (mode == FramingMode.OctetCounting)
            {
                FramingErrors++;
            }

            state = State.Line;
            return i;
        }

        return data.Length;
    }

    private int ReadOctetBody(ReadOnlySpan<byte> data, FrameHandler onFrame)
    {
        var wanted = (int)Math.Min(declaredLength, maxMessageSize);
        if (buffered == 0 && data.Length >= wanted)
        {
            Deliver(data[..wanted], onFrame);
            return wanted;
        }

        var take = Math.Min(data.Length, wanted - buffered);
        Append(data[..take]);
        if (buffered == wanted)
        {
            Deliver(buffer.AsSpan(0, buffered), onFrame);
        }

        return take;
    }

    /// <summary>Hands out the octet-counted frame (all of it, or its first maximum-size bytes) and skips what is left.</summary>
    private void Deliver(ReadOnlySpan<byte> frame, FrameHandler onFrame)
    {
        var truncated = declaredLength > frame.Length;
        if (truncated)
        {
            OversizedFrames++;
        }

        remaining = declaredLength - frame.Length;
        buffered = 0;
        state = remaining > 0 ? State.OctetSkip : State.FrameStart;
        onFrame(frame, truncated);
    }

    private int SkipOctets(ReadOnlySpan<byte> data)
    {
        var skip = (int)Math.Min(remaining, data.Length);
        remaining -= skip;
        if (remaining == 0)
        {
            state = State.FrameStart;
        }

        return skip;
    }

    private int ReadLine(ReadOnlySpan<byte> data, FrameHandler onFrame)
    {
        var lf = data.IndexOf((byte)'\n');
        if (lf >= 0)
        {
            EndLine(data[..lf], onFrame);
            return lf + 1;
        }

        // Keep one byte more than the maximum: it may be the CR of a CRLF.
        if ((long)buffered + data.Length > maxMessageSize + 1)
        {
            Append(data[..Math.Max(0, maxMessageSize - buffered)]);
            OversizedFrames++;
            state = State.LineSkip;
            onFrame(buffer.AsSpan(0, maxMessageSize), true);
            buffered = 0;
            return data.Length;
        }

        Append(data);
        return data.Length;
    }

    /// <summary>Delivers the buffered start of a line plus its last piece, without a trailing CR; empty lines are skipped.</summary>
    private void EndLine(ReadOnlySpan<byte> lastPiece, FrameHandler onFrame)
    {
        var total = (long)buffered + lastPiece.Length;
        var last = lastPiece.IsEmpty ? (buffered > 0 ? buffer[buffered - 1] : (byte)0) : lastPiece[^1];
        var length = total > 0 && last == '\r' ? total - 1 : total;
        var truncated = length > maxMessageSize;
        state = State.FrameStart;
        if (length == 0)
        {
            buffered = 0;
            if (DeliverEmptyFrames)
            {
                onFrame([], false);
            }

            return;
        }

        ReadOnlySpan<byte> frame;
        if (buffered == 0)
        {
            frame = lastPiece;
        }
        else
        {
            Append(lastPiece[..Math.Min(lastPiece.Length, Math.Max(0, maxMessageSize - buffered))]);
            frame = buffer.AsSpan(0, buffered);
        }

        if (truncated)
        {
            OversizedFrames++;
        }

        buffered = 0;
        onFrame(frame[..(int)Math.Min(length, maxMessageSize)], truncated);
    }

    private int SkipLine(ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        if (lf < 0)
        {
            return data.Length;
        }

        state = State.FrameStart;
        return lf + 1;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        var needed = buffered + bytes.Length;
        if (needed > buffer.Length)
        {
            var size = Math.Max(needed, Math.Max(InitialBufferSize, buffer.Length * 2));
            Array.Resize(ref buffer, Math.Min(size, Math.Max(needed, maxMessageSize + 1)));
        }

        bytes.CopyTo(buffer.AsSpan(buffered));
        buffered = needed;
    }
}
