using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace PmdkSharp.TestHost.Interop;

/// <summary>
/// The layout of every struct the binding generator wrote (generated/*.g.cs), as C sees it and as .NET does.
/// The generator keeps C names verbatim, so the generated structs are the library's value types with lower-case
/// C names; those with fields get a C probe that prints <c>sizeof</c> and each <c>offsetof</c> in the same lines
/// <see cref="Expected"/> prints from the .NET side (<c>NAME size N</c>, <c>NAME.FIELD offset N</c>). The
/// library's test compiles and runs the probe on the build machine (Interop/GeneratedStructLayoutTests);
/// native/bindings/check-arch.sh compiles it for arm64 and runs it under qemu-user.
/// </summary>
internal static partial class GeneratedStructLayouts
{
    /// <summary>The headers the generator parses (native/bindings/*-bindings.h), which the probe includes.</summary>
    public static readonly string[] Headers = ["libc-bindings.h", "libpmem-bindings.h", "libpmem2-bindings.h"];

    [GeneratedRegex("^[a-z_][a-z0-9_]*$")]
    private static partial Regex CName();

    /// <summary>The generated structs that have fields (opaque handles have no layout to check), by name.</summary>
    public static IReadOnlyList<Type> Structs() =>
        typeof(PmemFile).Assembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && !t.IsNested && CName().IsMatch(t.Name) && Fields(t).Length > 0)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>.NET's layout, one line per struct and per field.</summary>
    public static string Expected()
    {
        var text = new StringBuilder();
        foreach (Type type in Structs())
        {
            int size = (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;
            text.Append($"{type.Name} size {size}\n");
            foreach (FieldInfo field in Fields(type))
                text.Append($"{type.Name}.{field.Name} offset {Marshal.OffsetOf(type, field.Name)}\n");
        }
        return text.ToString();
    }

    /// <summary>A C program printing C's layout of the same structs, in the same lines.</summary>
    public static string ProbeSource()
    {
        var text = new StringBuilder("/* Written by PmdkSharp.TestHost layout-probe: C's layout of the generated structs. */\n");
        foreach (string header in Headers)
            text.Append($"#include \"{header}\"\n");
        text.Append("#include <stddef.h>\n#include <stdio.h>\n\nint main(void)\n{\n");
        foreach (Type type in Structs())
        {
            text.Append($"    printf(\"{type.Name} size %zu\\n\", sizeof(struct {type.Name}));\n");
            foreach (FieldInfo field in Fields(type))
                text.Append($"    printf(\"{type.Name}.{field.Name} offset %zu\\n\", offsetof(struct {type.Name}, {field.Name}));\n");
        }
        text.Append("    return 0;\n}\n");
        return text.ToString();
    }

    // Declaration order, which is the C order the generator kept.
    private static FieldInfo[] Fields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken).ToArray();
}
