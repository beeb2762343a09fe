using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PmdkSharp.Generator;

/// <summary>
/// Walks a translation unit's top level and picks what the config selects: functions (in the
/// config's headers or named), enums and structs declared in its headers, and object-like macros
/// (named, or by prefix). Only selects: mapping is the <see cref="TypeMapper"/>'s job.
/// </summary>
internal sealed unsafe class DeclarationCollector
{
    private readonly GeneratorConfig _config;
    private readonly TargetHeaders _headers;

    public DeclarationCollector(GeneratorConfig config)
    {
        _config = config;
        _headers = new TargetHeaders(config);
    }

    /// <summary>Selected function, enum and struct cursors in source order (each function once), and the selected macros.</summary>
    public CollectedDeclarations Collect(TranslationUnit tu)
    {
        var declarations = new List<CXCursor>();
        var macros = new List<MacroDefinition>();
        var macroIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenFunctions = new HashSet<string>(StringComparer.Ordinal);
        foreach (CXCursor cursor in ClangCursors.Children(tu.Cursor))
        {
            string name = ClangCursors.Name(cursor);
            switch (cursor.Kind)
            {
                case CXCursorKind.FunctionDecl:
                    if ((_headers.Contains(cursor) || _config.Functions.Contains(name)) && seenFunctions.Add(name))
                    {
                        declarations.Add(cursor);
                    }

                    break;

                case CXCursorKind.EnumDecl:
                case CXCursorKind.StructDecl:
                    if (name.Length > 0 && _headers.Contains(cursor))
                    {
                        declarations.Add(cursor);
                    }

                    break;

                case CXCursorKind.MacroDefinition:
                    if (!IsSelectedMacro(cursor, name))
                    {
                        break;
                    }

                    string text = MacroText(tu, cursor);
                    if (macroIndex.TryGetValue(name, out int existing))
                    {
                        macros[existing] = macros[existing] with { Definition = text }; // redefined: the last definition is the one in force
                    }
                    else if (text.Length > "#define ".Length + name.Length)
                    {
                        macroIndex.Add(name, macros.Count);
                        macros.Add(new MacroDefinition(name, text));
                    }

                    break;
            }
        }

        return new CollectedDeclarations(declarations, macros);
    }

    private bool IsSelectedMacro(CXCursor cursor, string name)
    {
        if (Clang.clang_Cursor_isMacroBuiltin(cursor) != 0 || Clang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
        {
            return false;
        }

        return _config.MacroNames.Contains(name)
            || (_config.MacroPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                && (_config.Headers.Count == 0 || _headers.Contains(cursor)));
    }

    /// <summary>"#define NAME body" with the body's spacing reduced to single spaces and comments dropped.</summary>
    private static string MacroText(TranslationUnit tu, CXCursor cursor)
    {
        nint handle = tu.Handle;
        CXSourceRange extent = Clang.clang_getCursorExtent(cursor);
        uint end = ClangCursors.Location(Clang.clang_getRangeEnd(extent)).Offset;
        CXToken* tokens;
        uint count;
        Clang.clang_tokenize(handle, extent, &tokens, &count);
        try
        {
            var text = new StringBuilder("#define");
            uint previousEnd = 0;
            for (uint i = 0; i < count; i++)
            {
                CXSourceRange tokenExtent = Clang.clang_getTokenExtent(handle, tokens[i]);
                uint start = ClangCursors.Location(Clang.clang_getRangeStart(tokenExtent)).Offset;
                if (start >= end)
                {
                    break;
                }

                if (i == 0 || start > previousEnd)
                {
                    text.Append(' ');
                }

                text.Append(Clang.ToManaged(Clang.clang_getTokenSpelling(handle, tokens[i])));
                previousEnd = ClangCursors.Location(Clang.clang_getRangeEnd(tokenExtent)).Offset;
            }

            return text.ToString();
        }
        finally
        {
            Clang.clang_disposeTokens(handle, tokens, count);
        }
    }
}

/// <summary>What <see cref="DeclarationCollector"/> selected; the cursors live as long as their translation unit.</summary>
internal sealed record CollectedDeclarations(IReadOnlyList<CXCursor> Declarations, IReadOnlyList<MacroDefinition> Macros);

/// <summary>An object-like macro as written: <c>#define NAME body</c>.</summary>
internal sealed record MacroDefinition(string Name, string Definition);
