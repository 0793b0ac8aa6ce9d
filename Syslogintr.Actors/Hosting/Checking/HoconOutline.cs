namespace Syslogintr.Hosting.Checking;

/// <summary>What a key holds: a section <c>{ }</c>, a list <c>[ ]</c>, or one value.</summary>
internal enum ValueShape
{
    Section,
    List,
    Single,
}

/// <summary>
/// One key as written: its full path, the line it is on, and its value's text (a quoted string without its quotes;
/// otherwise the source, e.g. <c>5 parsecs</c>) and source span.
/// </summary>
internal sealed record OutlineEntry(string Path, int Line, ValueShape Shape, string Text, int Start, int End, bool Substituted);

/// <summary>A syntax error: the line, the key it concerns (null: none), a plain sentence.</summary>
internal sealed record OutlineError(int Line, string? Key, string Message);

/// <summary>
/// A HOCON file's keys with their lines, and its syntax errors. Akka's parser keeps no positions and accepts an
/// unclosed '{', stray '}' and <c>key = = 5</c> silently, so this reads the file once more, the way the HOCON spec
/// does, to say which line is wrong. It does not build values; Akka's parse of the same text does.
/// </summary>
internal sealed class HoconOutline
{
    private readonly List<HoconToken> tokens;
    private readonly List<OutlineEntry> entries = [];
    private readonly List<OutlineError> errors;
    private int next;

    private HoconOutline(string text)
    {
        errors = [];
        tokens = HoconTokenizer.Tokenize(text, errors);
        Text = text;
    }

    public string Text { get; }

    /// <summary>Every key in file order; a key written twice (HOCON merges them) appears twice.</summary>
    public IReadOnlyList<OutlineEntry> Entries => entries;

    public IReadOnlyList<OutlineError> Errors => errors;

    public static HoconOutline Parse(string text)
    {
        var outline = new HoconOutline(text);
        outline.ParseRoot();
        return outline;
    }

    /// <summary>The line of the last time <paramref name="path"/> was written (the value HOCON keeps), or null.</summary>
    public OutlineEntry? Find(string path) => entries.LastOrDefault(e => e.Path == path);

    /// <summary><paramref name="path"/>'s entry, else its nearest written ancestor's.</summary>
    public OutlineEntry? FindNearest(string path)
    {
        for (var p = path; p.Length > 0; p = p.Contains('.') ? p[..p.LastIndexOf('.')] : "")
        {
            if (Find(p) is { } entry)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Sections closed by a '}' indented less than their '{' line. With one '}' missing every later '}' closes the
    /// wrong section, so the first of these is where it most likely belongs.
    /// </summary>
    private readonly List<((int Line, string? Key) Opened, int Closed)> misplaced = [];

    private HoconToken Peek => tokens[next];

    /// <summary>The indentation of the line <paramref name="offset"/> is on; null when <paramref name="firstOnLine"/> and something precedes it there.</summary>
    private int? Indent(int offset, bool firstOnLine = true)
    {
        var lineStart = Text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1;
        var indent = 0;
        while (lineStart + indent < Text.Length && Text[lineStart + indent] is ' ' or '\t')
        {
            indent++;
        }

        return firstOnLine && lineStart + indent != offset ? null : indent;
    }

    private void ParseRoot()
    {
        SkipSeparators();
        if (Peek.Kind == TokenKind.OpenBrace)
        {
            var open = tokens[next++];
            ParseBody("", open, record: true);
            SkipSeparators();
        }

        ParseBody("", null, record: true);
    }

    /// <summary>Fields up to the '}' matching <paramref name="open"/> (null: the end of the file); <paramref name="record"/>: false inside a list.</summary>
    private void ParseBody(string prefix, HoconToken? open, bool record)
    {
        while (true)
        {
            SkipSeparators();
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.End:
                    if (open is { } brace)
                    {
                        errors.Add(misplaced.Count > 0 && misplaced[0] is var (opened, closed)
                            ? new(opened.Line, opened.Key, $"this '{{' is never closed (a '}}' is missing): the '}}' on line {closed} is indented as the section around it")
                            : new(brace.Line, KeyOrNull(prefix), "this '{' is never closed (a '}' is missing)"));
                    }

                    return;
                case TokenKind.CloseBrace when open is { } closing:
                    if (Indent(token.Start) is { } indent && indent < Indent(closing.Start, firstOnLine: false))
                    {
                        misplaced.Add(((closing.Line, KeyOrNull(prefix)), token.Line));
                    }

                    next++;
                    return;
                case TokenKind.CloseBrace or TokenKind.CloseBracket:
                    errors.Add(new(token.Line, KeyOrNull(prefix), $"this '{token.Text}' closes nothing (one too many)"));
                    next++;
                    continue;
                case TokenKind.Unquoted when token.Text == "include" && tokens[next + 1].Kind == TokenKind.Quoted:
                    errors.Add(new(token.Line, KeyOrNull(prefix), "'include' is not supported: put everything in this one file"));
                    SkipLine();
                    continue;
            }

            if (!ParseField(prefix, record))
            {
                SkipLine();
                continue;
            }

            var after = Peek;
            if (after.Kind is not (TokenKind.Newline or TokenKind.Comma or TokenKind.End or TokenKind.CloseBrace))
            {
                errors.Add(new(after.Line, KeyOrNull(prefix), $"unexpected '{after.Text}' after a value: one key = value per line, or separate them with ','"));
                SkipLine();
            }
        }
    }

    /// <summary>One <c>key = value</c> or <c>key { ... }</c>; false (error added) when it is not one.</summary>
    private bool ParseField(string prefix, bool record)
    {
        var first = Peek;

        // Dots separate a key's parts outside quotes only: a."b.c".d is a, b.c, d. A part with a dot keeps its quotes in
        // the path (a."b.c".d), so that it is not read as the path a.b.c, which Akka does not (it is one key).
        var segments = new List<string>();
        while (Peek.Kind is TokenKind.Quoted or TokenKind.Unquoted)
        {
            var token = tokens[next++];
            var pieces = token.Kind == TokenKind.Quoted ? [token.Text.Contains('.') ? $"\"{token.Text}\"" : token.Text] : token.Text.Split('.');
            if (segments.Count == 0)
            {
                segments.Add("");
            }

            segments[^1] += pieces[0];
            segments.AddRange(pieces.Skip(1));
        }

        if (segments.Count == 0)
        {
            errors.Add(new(first.Line, KeyOrNull(prefix), first.Kind is TokenKind.Assign or TokenKind.PlusAssign
                ? $"'{first.Text}' with no key before it"
                : $"a key is expected here, not '{first.Text}'"));
            return false;
        }

        var path = Join(prefix, string.Join('.', segments));
        if (segments.Any(s => s.Length == 0))
        {
            errors.Add(new(first.Line, path, "a key has an empty part (two dots in a row, or a dot at its start or end)"));
            return false;
        }

        // a.b.c = 1 is a { b { c = 1 } }: the sections on the way are keys of this line too.
        for (var depth = 1; record && depth < segments.Count; depth++)
        {
            entries.Add(new(Join(prefix, string.Join('.', segments.Take(depth))), first.Line, ValueShape.Section, "", first.Start, first.Start, false));
        }

        var separator = Peek;
        if (separator.Kind is TokenKind.Assign or TokenKind.PlusAssign)
        {
            next++;
        }
        else if (separator.Kind != TokenKind.OpenBrace)
        {
            errors.Add(new(first.Line, path, separator.Kind is TokenKind.Newline or TokenKind.End or TokenKind.Comma or TokenKind.CloseBrace
                ? "has no value: write key = value, or key { ... }"
                : $"'=' or ':' is expected after the key, not '{separator.Text}'"));
            return false;
        }

        return ParseValue(path, first.Line, record);
    }

    /// <summary>A value on the rest of the line (strings, words and substitutions concatenate; a '{' or '[' may span lines).</summary>
    private bool ParseValue(string path, int line, bool record)
    {
        var began = next;
        var start = Peek.Start;
        var end = start;
        var parts = new List<HoconToken>();
        var shape = ValueShape.Single;
        var index = entries.Count;
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case TokenKind.Quoted or TokenKind.Unquoted or TokenKind.Substitution:
                    parts.Add(token);
                    next++;
                    break;
                case TokenKind.OpenBrace:
                    next++;
                    shape = ValueShape.Section;
                    ParseBody(path, token, record);
                    break;
                case TokenKind.OpenBracket:
                    next++;
                    shape = ValueShape.List;
                    ParseList(path, token);
                    break;
                case TokenKind.Assign or TokenKind.PlusAssign:
                    errors.Add(new(token.Line, path, parts.Count == 0 && shape == ValueShape.Single
                        ? $"'{token.Text}' twice: the value is missing"
                        : $"'{token.Text}' inside a value: put the value in quotes (\"...\")"));
                    return false;
                default:
                    if (next == began)
                    {
                        errors.Add(new(line, path, "has no value: write key = value, or key { ... }"));
                        return false;
                    }

                    if (record)
                    {
                        var text = parts.Count == 1 && parts[0].Kind == TokenKind.Quoted ? parts[0].Text : Source(start, end);
                        entries.Insert(index, new(path, line, parts.Count > 0 ? ValueShape.Single : shape, text, start, end, parts.Any(p => p.Kind == TokenKind.Substitution)));
                    }

                    return true;
            }

            end = tokens[next - 1].End;
        }
    }

    private void ParseList(string path, HoconToken open)
    {
        while (true)
        {
            SkipSeparators();
            switch (Peek.Kind)
            {
                case TokenKind.CloseBracket:
                    next++;
                    return;
                case TokenKind.End:
                    errors.Add(new(open.Line, path, "this '[' is never closed (a ']' is missing)"));
                    return;
                case TokenKind.CloseBrace:
                    errors.Add(new(Peek.Line, path, "a '}' inside a list: a ']' is missing before it"));
                    next++;
                    return;
            }

            if (!ParseValue(path, Peek.Line, record: false))
            {
                SkipLine();
            }
        }
    }

    private string Source(int start, int end) => end > start ? Text[start..end] : "";

    private void SkipSeparators()
    {
        while (Peek.Kind is TokenKind.Newline or TokenKind.Comma)
        {
            next++;
        }
    }

    private void SkipLine()
    {
        while (Peek.Kind is not (TokenKind.Newline or TokenKind.End))
        {
            next++;
        }
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;

    private static string? KeyOrNull(string prefix) => prefix.Length == 0 ? null : prefix;
}
