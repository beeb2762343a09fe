using System;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// Every ranged member of <see cref="PmemFile"/> and <see cref="PmemStream"/> at the exact end of
/// the mapping: a range that ends at Length is accepted, one byte more is rejected, and a rejected
/// call changes nothing. The length (8000) is not a page multiple, so the byte past the end is still
/// mapped (the rest of the last page): a check that is off by one fails an assertion here instead
/// of crashing the test host with SIGBUS or SIGSEGV. Fixed-size and growable mappings both, so a
/// check against MaxLength instead of Length shows too.
/// </summary>
public class BoundaryTests
{
    private const int Length = 8000;
    private const int MaxLength = 1 << 20;

    /// <summary>A ranged member called at (offset, count); members of a fixed size take count = sizeof(T).</summary>
    public sealed record Member(string Name, int? FixedSize, Action<PmemFile, long, int> Call)
    {
        public override string ToString() => Name;
    }

    private static readonly Member[] Members =
    {
        new("GetSpan", null, (f, o, n) => f.GetSpan(o, n)),
        new("GetReadOnlySpan", null, (f, o, n) => f.GetReadOnlySpan(o, n)),
        new("GetMemory", null, (f, o, n) => f.GetMemory(o, n)),
        new("GetReadOnlyMemory", null, (f, o, n) => f.GetReadOnlyMemory(o, n)),
        new("Read", null, (f, o, n) => f.Read(o, new byte[n])),
        new("Write", null, (f, o, n) => f.Write(o, Patterns.Bytes(n, seed: n))),
        new("Persist", null, (f, o, n) => f.Persist(o, n)),
        new("Flush", null, (f, o, n) => f.Flush(o, n)),
        new("CopyPersist", null, (f, o, n) => f.CopyPersist(o, Patterns.Bytes(n, seed: n))),
        new("FillPersist", null, (f, o, n) => f.FillPersist(o, n, 0x5A)),
        new("Read<byte>", 1, (f, o, _) => f.Read<byte>(o)),
        new("Read<long>", 8, (f, o, _) => f.Read<long>(o)),
        new("Write<byte>", 1, (f, o, _) => f.Write(o, (byte)0x5A)),
        new("Write<long>", 8, (f, o, _) => f.Write(o, 0x5A5A5A5A5A5A5A5AL)),
        new("AsRef<byte>", 1, (f, o, _) => f.AsRef<byte>(o) = 0x5A),
        new("AsRef<long>", 8, (f, o, _) => f.AsRef<long>(o) = 0x5A5A5A5A5A5A5A5AL),
    };

    public static TheoryData<string> MemberNames()
    {
        var data = new TheoryData<string>();
        foreach (Member member in Members)
            data.Add(member.Name);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(MemberNames))]
    public void A_range_ending_at_Length_is_accepted_and_one_byte_more_is_rejected(string name)
    {
        Member member = Array.Find(Members, m => m.Name == name)!;
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
        {
            foreach (long? maxLength in new long?[] { null, MaxLength })
            {
                using var test = new TestFile(backend);
                byte[] data = Patterns.Bytes(Length, seed: 33);
                using var file = test.Create(Length, maxLength);
                file.CopyPersist(0, data);
                string where = $"{name}, {backend}, {(maxLength is null ? "fixed" : "growable")}";

                foreach (int count in member.FixedSize is int size ? new[] { size } : new[] { 1, 100, Length })
                {
                    // AsRef<long> needs an aligned offset: Length - 8 is one, Length - 7 is not, so its "one byte more" is Length.
                    long past = name == "AsRef<long>" ? Length : Length - count + 1;
                    Rejected(file, member, past, count, data, test, $"{where}: offset {past}, count {count}");
                    if (member.FixedSize is null)
                        Rejected(file, member, Length - count, count + 1, data, test, $"{where}: offset {Length - count}, count {count + 1}");
                    member.Call(file, Length - count, count); // ends exactly at Length: accepted
                    data = ReadMapping(file);
                }
                Rejected(file, member, Length, member.FixedSize ?? 1, data, test, $"{where}: offset {Length}");
                Assert.Equal(Length, file.Length);
                Assert.Equal(Length, test.LengthOnDisk);
            }
        }
    }

    private static byte[] ReadMapping(PmemFile file) => file.GetReadOnlySpan(0, (int)file.Length).ToArray();

    private static void Rejected(PmemFile file, Member member, long offset, int count, byte[] before, TestFile test, string what)
    {
        // Read<long> and Write<long> past the end, unaligned: still out of range, not a misaligned access.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => member.Call(file, offset, count));
        Assert.False(string.IsNullOrWhiteSpace(error.Message), what);
        Assert.True(ReadMapping(file).AsSpan().SequenceEqual(before), $"{what}: a rejected call changed the mapping");
        Assert.Equal(Length, test.LengthOnDisk);
    }

    [SkippableTheory]
    [ClassData(typeof(AllBackends))]
    public void Streams_stop_exactly_at_the_end(PmemBackendKind backend)
    {
        using var test = new TestFile(backend);
        byte[] data = Patterns.Bytes(Length, seed: 34);
        using var file = test.Create(Length, MaxLength);
        file.CopyPersist(0, data);
        byte[] patch = Patterns.Bytes(100, seed: 35);

        using (Stream stream = file.AsStream())
        {
            // Reads stop at the end: 101 asked at Length - 100 gives 100, at Length gives 0.
            stream.Position = Length - 100;
            var buffer = new byte[101];
            Assert.Equal(100, stream.Read(buffer, 0, 101));
            Assert.Equal(data[^100..], buffer[..100]);
            Assert.Equal(Length, stream.Position);
            Assert.Equal(0, stream.Read(buffer, 0, 1));

            // Writes without growOnWrite: ending at Length is accepted, one byte more is refused and changes nothing.
            stream.Position = Length - 99;
            Assert.Throws<NotSupportedException>(() => stream.Write(patch));
            Assert.Equal(Length - 99, stream.Position);
            Assert.Equal(data, ReadMapping(file));
            stream.Position = Length - 100;
            stream.Write(patch);
            Assert.Equal(Length, stream.Position);
            Assert.Equal(Length, file.Length);
            patch.CopyTo(data, Length - 100);
            Assert.Equal(data, ReadMapping(file));

            // Seeking from the end reaches exactly the start, one byte more is refused.
            Assert.Equal(Length, stream.Seek(0, SeekOrigin.End));
            Assert.Equal(0, stream.Seek(-Length, SeekOrigin.End));
            Assert.Throws<IOException>(() => stream.Seek(-Length - 1, SeekOrigin.End));
            Assert.Equal(0, stream.Position);

            // Buffer arguments: offset + count == buffer length is accepted, one more is refused.
            stream.Position = 0;
            var ten = new byte[10];
            Assert.Equal(5, stream.Read(ten, 5, 5));
            Assert.ThrowsAny<ArgumentException>(() => stream.Read(ten, 5, 6));
            Assert.ThrowsAny<ArgumentException>(() => stream.Write(ten, 5, 6));
            Assert.Equal(5, stream.Position);
        }

        using (Stream growing = file.AsStream(growOnWrite: true))
        {
            // Growing writes end exactly at MaxLength at most.
            growing.Position = MaxLength - 99;
            Assert.Throws<ArgumentOutOfRangeException>(() => growing.Write(patch));
            Assert.Equal(Length, file.Length);
            growing.Position = MaxLength - 100;
            growing.Write(patch);
            Assert.Equal(MaxLength, file.Length);
            Assert.Equal(patch, file.GetReadOnlySpan(MaxLength - 100, 100).ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => growing.SetLength(MaxLength + 1));
            growing.SetLength(MaxLength);
            Assert.Equal(MaxLength, file.Length);
        }
        Assert.Equal(data, file.GetReadOnlySpan(0, Length).ToArray());
    }
}
