using System.Text.Json;

namespace Syslogintr.Actions;

/// <summary>One ban as stored in the state file.</summary>
public sealed record BanRecord(string Address, DateTimeOffset Until, string Reason, string Rule);

/// <summary>
/// The ban list on disk: a small JSON array, replaced atomically (written to a temp file, then renamed over the
/// old one) so a crash mid-write leaves the previous list, never half of one.
/// </summary>
public static class BanStateFile
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The stored bans; empty when the file does not exist yet.</summary>
    public static IReadOnlyList<BanRecord> Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return JsonSerializer.Deserialize<List<BanRecord>>(File.ReadAllBytes(path), Options) ?? [];
    }

    public static void Save(string path, IEnumerable<BanRecord> bans)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, bans.ToList(), Options);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
