namespace Syslogintr.Cluster.Wire;

/// <summary>
/// Marks a message that may cross nodes: it is bound to <see cref="SyslogintrSerializer"/> and must have a codec in
/// <see cref="WireCodecs"/> (a test round-trips every implementation and fails on a fallback to JSON).
/// </summary>
public interface IClusterMessage;
