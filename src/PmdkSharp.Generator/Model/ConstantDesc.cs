namespace PmdkSharp.Generator.Model;

/// <summary>An object-like macro bound as a C# constant.</summary>
/// <param name="Name">The macro name.</param>
/// <param name="Definition">The macro as written, e.g. <c>#define PMEM_FILE_CREATE (1 &lt;&lt; 0)</c>.</param>
/// <param name="Type">C# type of the constant.</param>
/// <param name="Value">C# literal of the value (decimal).</param>
/// <param name="IsPointer">The macro is a pointer (e.g. <c>MAP_FAILED</c>), given as an address-sized integer.</param>
public sealed record ConstantDesc(string Name, string Definition, string Type, string Value, bool IsPointer);
