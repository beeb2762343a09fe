using System.Collections.Generic;

namespace PmdkSharp.Generator.Model;

/// <summary>One C function: its C prototype and, when it is bound, its C# signature.</summary>
/// <param name="Name">The C name, kept verbatim as the C# method name.</param>
/// <param name="Prototype">The C declaration, e.g. <c>int pmem_is_pmem(const void *addr, size_t len)</c>.</param>
/// <param name="ReturnType">C# return type; empty when the function is skipped.</param>
/// <param name="Parameters">C# parameters; empty when the function is skipped.</param>
/// <param name="UsesStrings">A <c>const char *</c> parameter is bound as <c>string</c> (UTF-8 marshalling).</param>
/// <param name="SetLastError">The function reports failure through errno.</param>
/// <param name="SkipReason">Why the function is not bound (variadic, not exported), or null when it is.</param>
public sealed record FunctionDesc(
    string Name,
    string Prototype,
    string ReturnType,
    IReadOnlyList<ParameterDesc> Parameters,
    bool UsesStrings,
    bool SetLastError,
    string? SkipReason)
{
    /// <summary>A function that is declared but not bound, for the reason given.</summary>
    public static FunctionDesc Skipped(string name, string prototype, string reason) =>
        new(name, prototype, "", [], UsesStrings: false, SetLastError: false, reason);
}

/// <summary>One C# parameter.</summary>
/// <param name="Type">C# type, e.g. <c>nuint</c>, <c>string</c>, <c>delegate* unmanaged&lt;int, void&gt;</c>.</param>
/// <param name="Name">C# identifier (C keywords escaped, unnamed parameters named <c>argN</c>).</param>
public sealed record ParameterDesc(string Type, string Name);
