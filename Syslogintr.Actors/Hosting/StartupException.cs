namespace Syslogintr.Hosting;

/// <summary>A configuration the node cannot start with (an unwritable log file, a port in use): said once, clearly, and the node exits.</summary>
public class StartupException(string message, Exception? inner = null) : Exception(message, inner);
