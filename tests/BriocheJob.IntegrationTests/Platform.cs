// The tests exercise Unix file modes, unix sockets and a Linux Docker engine: they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
