// The tests drive unix sockets, util-linux logger and POSIX signals: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: TestCollectionOrderer("Syslogintr.Tests.Support.LongestFirstCollectionOrderer", "Syslogintr.Tests")]
