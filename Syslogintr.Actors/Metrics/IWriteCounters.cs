namespace Syslogintr.Metrics;

/// <summary>What a file writer counts, whoever publishes it: a file sink's <see cref="SinkCounters"/>, rules' <c>write()</c> events.</summary>
public interface IWriteCounters
{
    /// <summary>Lines that reached the file.</summary>
    void OnWritten(int lines);

    /// <summary>A failed write or open (disk full, I/O error); what did not reach the file is retried.</summary>
    void OnWriteError();

    /// <summary>Lines given up: the retry buffer overflowed, or they were still unwritten when the file closed.</summary>
    void OnDiscarded(int lines, int bytes);
}
