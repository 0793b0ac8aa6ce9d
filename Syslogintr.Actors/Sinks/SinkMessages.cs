using Syslogintr.Ingest;

namespace Syslogintr.Sinks;

/// <summary>Registry key of the relay actor (forwards messages to other syslog servers; resolves names off the rule threads).</summary>
public sealed class RelayKey;

/// <summary>Where a rule relays to.</summary>
/// <param name="Kind"><c>udp</c>, <c>tcp</c> or <c>unix</c>.</param>
/// <param name="Target">A host name or IP text (resolved by the relay actor, never by the rule), or a socket path.</param>
/// <param name="Port">The port; -1 for unix sockets.</param>
public sealed record RelayDestination(string Kind, string Target, int Port);

/// <summary>A rule asks for <paramref name="Message"/> to be sent to <paramref name="Destination"/>, as RFC 5424 or (by default) RFC 3164.</summary>
public sealed record RelayRequested(RelayDestination Destination, SyslogMessage Message, bool Rfc5424, string Rule);

/// <summary>Registry key of the file-write actor that serves rules' <c>write(path, line)</c>.</summary>
public sealed class FileWriteKey;

/// <summary>A rule asks for <paramref name="Line"/> to be appended to the file at <paramref name="Path"/>.</summary>
public sealed record FileWriteRequested(string Path, string Line, string Rule);
