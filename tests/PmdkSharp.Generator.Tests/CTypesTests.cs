using System;
using PmdkSharp.Generator;
using Xunit;

namespace PmdkSharp.Generator.Tests;

/// <summary>The C# type and literal chosen for integer and pointer constants (no libclang involved).</summary>
public class CTypesTests
{
    [Theory]
    [InlineData("int", "Int", 42L, "int", "42")]
    [InlineData("const int", "Int", -7L, "int", "-7")]
    [InlineData("unsigned int", "UInt", 2147483648L, "uint", "2147483648")]
    [InlineData("long", "Long", 5000000000L, "long", "5000000000")] // nint folds only 32-bit constants
    [InlineData("long", "Long", 5L, "nint", "5")]
    [InlineData("size_t", "ULong", 4096L, "nuint", "4096")]
    [InlineData("const volatile size_t", "ULong", 8589934592L, "ulong", "8589934592")]
    [InlineData("unsigned long long", "ULongLong", -1L, "ulong", "18446744073709551615")]
    [InlineData("off_t", "Long", -1L, "long", "-1")] // a known typedef wins over the canonical kind
    [InlineData("char", "Char_S", 65L, "sbyte", "65")]
    public void IntegerConstant(string spelling, string kind, long value, string type, string literal)
    {
        Assert.Equal((type, literal), CTypes.IntegerConstant(spelling, Enum.Parse<CXTypeKind>(kind), value));
    }

    [Fact]
    public void FloatingPointIsNotAnIntegerConstant()
    {
        Assert.Null(CTypes.IntegerConstant("double", CXTypeKind.Double, 0));
    }

    [Theory]
    [InlineData(-1L, "nint")]
    [InlineData(0x1_0000_0000L, "long")]
    public void PointerConstant(long address, string type)
    {
        Assert.Equal(type, CTypes.PointerConstant(address).Type);
    }

    [Theory]
    [InlineData("Long", "long")] // C# enums cannot be nint
    [InlineData("ULong", "ulong")]
    [InlineData("UInt", "uint")]
    [InlineData("Int", "int")]
    public void EnumUnderlying(string kind, string expected)
    {
        Assert.Equal(expected, CTypes.EnumUnderlying(Enum.Parse<CXTypeKind>(kind)));
    }
}
