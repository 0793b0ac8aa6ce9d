using System.Collections;
using System.Reflection;

namespace Syslogintr.Tests.Cluster;

/// <summary>
/// Structural equality for what crosses the wire, where a record's own Equals is not enough: its list members
/// (IReadOnlyList, arrays, byte[]) compare by reference. Records compare property by property, lists element by
/// element, dictionaries and sets by content, times with their offset (DateTimeOffset.Equals ignores it); anything
/// else by its Equals. Says where the first difference is.
/// </summary>
public static class WireEquality
{
    /// <returns>Null when equal, else the path to the first difference and both values.</returns>
    public static string? Difference(object? expected, object? actual, string path = "value")
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        var type = expected.GetType();
        if (expected is IEnumerable sequence && expected is not (string or IDictionary) && actual is IEnumerable other && actual is not (string or IDictionary))
        {
            // An IReadOnlyList member may be a List on one side and an array on the other: the elements are what count.
            return IsSet(type)
                ? SetDifference(sequence, other, path)
                : SequenceDifference(sequence, other, path);
        }

        if (type != actual.GetType())
        {
            return $"{path}: expected a {type.Name}, got a {actual.GetType().Name}";
        }

        if (expected is DateTimeOffset time)
        {
            return time.EqualsExact((DateTimeOffset)actual) ? null : $"{path}: expected {time:O}, got {actual:O}";
        }

        if (expected is string || type.IsPrimitive || type.IsEnum)
        {
            return expected.Equals(actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        if (expected is IDictionary dictionary)
        {
            return DictionaryDifference(dictionary, (IDictionary)actual, path);
        }

        if (IsRecord(type) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>)))
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length == 0 && property.Name != "EqualityContract"
                    && Difference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}") is { } difference)
                {
                    return difference;
                }
            }

            return null;
        }

        return expected.Equals(actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
    }

    private static string? SequenceDifference(IEnumerable expected, IEnumerable actual, string path)
    {
        var left = expected.Cast<object?>().ToList();
        var right = actual.Cast<object?>().ToList();
        if (left.Count != right.Count)
        {
            return $"{path}: expected {left.Count} elements, got {right.Count}";
        }

        return left.Select((e, i) => Difference(e, right[i], $"{path}[{i}]")).FirstOrDefault(d => d is not null);
    }

    private static string? SetDifference(IEnumerable expected, IEnumerable actual, string path)
    {
        var left = expected.Cast<object?>().ToList();
        var right = actual.Cast<object?>().ToList();
        if (left.Count != right.Count)
        {
            return $"{path}: expected {left.Count} elements, got {right.Count}";
        }

        var missing = left.FirstOrDefault(e => !right.Any(a => Difference(e, a) is null));
        return missing is null ? null : $"{path}: {Show(missing)} is missing";
    }

    private static string? DictionaryDifference(IDictionary expected, IDictionary actual, string path)
    {
        if (expected.Count != actual.Count)
        {
            return $"{path}: expected {expected.Count} entries, got {actual.Count}";
        }

        foreach (DictionaryEntry entry in expected)
        {
            if (!actual.Contains(entry.Key))
            {
                return $"{path}: key {Show(entry.Key)} is missing";
            }

            if (Difference(entry.Value, actual[entry.Key], $"{path}[{Show(entry.Key)}]") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    /// <summary>A record class has a compiler-made clone method; a record struct a compiler-made PrintMembers.</summary>
    private static bool IsRecord(Type type) => type.GetMethod("<Clone>$") is not null
        || (type.IsValueType && type.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance) is not null);

    private static bool IsSet(Type type) => type.GetInterfaces().Any(i => i.IsGenericType
        && (i.GetGenericTypeDefinition() == typeof(ISet<>) || i.GetGenericTypeDefinition() == typeof(IReadOnlySet<>)));

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{(s.Length > 80 ? s[..80] + "…" : s)}\"",
        _ => value.ToString() ?? value.GetType().Name,
    };
}
