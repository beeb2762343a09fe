// PmdkSharp maps files with Linux's mmap/madvise/msync and loads libpmem.so.1: it is Linux-only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
