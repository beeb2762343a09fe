using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>Hostile arguments get a specific exception with a useful message, and no data is lost.</summary>
public class BadInputTests
{
    public static TheoryData<string, Type, string> OpenCases => new()
    {
        // name, expected exception, text the message must contain
        { "negative length", typeof(ArgumentOutOfRangeException), "Length must not be negative" },
        { "zero length on create", typeof(ArgumentOutOfRangeException), "Length must be positive" },
        { "max below length", typeof(ArgumentOutOfRangeException), "MaxLength (100) is less than Length" },
        { "negative max", typeof(ArgumentOutOfRangeException), "MaxLength must not be negative" },
        { "append mode", typeof(ArgumentOutOfRangeException), "Mode must be" },
        { "read-only create", typeof(ArgumentException), "read-only mapping can only open" },
        { "unknown prefault", typeof(ArgumentOutOfRangeException), "Unknown prefault" },
        { "missing file", typeof(FileNotFoundException), "" },
        { "missing parent", typeof(DirectoryNotFoundException), "" },
        { "directory", typeof(UnauthorizedAccessException), "is a directory" },
        { "create-new on existing", typeof(IOException), "already exists" },
        { "empty path", typeof(ArgumentException), "path" },
        { "existing longer than max", typeof(ArgumentOutOfRangeException), "is less than the length of" },
    };

    [SkippableTheory]
    [MemberData(nameof(OpenCases))]
    public void Open_rejects_bad_input(string name, Type expected, string messagePart)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            using var path = new TempPath(TestEnvironment.Directories[0]);
            byte[] existing = Patterns.Bytes(10_000, seed: 30);
            File.WriteAllBytes(path.Path, existing);
            string missing = path.Path + ".missing";
            var baseOptions = new PmemFileOptions { Backend = backend, Length = 4096 };
            Func<PmemFile> open = name switch
            {
                "negative length" => () => PmemFile.Open(missing, baseOptions with { Length = -1 }),
                "zero length on create" => () => PmemFile.Open(missing, baseOptions with { Length = 0 }),
                "max below length" => () => PmemFile.Open(missing, baseOptions with { MaxLength = 100 }),
                "negative max" => () => PmemFile.Open(missing, baseOptions with { MaxLength = -5 }),
                "append mode" => () => PmemFile.Open(path.Path, baseOptions with { Mode = FileMode.Append }),
                "read-only create" => () => PmemFile.Open(missing, baseOptions with { ReadOnly = true }),
                "unknown prefault" => () => PmemFile.Open(missing, baseOptions with { Prefault = (PrefaultMode)99 }),
                "missing file" => () => PmemFile.Open(missing, baseOptions with { Mode = FileMode.Open }),
                "missing parent" => () => PmemFile.Open(Path.Combine(missing, "child"), baseOptions),
                "directory" => () => PmemFile.Open(Path.GetDirectoryName(path.Path)!, baseOptions with { Mode = FileMode.Open }),
                "create-new on existing" => () => PmemFile.Open(path.Path, baseOptions with { Mode = FileMode.CreateNew }),
                "empty path" => () => PmemFile.Open("", baseOptions),
                "existing longer than max" => () => PmemFile.Open(path.Path, baseOptions with { MaxLength = 5000 }),
                _ => throw new ArgumentException(name),
            };

            Exception error = Assert.Throws(expected, () => open());
            Assert.Contains(messagePart, error.Message);
            Assert.Equal(existing, File.ReadAllBytes(path.Path)); // nothing lost
            Assert.False(File.Exists(missing), $"{name} left a file behind");
        }
    }

    public static TheoryData<string, Type> CallCases => new()
    {
        { "span past end", typeof(ArgumentOutOfRangeException) },
        { "negative offset", typeof(ArgumentOutOfRangeException) },
        { "negative length", typeof(ArgumentOutOfRangeException) },
        { "wrapping range", typeof(ArgumentOutOfRangeException) },
        { "persist past end", typeof(ArgumentOutOfRangeException) },
        { "copy past end", typeof(ArgumentOutOfRangeException) },
        { "grow beyond max", typeof(ArgumentOutOfRangeException) },
        { "shrink", typeof(ArgumentOutOfRangeException) },
        { "AsRef past end", typeof(ArgumentOutOfRangeException) },
        { "AsRef misaligned", typeof(ArgumentException) },
        { "Read<T> past end", typeof(ArgumentOutOfRangeException) },
        { "memory past end", typeof(ArgumentOutOfRangeException) },
    };

    [SkippableTheory]
    [MemberData(nameof(CallCases))]
    public void Calls_reject_bad_input_and_change_nothing(string name, Type expected)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            TestEnvironment.Require(backend);
            using var path = new TempPath(TestEnvironment.Directories[0]);
            byte[] data = Patterns.Bytes(8192, seed: 31);
            using var file = PmemFile.Open(path.Path, Patterns.Options(backend, data.Length, 1 << 20));
            file.CopyPersist(0, data);
            Action call = name switch
            {
                "span past end" => () => file.GetSpan(8000, 193),
                "negative offset" => () => file.GetSpan(-1, 1),
                "negative length" => () => file.Persist(0, -1),
                "wrapping range" => () => file.Persist(long.MaxValue, long.MaxValue),
                "persist past end" => () => file.Persist(1, 8192),
                "copy past end" => () => file.CopyPersist(8190, new byte[3]),
                "grow beyond max" => () => file.Grow((1 << 20) + 1),
                "shrink" => () => file.Grow(4096),
                "AsRef past end" => () => file.AsRef<long>(8188),
                "AsRef misaligned" => () => file.AsRef<long>(4),
                "Read<T> past end" => () => file.Read<long>(8185),
                "memory past end" => () => file.GetMemory(1, 8192),
                _ => throw new ArgumentException(name),
            };

            Exception error = Assert.Throws(expected, call);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            Assert.Equal(data.Length, file.Length);
            Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
            Assert.Equal(data, File.ReadAllBytes(path.Path));
        }
    }
}
