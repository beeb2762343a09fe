using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>Hostile arguments get a specific exception with a useful message, and no data is lost.</summary>
public class BadInputTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper output;

    public BadInputTests(Xunit.Abstractions.ITestOutputHelper output) => this.output = output;

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
        { "null path", typeof(ArgumentNullException), "path" },
        { "null options", typeof(ArgumentNullException), "options" },
        { "truncate mode", typeof(ArgumentOutOfRangeException), "Mode must be" },
        { "unknown preallocation", typeof(ArgumentOutOfRangeException), "Unknown preallocation" },
        { "unknown backend", typeof(ArgumentOutOfRangeException), "Unknown backend" },
        { "read-only create-new", typeof(ArgumentException), "read-only mapping can only open" },
        { "zero length create-new", typeof(ArgumentOutOfRangeException), "Length must be positive" },
    };

    [SkippableTheory]
    [MemberData(nameof(OpenCases))]
    public void Open_rejects_bad_input(string name, Type expected, string messagePart)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            using var test = new TestFile(backend);
            byte[] existing = Patterns.Bytes(10_000, seed: 30);
            test.WriteAllBytes(existing);
            string missing = test.Sibling(".missing");
            var baseOptions = test.Options(4096);
            Func<PmemFile> open = name switch
            {
                "negative length" => () => PmemFile.Open(missing, baseOptions with { Length = -1 }),
                "zero length on create" => () => PmemFile.Open(missing, baseOptions with { Length = 0 }),
                "max below length" => () => PmemFile.Open(missing, baseOptions with { MaxLength = 100 }),
                "negative max" => () => PmemFile.Open(missing, baseOptions with { MaxLength = -5 }),
                "append mode" => () => PmemFile.Open(test.Path, baseOptions with { Mode = FileMode.Append }),
                "read-only create" => () => PmemFile.Open(missing, baseOptions with { ReadOnly = true }),
                "unknown prefault" => () => PmemFile.Open(missing, baseOptions with { Prefault = (PrefaultMode)99 }),
                "missing file" => () => PmemFile.Open(missing, baseOptions with { Mode = FileMode.Open }),
                "missing parent" => () => PmemFile.Open(Path.Combine(missing, "child"), baseOptions),
                "directory" => () => PmemFile.Open(test.Directory, baseOptions with { Mode = FileMode.Open }),
                "create-new on existing" => () => PmemFile.Open(test.Path, baseOptions with { Mode = FileMode.CreateNew }),
                "empty path" => () => PmemFile.Open("", baseOptions),
                "existing longer than max" => () => PmemFile.Open(test.Path, baseOptions with { MaxLength = 5000 }),
                "null path" => () => PmemFile.Open(null!, baseOptions),
                "null options" => () => PmemFile.Open(missing, null!),
                "truncate mode" => () => PmemFile.Open(test.Path, baseOptions with { Mode = FileMode.Truncate }),
                "unknown preallocation" => () => PmemFile.Open(missing, baseOptions with { Preallocation = (Preallocation)7 }),
                "unknown backend" => () => PmemFile.Open(missing, baseOptions with { Backend = (PmemBackendKind)42 }),
                "read-only create-new" => () => PmemFile.Open(missing, baseOptions with { Mode = FileMode.CreateNew, ReadOnly = true }),
                "zero length create-new" => () => PmemFile.Open(missing, baseOptions with { Mode = FileMode.CreateNew, Length = 0 }),
                _ => throw new ArgumentException(name),
            };

            Exception error = Assert.Throws(expected, () => open());
            Assert.Contains(messagePart, error.Message);
            output.WriteLine($"{backend}\t{name}\t{error.GetType().Name}\t{error.Message}");
            Assert.Equal(existing, test.ReadAllBytes()); // nothing lost
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
            using var test = new TestFile(backend);
            byte[] data = Patterns.Bytes(8192, seed: 31);
            using var file = test.Create(data.Length, 1 << 20);
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
            output.WriteLine($"{backend}\t{name}\t{error.GetType().Name}\t{error.Message}");
            Assert.Equal(data.Length, file.Length);
            Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
            Assert.Equal(data, test.ReadAllBytes());
        }
    }

    public static TheoryData<string, Type, string> StreamMemoryAndReadOnlyCases => new()
    {
        // name, expected exception, text the message must contain
        { "stream write past end", typeof(NotSupportedException), "create the stream with growOnWrite" },
        { "stream grow past max", typeof(ArgumentOutOfRangeException), "beyond its MaxLength" },
        { "stream shrink", typeof(NotSupportedException), "cannot shrink" },
        { "stream negative position", typeof(ArgumentOutOfRangeException), "value" },
        { "stream seek before start", typeof(IOException), "before the start" },
        { "stream unknown origin", typeof(ArgumentOutOfRangeException), "Unknown seek origin" },
        { "stream null buffer", typeof(ArgumentNullException), "buffer" },
        { "stream offset past buffer", typeof(ArgumentOutOfRangeException), "Offset and length were out of bounds" },
        { "memory pin past window", typeof(ArgumentOutOfRangeException), "The window has 16 bytes" },
        { "memory slice past window", typeof(ArgumentOutOfRangeException), "" },
        { "fixed-size grow", typeof(ArgumentOutOfRangeException), "beyond its MaxLength" },
        { "read-only GetSpan", typeof(NotSupportedException), "is read-only" },
        { "read-only GetMemory", typeof(NotSupportedException), "is read-only" },
        { "read-only AsRef", typeof(NotSupportedException), "is read-only" },
        { "read-only Write<T>", typeof(NotSupportedException), "is read-only" },
        { "read-only Persist", typeof(NotSupportedException), "is read-only" },
        { "read-only Flush", typeof(NotSupportedException), "is read-only" },
        { "read-only Drain", typeof(NotSupportedException), "is read-only" },
        { "read-only CopyPersist", typeof(NotSupportedException), "is read-only" },
        { "read-only FillPersist", typeof(NotSupportedException), "is read-only" },
        { "read-only Grow", typeof(NotSupportedException), "is read-only" },
        { "read-only stream write", typeof(NotSupportedException), "is read-only" },
    };

    [SkippableTheory]
    [MemberData(nameof(StreamMemoryAndReadOnlyCases))]
    public void Streams_memory_and_read_only_mappings_reject_bad_input_and_change_nothing(string name, Type expected, string messagePart)
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            using var test = new TestFile(backend);
            byte[] data = Patterns.Bytes(8192, seed: 32);
            using (var writer = test.Create(data.Length))
                writer.CopyPersist(0, data);
            bool readOnly = name.StartsWith("read-only", StringComparison.Ordinal);
            using var file = test.Reopen(readOnly, maxLength: name == "fixed-size grow" ? null : 1 << 20);
            using Stream stream = file.AsStream();
            Action call = name switch
            {
                "stream write past end" => () => { stream.Position = 8190; stream.Write(new byte[3]); },
                "stream grow past max" => () => stream.SetLength((1 << 20) + 1),
                "stream shrink" => () => stream.SetLength(4096),
                "stream negative position" => () => stream.Position = -1,
                "stream seek before start" => () => stream.Seek(-1, SeekOrigin.Begin),
                "stream unknown origin" => () => stream.Seek(0, (SeekOrigin)3),
                "stream null buffer" => () => stream.Write(null!, 0, 1),
                "stream offset past buffer" => () => stream.Write(new byte[4], 3, 2),
                "memory pin past window" => () => PinAt(file.GetMemory(0, 16), 17),
                "memory slice past window" => () => file.GetMemory(0, 16).Slice(10, 7),
                "fixed-size grow" => () => file.Grow(16384),
                "read-only GetSpan" => () => file.GetSpan(0, 1),
                "read-only GetMemory" => () => file.GetMemory(0, 1),
                "read-only AsRef" => () => file.AsRef<long>(0),
                "read-only Write<T>" => () => file.Write(0, 1L),
                "read-only Persist" => () => file.Persist(0, 1),
                "read-only Flush" => () => file.Flush(0, 1),
                "read-only Drain" => () => file.Drain(),
                "read-only CopyPersist" => () => file.CopyPersist(0, new byte[1]),
                "read-only FillPersist" => () => file.FillPersist(0, 1, 0),
                "read-only Grow" => () => file.Grow(16384),
                "read-only stream write" => () => stream.WriteByte(1),
                _ => throw new ArgumentException(name),
            };

            Exception error = Assert.Throws(expected, call);
            Assert.Contains(messagePart, error.Message);
            output.WriteLine($"{backend}\t{name}\t{error.GetType().Name}\t{error.Message}");
            Assert.Equal(data.Length, file.Length);
            Assert.Equal(data, file.GetReadOnlySpan(0, data.Length).ToArray());
            Assert.Equal(data, test.ReadAllBytes());
        }
    }

    /// <summary>Memory&lt;T&gt;.Pin always pins element 0; the manager's own Pin takes an index.</summary>
    private static void PinAt(Memory<byte> memory, int index)
    {
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager<byte, System.Buffers.MemoryManager<byte>>(memory, out System.Buffers.MemoryManager<byte>? manager));
        manager!.Pin(index).Dispose();
    }
}
