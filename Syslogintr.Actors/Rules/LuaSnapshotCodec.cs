using System.Globalization;
using KeraLua;

namespace Syslogintr.Rules;

/// <summary>
/// A rule's <c>snapshot()</c> table as bytes and back, so a bucket's state can travel to the node that takes the
/// bucket over. Plain data only: strings, numbers (integer or float kept apart), booleans and nested tables, keyed
/// by strings, numbers or booleans. A function, userdata, thread, a table as a key, a table that contains itself,
/// nesting deeper than <see cref="MaxDepth"/> or more than <see cref="MaxBytes"/> is a <see cref="SnapshotException"/>
/// naming where it is. A table referenced twice is written twice (a snapshot is a tree).
/// </summary>
public static class LuaSnapshotCodec
{
    /// <summary>
    /// 1 MiB: the snapshot is replicated whole (DistributedData gossips values, not diffs) and must stay well
    /// inside remoting's frame (maximum-frame-size, 4 MiB by default). sshblock needs ~40 bytes per address.
    /// </summary>
    public const int MaxBytes = 1 << 20;

    public const int MaxDepth = 32;

    private const byte TableTag = 0;
    private const byte FalseTag = 1;
    private const byte TrueTag = 2;
    private const byte IntegerTag = 3;
    private const byte NumberTag = 4;
    private const byte StringTag = 5;
    private const byte EndTag = 6;

    /// <summary>The table at <paramref name="index"/> as bytes; the stack is left as it was.</summary>
    public static byte[] Encode(Lua lua, int index)
    {
        if (lua.Type(index) != LuaType.Table)
        {
            throw new SnapshotException($"snapshot() must return a table, not a {lua.TypeName(index)}");
        }

        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            WriteTable(lua, lua.AbsIndex(index), writer, [], "snapshot()", 0);
        }

        return stream.ToArray();
    }

    /// <summary>Pushes the table <paramref name="bytes"/> hold; on a <see cref="SnapshotException"/> the stack is left as it was.</summary>
    public static void Push(Lua lua, byte[] bytes)
    {
        var top = lua.GetTop();
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
            if (reader.ReadByte() != TableTag)
            {
                throw new SnapshotException("the snapshot does not hold a table");
            }

            ReadTable(lua, reader, 0);
            if (reader.BaseStream.Position != bytes.Length)
            {
                throw new SnapshotException("the snapshot has bytes after its table");
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            lua.SetTop(top);
            throw new SnapshotException("the snapshot is cut short");
        }
        catch (SnapshotException)
        {
            lua.SetTop(top);
            throw;
        }
    }

    private static void WriteTable(Lua lua, int table, BinaryWriter w, HashSet<IntPtr> path, string where, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new SnapshotException($"{where} is nested deeper than {MaxDepth} tables");
        }

        if (!path.Add(lua.ToPointer(table)))
        {
            throw new SnapshotException($"{where} is a cycle: a table that contains itself");
        }

        lua.CheckStack(4);
        w.Write(TableTag);
        lua.PushNil();
        while (lua.Next(table))
        {
            var key = lua.GetTop() - 1;
            if (lua.Type(key) == LuaType.Table)
            {
                lua.Pop(2);
                throw new SnapshotException($"{where} has a table as a key");
            }

            var at = $"{where}[{Describe(lua, key)}]";
            try
            {
                WriteValue(lua, key, w, path, at, depth);
                WriteValue(lua, key + 1, w, path, at, depth);
            }
            catch
            {
                lua.Pop(2);
                throw;
            }

            lua.Pop(1);
            if (w.BaseStream.Length > MaxBytes)
            {
                lua.Pop(1);
                throw new SnapshotException($"snapshot() is larger than {MaxBytes} bytes");
            }
        }

        w.Write(EndTag);
        path.Remove(lua.ToPointer(table));
    }

    private static void WriteValue(Lua lua, int index, BinaryWriter w, HashSet<IntPtr> path, string where, int depth)
    {
        switch (lua.Type(index))
        {
            case LuaType.Boolean:
                w.Write(lua.ToBoolean(index) ? TrueTag : FalseTag);
                break;
            case LuaType.Number when lua.IsInteger(index):
                w.Write(IntegerTag);
                w.Write(lua.ToInteger(index));
                break;
            case LuaType.Number:
                w.Write(NumberTag);
                w.Write(lua.ToNumber(index));
                break;
            case LuaType.String:
                // Lua strings are bytes; ToBuffer without metamethods leaves the key in place for Next.
                var bytes = lua.ToBuffer(index, false) ?? [];
                w.Write(StringTag);
                w.Write(bytes.Length);
                w.Write(bytes);
                break;
            case LuaType.Table:
                WriteTable(lua, index, w, path, where, depth + 1);
                break;
            default:
                throw new SnapshotException($"{where} is a {lua.TypeName(index)}: a snapshot holds strings, numbers, booleans and tables only");
        }
    }

    private static void ReadTable(Lua lua, BinaryReader r, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new SnapshotException($"the snapshot is nested deeper than {MaxDepth} tables");
        }

        lua.CheckStack(4);
        lua.NewTable();
        while (true)
        {
            var tag = r.ReadByte();
            if (tag == EndTag)
            {
                return;
            }

            ReadValue(lua, tag, r, depth);
            if (lua.IsNil(-1) || (lua.Type(-1) == LuaType.Number && double.IsNaN(lua.ToNumber(-1))) || lua.Type(-1) == LuaType.Table)
            {
                throw new SnapshotException("the snapshot has a key that cannot be a key");
            }

            ReadValue(lua, r.ReadByte(), r, depth);
            lua.RawSet(-3);
        }
    }

    private static void ReadValue(Lua lua, byte tag, BinaryReader r, int depth)
    {
        switch (tag)
        {
            case FalseTag or TrueTag:
                lua.PushBoolean(tag == TrueTag);
                break;
            case IntegerTag:
                lua.PushInteger(r.ReadInt64());
                break;
            case NumberTag:
                lua.PushNumber(r.ReadDouble());
                break;
            case StringTag:
                var length = r.ReadInt32();
                if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
                {
                    throw new SnapshotException("the snapshot is cut short");
                }

                lua.PushBuffer(r.ReadBytes(length));
                break;
            case TableTag:
                ReadTable(lua, r, depth + 1);
                break;
            default:
                throw new SnapshotException($"the snapshot holds an unknown tag {tag}");
        }
    }

    private static string Describe(Lua lua, int key) => lua.Type(key) switch
    {
        LuaType.String => $"\"{System.Text.Encoding.UTF8.GetString(lua.ToBuffer(key, false) ?? [])}\"",
        LuaType.Number when lua.IsInteger(key) => lua.ToInteger(key).ToString(CultureInfo.InvariantCulture),
        LuaType.Number => lua.ToNumber(key).ToString(CultureInfo.InvariantCulture),
        var other => other == LuaType.Boolean ? (lua.ToBoolean(key) ? "true" : "false") : other.ToString(),
    };
}

/// <summary>A snapshot that cannot be encoded or decoded; the message says where and why.</summary>
public sealed class SnapshotException(string message) : Exception(message);
