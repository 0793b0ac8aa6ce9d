using System.Text;

namespace Syslogintr.Node.Commands;

/// <summary>Columns padded to their widest cell, indented two spaces: the tables <c>cluster status</c> and <c>stats</c> print.</summary>
internal static class TextTable
{
    public static void Append(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            text.AppendLine("  " + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
