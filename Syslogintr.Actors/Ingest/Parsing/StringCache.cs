using System.Text;

namespace Syslogintr.Ingest.Parsing;

/// <summary>
/// Interns the short ASCII strings that repeat from message to message (host names, app names, MSGIDs, SD-IDs,
/// parameter names), so steady traffic from the same senders does not allocate them again. A direct-mapped
/// table: a collision simply replaces the slot. Not thread-safe, like the parser that owns it.
/// </summary>
internal sealed class StringCache
{
    private const int SlotCount = 1024;
    private const int MaxInternedLength = 64;
    private readonly string?[] slots = new string?[SlotCount];

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxInternedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        // FNV-1a; these strings are short, so a byte loop is cheaper than anything vectorised.
        var hash = 2166136261u;
        var nonAscii = 0;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
            nonAscii |= b & 0x80;
        }

        if (nonAscii != 0)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        ref var slot = ref slots[(hash ^ (hash >> 16)) & (SlotCount - 1)];
        if (slot is { } cached && Ascii.Equals(utf8, cached))
        {
            return cached;
        }

        var text = Encoding.ASCII.GetString(utf8);
        slot = text;
        return text;
    }
}
