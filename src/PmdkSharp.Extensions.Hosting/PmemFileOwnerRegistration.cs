using System;

namespace PmdkSharp.Extensions.Hosting;

/// <summary>A named file that a type maps itself (a log, a store): how to open that type and find its file.</summary>
internal sealed record PmemFileOwnerRegistration(
    string Name, Func<IServiceProvider, PmemFileSettings, IDisposable> Open, Func<IDisposable, PmemFile> FileOf);

/// <summary>Where the files' settings live in configuration, for messages that name the key.</summary>
internal sealed record PmemFilesSection(string Path);
