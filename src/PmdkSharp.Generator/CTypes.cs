using System;
using System.Collections.Generic;
using System.Globalization;

namespace PmdkSharp.Generator;

/// <summary>
/// C integer types and their C# spellings (x86-64 / LP64: <c>long</c> is 64 bits, address-sized),
/// and the C# type and literal of an integer constant. Pure functions: no libclang calls.
/// </summary>
internal static class CTypes
{
    /// <summary>Typedefs with a fixed C# spelling; every other typedef goes through to what it names.</summary>
    private static readonly Dictionary<string, string> KnownTypedefs = new(StringComparer.Ordinal)
    {
        ["size_t"] = "nuint",
        ["ssize_t"] = "nint",
        ["__ssize_t"] = "nint",
        ["ptrdiff_t"] = "nint",
        ["intptr_t"] = "nint",
        ["uintptr_t"] = "nuint",
        ["off_t"] = "long",
        ["__off_t"] = "long",
        ["off64_t"] = "long",
        ["__off64_t"] = "long",
        ["loff_t"] = "long",
        ["mode_t"] = "uint",
        ["__mode_t"] = "uint",
        ["int8_t"] = "sbyte",
        ["int16_t"] = "short",
        ["int32_t"] = "int",
        ["int64_t"] = "long",
        ["uint8_t"] = "byte",
        ["uint16_t"] = "ushort",
        ["uint32_t"] = "uint",
        ["uint64_t"] = "ulong",
        ["__int8_t"] = "sbyte",
        ["__int16_t"] = "short",
        ["__int32_t"] = "int",
        ["__int64_t"] = "long",
        ["__uint8_t"] = "byte",
        ["__uint16_t"] = "ushort",
        ["__uint32_t"] = "uint",
        ["__uint64_t"] = "ulong",
    };

    /// <summary>The C# spelling of a typedef that has a fixed one (<c>size_t</c> -> <c>nuint</c>), else null.</summary>
    public static string? KnownTypedef(string name) => KnownTypedefs.TryGetValue(name, out string? known) ? known : null;

    /// <summary>The C# type of a C integer type (<c>long</c> is address-sized: <c>nint</c>), else null.</summary>
    public static string? IntegerBuiltin(CXTypeKind kind) => kind switch
    {
        CXTypeKind.Bool => "byte",
        CXTypeKind.Char_S or CXTypeKind.Char_U or CXTypeKind.SChar => "sbyte",
        CXTypeKind.UChar => "byte",
        CXTypeKind.Short => "short",
        CXTypeKind.UShort => "ushort",
        CXTypeKind.Int or CXTypeKind.WChar => "int",
        CXTypeKind.UInt => "uint",
        CXTypeKind.Long => "nint",
        CXTypeKind.ULong => "nuint",
        CXTypeKind.LongLong => "long",
        CXTypeKind.ULongLong => "ulong",
        _ => null,
    };

    /// <summary>An enum's underlying C# type: C# enums cannot be <c>nint</c>, so a C <c>long</c> is <c>long</c>.</summary>
    public static string? EnumUnderlying(CXTypeKind integerKind) => integerKind switch
    {
        CXTypeKind.Long => "long",
        CXTypeKind.ULong => "ulong",
        _ => IntegerBuiltin(integerKind),
    };

    /// <summary>Whether a C# integer type name is unsigned (<c>nuint</c> counts only where <paramref name="nativeCounts"/>).</summary>
    public static bool IsUnsigned(string csType, bool nativeCounts = false) =>
        csType is "byte" or "ushort" or "uint" or "ulong" || (nativeCounts && csType == "nuint");

    /// <summary>
    /// The C# type and literal of an integer constant whose C type is spelled <paramref name="spelling"/>
    /// (qualifiers allowed) with canonical kind <paramref name="canonicalKind"/>; null for a type that is
    /// not an integer. <paramref name="value"/> holds the bits (an unsigned value cast to long).
    /// C# folds nint/nuint constants only within 32 bits: wider values get a 64-bit type.
    /// </summary>
    public static (string Type, string Literal)? IntegerConstant(string spelling, CXTypeKind canonicalKind, long value)
    {
        string? csType = KnownTypedef(StripQualifiers(spelling)) ?? IntegerBuiltin(canonicalKind);
        if (csType is null)
        {
            return null;
        }

        string literal = IsUnsigned(csType, nativeCounts: true)
            ? ((ulong)value).ToString(CultureInfo.InvariantCulture)
            : value.ToString(CultureInfo.InvariantCulture);
        if (csType == "nint" && !FitsInt32(value))
        {
            csType = "long";
        }
        else if (csType == "nuint" && (ulong)value > uint.MaxValue)
        {
            csType = "ulong";
        }

        return (csType, literal);
    }

    /// <summary>The C# type and literal of a pointer-valued constant (given as its address).</summary>
    public static (string Type, string Literal) PointerConstant(long address) =>
        (FitsInt32(address) ? "nint" : "long", address.ToString(CultureInfo.InvariantCulture));

    private static bool FitsInt32(long value) => value >= int.MinValue && value <= int.MaxValue;

    private static string StripQualifiers(string spelling)
    {
        string s = spelling;
        foreach (string q in new[] { "const ", "volatile " })
        {
            s = s.Replace(q, "", StringComparison.Ordinal);
        }

        return s.Trim();
    }
}
