using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Syslogintr.Ingest;
using Syslogintr.Ingest.Framing;
using Syslogintr.Ingest.Parsing;

namespace Syslogintr.Node.Commands;

/// <summary>
/// <c>syslogintr parse [--framing lf|octet]</c>: reads raw syslog messages from stdin and prints, per message, one
/// JSON object with what the parser made of it — to check a sender's format or a rule's assumptions.
/// </summary>
public static class ParseCommand
{
    /// <summary>Large enough for any real message; the framer only grows its buffer as far as a message needs.</summary>
    private const int MaxMessageSize = 1024 * 1024;
    private const int ReadSize = 64 * 1024;

    private static readonly Origin StdinOrigin = new(Transport.Unix, null, -1, "stdin", -1, "stdin");

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Readable output: non-ASCII text as is; control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create() => Create(Console.OpenStandardInput, Console.OpenStandardOutput);

    /// <summary>The command reading and writing the given streams (tests run it in process).</summary>
    public static Command Create(Func<Stream> openInput, Func<Stream> openOutput)
    {
        var framing = new Option<string>("--framing")
        {
            Description = "lf: one message per line (default); octet: RFC 6587 octet counting (\"LEN SP MSG\"), so messages may contain newlines",
            DefaultValueFactory = _ => "lf",
        };
        framing.AcceptOnlyFromAmong("lf", "octet");

        var command = new Command("parse", "Parse raw syslog messages from stdin and print each as a JSON line.");
        command.Options.Add(framing);
        command.SetAction(parse =>
        {
            var mode = parse.GetValue(framing) == "octet" ? FramingMode.OctetCounting : FramingMode.LineFeed;
            using var input = openInput();
            using var output = openOutput();
            Run(input, output, mode, TimeProvider.System);
            return 0;
        });
        return command;
    }

    /// <summary>Parses every message of <paramref name="input"/> and writes one JSON line per message to <paramref name="output"/>.</summary>
    public static void Run(Stream input, Stream output, FramingMode mode, TimeProvider clock)
    {
        // Leave the host name null when the message names none, so users see what the sender wrote.
        var parser = new SyslogParser(clock, Environment.MachineName) { FillMissingHostname = false };
        var framer = new StreamFramer(MaxMessageSize, mode) { DeliverEmptyFrames = true };
        using var buffered = new BufferedStream(output, ReadSize);
        using var json = new Utf8JsonWriter(buffered, WriterOptions);
        void OnFrame(ReadOnlySpan<byte> frame, bool truncated)
        {
            var message = parser.Parse(frame, StdinOrigin, clock.GetUtcNow(), truncated);
            Write(json, message);
            json.Flush();
            json.Reset();
            buffered.WriteByte((byte)'\n');
        }

        var chunk = new byte[ReadSize];
        int read;
        while ((read = input.Read(chunk)) > 0)
        {
            framer.Push(chunk.AsSpan(0, read), OnFrame);
            buffered.Flush(); // show each batch as soon as it is read, for interactive use
        }

        framer.Complete(OnFrame);
        buffered.Flush();
    }

    private static void Write(Utf8JsonWriter json, SyslogMessage message)
    {
        json.WriteStartObject();
        if (message.HasPri)
        {
            json.WriteNumber("pri", message.Priority);
        }
        else
        {
            json.WriteNull("pri");
        }

        json.WriteString("facility", message.Facility.Name());
        json.WriteString("severity", message.Severity.Name());
        json.WriteNumber("version", message.Version);
        if (message.Timestamp is { } timestamp)
        {
            json.WriteString("timestamp", timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull("timestamp");
        }

        json.WriteString("hostname", message.Hostname);
        json.WriteString("app_name", message.AppName);
        json.WriteString("procid", message.ProcId);
        json.WriteString("msgid", message.MsgId);
        if (message.StructuredData.Count == 0)
        {
            json.WriteNull("structured_data");
        }
        else
        {
            json.WriteStartObject("structured_data");
            foreach (var element in message.StructuredData)
            {
                json.WriteStartObject(element.Id);
                foreach (var (name, value) in element.Parameters)
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteString("msg", message.Message);
        json.WriteString("format", message.Format switch
        {
            SyslogFormat.Rfc5424 => "rfc5424",
            SyslogFormat.Rfc3164 => "rfc3164",
            _ => "unknown",
        });
        json.WriteBoolean("valid", message.IsValid);
        json.WriteString("error", message.ParseError);
        json.WriteEndObject();
    }
}
