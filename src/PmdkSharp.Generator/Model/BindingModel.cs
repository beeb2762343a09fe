using System.Collections.Generic;

namespace PmdkSharp.Generator.Model;

/// <summary>
/// Everything one generated file declares, in output order: what the type mapper produces from
/// libclang's cursors and the only input of <see cref="CSharpEmitter"/>.
/// </summary>
/// <param name="ClassName">The static partial class that holds the imports and constants.</param>
/// <param name="Library">Member of <c>Libraries</c> named in each LibraryImport.</param>
/// <param name="Banner">Banner lines without the comment marker (placeholders already filled in).</param>
/// <param name="Functions">Functions in declaration order, bound or skipped.</param>
/// <param name="Constants">Object-like macros that evaluated to integer constants, in definition order.</param>
/// <param name="Types">Structs and enums in the order they were first needed (a struct after the types of its fields).</param>
public sealed record BindingModel(
    string ClassName,
    string Library,
    string Banner,
    IReadOnlyList<FunctionDesc> Functions,
    IReadOnlyList<ConstantDesc> Constants,
    IReadOnlyList<TypeDesc> Types);
