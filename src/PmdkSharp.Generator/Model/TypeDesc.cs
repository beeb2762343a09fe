using System.Collections.Generic;

namespace PmdkSharp.Generator.Model;

/// <summary>A C type declared in the generated file: a struct or an enum.</summary>
/// <param name="Name">The C tag name, kept verbatim.</param>
public abstract record TypeDesc(string Name);

/// <summary>A C struct. <paramref name="Fields"/> is null for an opaque struct (declared, never defined).</summary>
public sealed record StructDesc(string Name, IReadOnlyList<FieldDesc>? Fields) : TypeDesc(Name)
{
    /// <summary>Declared but not defined: used only through pointers.</summary>
    public bool IsOpaque => Fields is null;
}

/// <summary>One struct field.</summary>
/// <param name="CDeclaration">The field as C declares it, e.g. <c>void (*cb)(int)</c>.</param>
/// <param name="Type">C# type.</param>
/// <param name="Name">C# identifier.</param>
/// <param name="FixedLength">For an integer array, its element count (a C# fixed buffer of <paramref name="Type"/>); 0 otherwise.</param>
public sealed record FieldDesc(string CDeclaration, string Type, string Name, int FixedLength = 0);

/// <summary>A C enum with its underlying C# integer type.</summary>
public sealed record EnumDesc(string Name, string UnderlyingType, IReadOnlyList<EnumMemberDesc> Members) : TypeDesc(Name);

/// <summary>One enum constant with its value as a C# literal.</summary>
public sealed record EnumMemberDesc(string Name, string Value);
