using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using PmdkSharp.Generator.Model;

namespace PmdkSharp.Generator;

/// <summary>
/// Types and values each candidate macro by compiling a second translation unit that declares
/// <c>static const __auto_type __pmdksharp_NAME = (NAME);</c> and, for pointer-valued macros, the
/// same value cast to an integer. Macros that are not integer (or pointer) expressions are dropped.
/// </summary>
internal static class MacroEvaluator
{
    private const string ProbeFileName = "__pmdksharp_probe.c";
    private const string ProbePrefix = "__pmdksharp_";
    private const string ProbePointerPrefix = "__pmdksharp_ptr_";

    /// <summary>The constants among <paramref name="macros"/>, in their order.</summary>
    public static List<ConstantDesc> Evaluate(ClangSession session, string umbrella, IReadOnlyList<MacroDefinition> macros)
    {
        var constants = new List<ConstantDesc>();
        if (macros.Count == 0)
        {
            return constants;
        }

        // Line 1 includes the header; candidate i owns lines 2 + 2i (its value) and 3 + 2i (as an integer).
        var probe = new StringBuilder();
        probe.Append("#include \"").Append(umbrella).Append("\"\n");
        foreach (MacroDefinition macro in macros)
        {
            probe.Append("static const __auto_type ").Append(ProbePrefix).Append(macro.Name).Append(" = (").Append(macro.Name).Append(");\n");
            probe.Append("static const __INTPTR_TYPE__ ").Append(ProbePointerPrefix).Append(macro.Name)
                .Append(" = (__INTPTR_TYPE__)(").Append(macro.Name).Append(");\n");
        }

        string probeFile = Path.Combine(Path.GetDirectoryName(umbrella)!, ProbeFileName);
        using TranslationUnit tu = session.Parse(probeFile, probe.ToString());

        // Errors on a candidate's own line only disqualify that candidate; any other error is fatal.
        var errorLines = new HashSet<uint>();
        tu.ThrowOnErrors((file, line) =>
        {
            if (!IsProbeLine(file, line))
            {
                return false;
            }

            errorLines.Add(line);
            return true;
        });

        var values = new Dictionary<string, ProbeValue>(StringComparer.Ordinal);
        foreach (CXCursor cursor in ClangCursors.Children(tu.Cursor))
        {
            if (cursor.Kind != CXCursorKind.VarDecl)
            {
                continue;
            }

            (string file, uint line, _) = ClangCursors.Location(Clang.clang_getCursorLocation(cursor));
            if (!file.EndsWith(ProbeFileName, StringComparison.Ordinal) || errorLines.Contains(line))
            {
                continue;
            }

            values[ClangCursors.Name(cursor)] = ProbeValue.Of(cursor);
        }

        foreach (MacroDefinition macro in macros)
        {
            if (!values.TryGetValue(ProbePrefix + macro.Name, out ProbeValue? value))
            {
                continue; // not an expression
            }

            CXType canonical = Clang.clang_getCanonicalType(value.Type);
            if (canonical.Kind == CXTypeKind.Pointer)
            {
                if (values.TryGetValue(ProbePointerPrefix + macro.Name, out ProbeValue? asInteger) && asInteger.Ok)
                {
                    (string type, string literal) = CTypes.PointerConstant(asInteger.Value);
                    constants.Add(new ConstantDesc(macro.Name, macro.Definition, type, literal, IsPointer: true));
                }

                continue;
            }

            if (value.Ok && CTypes.IntegerConstant(ClangCursors.Spell(value.Type), canonical.Kind, value.Value) is { } constant)
            {
                constants.Add(new ConstantDesc(macro.Name, macro.Definition, constant.Type, constant.Literal, IsPointer: false));
            }

            // Otherwise floating point, a struct, ...: dropped.
        }

        return constants;
    }

    private static bool IsProbeLine(string file, uint line) => file.EndsWith(ProbeFileName, StringComparison.Ordinal) && line > 1;

    /// <summary>A probe variable's type and, when clang could evaluate it as an integer, its value.</summary>
    private sealed record ProbeValue(CXType Type, long Value, bool Ok)
    {
        public static ProbeValue Of(CXCursor cursor)
        {
            CXType type = Clang.clang_getCursorType(cursor);
            nint result = Clang.clang_Cursor_Evaluate(cursor);
            if (result == 0)
            {
                return new ProbeValue(type, 0, false);
            }

            try
            {
                if (Clang.clang_EvalResult_getKind(result) != CXEvalResultKind.Int)
                {
                    return new ProbeValue(type, 0, false);
                }

                long value = Clang.clang_EvalResult_isUnsignedInt(result) != 0
                    ? (long)Clang.clang_EvalResult_getAsUnsigned(result)
                    : Clang.clang_EvalResult_getAsLongLong(result);
                return new ProbeValue(type, value, true);
            }
            finally
            {
                Clang.clang_EvalResult_dispose(result);
            }
        }
    }
}
