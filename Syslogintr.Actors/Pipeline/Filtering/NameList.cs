namespace Syslogintr.Pipeline.Filtering;

/// <summary>
/// A <see cref="FilterSpec"/> list of program or host names: exact names and, with a trailing <c>*</c>, prefixes,
/// all compared ignoring case (host names are case-insensitive in DNS, and rsyslog's and syslog-ng's program
/// filters are commonly written in whichever case the admin remembers). A message without the field matches none.
/// </summary>
internal sealed class NameList
{
    private readonly HashSet<string> names;
    private readonly string[] prefixes;

    private NameList(IReadOnlyList<string> values)
    {
        names = new HashSet<string>(values.Where(v => !v.EndsWith('*')), StringComparer.OrdinalIgnoreCase);
        prefixes = [.. values.Where(v => v.EndsWith('*')).Select(v => v[..^1])];
    }

    /// <summary>Null for an empty list: no narrowing.</summary>
    public static NameList? From(IReadOnlyList<string> values) => values.Count == 0 ? null : new NameList(values);

    public bool Contains(string? value) =>
        value is not null
        && (names.Contains(value) || Array.Exists(prefixes, p => value.StartsWith(p, StringComparison.OrdinalIgnoreCase)));
}
