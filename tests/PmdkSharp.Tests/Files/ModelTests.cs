using System;
using System.Collections.Generic;
using System.IO;
using PmdkSharp.Tests.Infrastructure;
using Xunit;

namespace PmdkSharp.Tests.Files;

/// <summary>
/// Seeded random sequences of open / write / persist / grow / reopen against an in-memory
/// model: after every reopen the file equals the model byte for byte.
/// </summary>
public class ModelTests
{
    public static IEnumerable<object[]> Seeds()
    {
        foreach (PmemBackendKind backend in TestEnvironment.Backends)
            foreach (int seed in new[] { 1, 2, 3 })
                yield return new object[] { backend, seed };
    }

    [SkippableTheory]
    [MemberData(nameof(Seeds))]
    public void Random_operations_match_the_model(PmemBackendKind backend, int seed)
    {
        foreach (string directory in TestEnvironment.Directories)
        {
            using var test = new TestFile(backend, directory);
            try
            {
                Run(test, seed);
            }
            catch (Exception error)
            {
                throw new Xunit.Sdk.XunitException($"seed {seed}, backend {backend}, {directory}: {error}");
            }
        }
    }

    private static void Run(TestFile test, int seed)
    {
        const long MaxLength = 4 << 20;
        var random = new Random(seed);
        var model = new List<byte>(new byte[10_000]);
        var options = test.Options(model.Count, MaxLength) with
        {
            Preallocation = (Preallocation)random.Next(3),
            Prefault = (PrefaultMode)random.Next(4),
        };
        PmemFile file = test.Open(options);
        try
        {
            for (int operation = 0; operation < 2000; operation++)
            {
                int choice = random.Next(100);
                if (choice < 50)
                {
                    int length = random.Next(1, 2000);
                    long offset = random.NextInt64(0, model.Count - Math.Min(length, model.Count) + 1);
                    length = (int)Math.Min(length, model.Count - offset);
                    byte[] bytes = Patterns.Bytes(length, random.Next());
                    if (random.Next(2) == 0)
                        file.CopyPersist(offset, bytes);
                    else
                    {
                        file.Write(offset, bytes);
                        file.Persist(offset, length);
                    }
                    for (int i = 0; i < length; i++)
                        model[(int)offset + i] = bytes[i];
                }
                else if (choice < 70)
                {
                    long offset = random.NextInt64(0, model.Count);
                    int length = (int)Math.Min(random.Next(1, 3000), model.Count - offset);
                    Assert.Equal(model.GetRange((int)offset, length).ToArray(), file.GetReadOnlySpan(offset, length).ToArray());
                }
                else if (choice < 85 && model.Count < MaxLength - 70_000)
                {
                    int extra = random.Next(1, 70_000);
                    file.Grow(model.Count + extra);
                    model.AddRange(new byte[extra]);
                }
                else if (choice < 95)
                {
                    long offset = random.NextInt64(0, model.Count);
                    long length = Math.Min(random.Next(1, 5000), model.Count - offset);
                    byte value = (byte)random.Next(256);
                    file.FillPersist(offset, length, value);
                    for (long i = 0; i < length; i++)
                        model[(int)(offset + i)] = value;
                }
                else
                {
                    file.Dispose();
                    Assert.Equal(model.ToArray(), test.ReadAllBytes());
                    file = test.Open(options with { Mode = FileMode.Open });
                    Assert.Equal(model.Count, file.Length);
                }
            }
        }
        finally
        {
            file.Dispose();
        }
        Assert.Equal(model.ToArray(), test.ReadAllBytes());
    }
}
