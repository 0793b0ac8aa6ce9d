using System.Collections.Immutable;
using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Syslogintr.Rules;

/// <summary>
/// A rule's <c>options { }</c> section as plain, immutable data, so a <see cref="RuleDefinition"/> can travel:
/// each value is a <see cref="long"/>, <see cref="double"/>, <see cref="bool"/> or <see cref="string"/> (a HOCON
/// scalar, typed as Lua will see it: a duration such as <c>10m</c> stays the string the script parses), an
/// <see cref="ImmutableArray{T}"/> of values, or a nested map. An empty value is an empty map.
/// </summary>
public static class RuleOptions
{
    public static readonly ImmutableDictionary<string, object> None = ImmutableDictionary<string, object>.Empty;

    public static ImmutableDictionary<string, object> From(string rule, Config options) =>
        Convert(options.Root) as ImmutableDictionary<string, object>
            ?? throw new ConfigurationException($"rule '{rule}': options must be an object {{ name = value, ... }}");

    private static object Convert(HoconValue value)
    {
        if (value.IsEmpty)
        {
            return None;
        }

        if (value.IsObject())
        {
            return value.GetObject().Items.ToImmutableDictionary(i => i.Key, i => Convert(i.Value));
        }

        if (value.IsArray())
        {
            return value.GetArray().Select(Convert).ToImmutableArray();
        }

        var text = value.GetString();
        if (long.TryParse(text, out var integer))
        {
            return integer;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return text is "true" or "false" ? text == "true" : text;
    }
}
