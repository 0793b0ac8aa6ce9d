namespace Syslogintr.Sinks.Files;

/// <summary>How a <see cref="FileWriter"/> buffers and which paths it takes.</summary>
/// <param name="Name">How the writer's log lines name it (<c>file sink messages</c>, <c>write()</c>).</param>
/// <param name="WriteAtBytes">A file's pending lines are written once they reach this size, besides every flush.</param>
/// <param name="MaxPendingBytes">Per file: beyond this, lines that keep failing to reach the file are discarded and counted.</param>
/// <param name="MaxOpenFiles">Files kept open at once; the least recently written is closed beyond that.</param>
/// <param name="Confinement">The folders a path must lie inside; null for a fixed path the operator configured.</param>
/// <param name="CloseIdleAfterFlushes">
/// A file that got no line during this many whole intervals between <see cref="FileWriter.FlushAll"/> calls is closed,
/// releasing a rotated or deleted file; 0: never. A kept path is never closed this way.
/// </param>
public sealed record FileWriterLimits(string Name, int WriteAtBytes, int MaxPendingBytes, int MaxOpenFiles, BaseDirectories? Confinement, int CloseIdleAfterFlushes = 0);
