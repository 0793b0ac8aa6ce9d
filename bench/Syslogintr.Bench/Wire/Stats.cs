using System.Globalization;

namespace Syslogintr.Bench.Wire;

/// <summary>Medians and ranges of repeated runs, formatted as one token for RESULT lines.</summary>
public static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary><c>min-max</c>.</summary>
    public static string Range(IEnumerable<double> values, string format)
    {
        var list = values.ToList();
        return $"{list.Min().ToString(format, CultureInfo.InvariantCulture)}-{list.Max().ToString(format, CultureInfo.InvariantCulture)}";
    }
}
