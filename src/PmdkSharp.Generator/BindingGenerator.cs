using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace PmdkSharp.Generator;

/// <summary>
/// Turns one <see cref="GeneratorConfig"/> into the text of one generated C# file: LibraryImport
/// declarations for the selected functions, constants for the selected macros, and the enums and
/// structs they use.
/// </summary>
public static unsafe class BindingGenerator
{
    private const string ProbeFileName = "__pmdksharp_probe.c";
    private const string ProbePrefix = "__pmdksharp_";
    private const string ProbePointerPrefix = "__pmdksharp_ptr_";

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

    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class",
        "const", "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event",
        "explicit", "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if",
        "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new", "null",
        "object", "operator", "out", "override", "params", "private", "protected", "public", "readonly",
        "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct",
        "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Generates the file for <paramref name="config"/>; throws <see cref="GeneratorException"/> on any failure.</summary>
    public static string Generate(GeneratorConfig config)
    {
        return new Run(config).Execute();
    }

    /// <summary>The directory with clang's own headers (stddef.h and friends) matching the loaded libclang.</summary>
    public static string FindClangResourceInclude()
    {
        string? explicitDir = Environment.GetEnvironmentVariable("PMDKSHARP_CLANG_INCLUDE");
        if (!string.IsNullOrEmpty(explicitDir))
        {
            return explicitDir;
        }

        // "Debian clang version 14.0.6" -> prefer that version's directory, else the newest one.
        string clangVersion = Clang.ToManaged(Clang.clang_getClangVersion());
        string? wanted = clangVersion.Split(' ').FirstOrDefault(w => w.Length > 0 && char.IsDigit(w[0]) && w.Contains('.'));
        var candidates = new List<(Version Version, string Dir)>();
        foreach (string root in new[] { "/usr/lib/clang", "/usr/local/lib/clang" }
            .Concat(Directory.Exists("/usr/lib") ? Directory.GetDirectories("/usr/lib", "llvm-*").Select(d => Path.Combine(d, "lib", "clang")) : []))
        {
            if (!Directory.Exists(root))
            {
                continue;
            }

            foreach (string versionDir in Directory.GetDirectories(root))
            {
                string include = Path.Combine(versionDir, "include");
                if (File.Exists(Path.Combine(include, "stddef.h")) && Version.TryParse(Path.GetFileName(versionDir), out Version? v))
                {
                    candidates.Add((v, include));
                }
            }
        }

        if (candidates.Count == 0)
        {
            throw new GeneratorException($"clang's resource headers (stddef.h) not found for {clangVersion}; install libclang-common-14-dev or set PMDKSHARP_CLANG_INCLUDE");
        }

        var exact = candidates.Where(c => wanted is not null && c.Version.ToString() == wanted).ToList();
        var major = candidates.Where(c => wanted is not null && c.Version.Major.ToString(CultureInfo.InvariantCulture) == wanted.Split('.')[0]).ToList();
        var pick = exact.Count > 0 ? exact : major.Count > 0 ? major : candidates;
        return pick.OrderByDescending(c => c.Version).ThenBy(c => c.Dir, StringComparer.Ordinal).First().Dir;
    }

    private sealed class Run
    {
        private readonly GeneratorConfig _config;
        private readonly List<string> _args;
        private nint _index;
        private nint _library;

        private readonly List<FunctionInfo> _functions = new();
        private readonly List<MacroInfo> _macros = new();
        private readonly Dictionary<string, MacroInfo> _macrosByName = new(StringComparer.Ordinal);
        private readonly List<string> _typeOrder = new();
        private readonly Dictionary<string, string> _typeText = new(StringComparer.Ordinal);
        private readonly HashSet<string> _typesInProgress = new(StringComparer.Ordinal);

        public Run(GeneratorConfig config)
        {
            _config = config;
            _args = new List<string> { "-x", "c", "-std=gnu11", "-ferror-limit=0", "-isystem", FindClangResourceInclude() };
            _args.AddRange(config.ClangArgs);
        }

        public string Execute()
        {
            if (!File.Exists(_config.Umbrella))
            {
                throw new GeneratorException($"umbrella header not found: {_config.Umbrella}");
            }

            if (_config.SoName is not null && !NativeLibrary.TryLoad(_config.SoName, out _library))
            {
                throw new GeneratorException($"cannot load {_config.SoName} to check which functions it exports");
            }

            _index = Clang.clang_createIndex(0, 0);
            try
            {
                nint tu = Parse(_config.Umbrella, null);
                try
                {
                    CheckDiagnostics(tu, null);
                    Collect(tu);
                }
                finally
                {
                    Clang.clang_disposeTranslationUnit(tu);
                }

                EvaluateMacros();
            }
            finally
            {
                Clang.clang_disposeIndex(_index);
                if (_library != 0)
                {
                    NativeLibrary.Free(_library);
                }
            }

            CheckSelection();
            return Emit();
        }

        private nint Parse(string file, string? contents)
        {
            var pinned = new List<nint>();
            try
            {
                nint Utf8(string s)
                {
                    nint p = Marshal.StringToCoTaskMemUTF8(s);
                    pinned.Add(p);
                    return p;
                }

                byte** argv = stackalloc byte*[_args.Count];
                for (int i = 0; i < _args.Count; i++)
                {
                    argv[i] = (byte*)Utf8(_args[i]);
                }

                CXUnsavedFile unsaved = default;
                uint unsavedCount = 0;
                if (contents is not null)
                {
                    byte[] bytes = Encoding.UTF8.GetBytes(contents);
                    nint buffer = Marshal.AllocCoTaskMem(bytes.Length + 1);
                    pinned.Add(buffer);
                    Marshal.Copy(bytes, 0, buffer, bytes.Length);
                    ((byte*)buffer)[bytes.Length] = 0;
                    unsaved = new CXUnsavedFile { Filename = (byte*)Utf8(file), Contents = (byte*)buffer, Length = (nuint)bytes.Length };
                    unsavedCount = 1;
                }

                nint tu;
                int rc = Clang.clang_parseTranslationUnit2(
                    _index, (byte*)Utf8(file), argv, _args.Count, &unsaved, unsavedCount,
                    Clang.TranslationUnitDetailedPreprocessingRecord, &tu);
                if (rc != 0 || tu == 0)
                {
                    throw new GeneratorException($"libclang could not parse {file} (CXErrorCode {rc})");
                }

                return tu;
            }
            finally
            {
                foreach (nint p in pinned)
                {
                    Marshal.FreeCoTaskMem(p);
                }
            }
        }

        /// <summary>
        /// Aborts on any error or fatal diagnostic. In the macro probe, errors on a candidate's own
        /// line only disqualify that candidate: <paramref name="probeErrorLines"/> collects them.
        /// </summary>
        private static void CheckDiagnostics(nint tu, HashSet<uint>? probeErrorLines)
        {
            var errors = new List<string>();
            uint count = Clang.clang_getNumDiagnostics(tu);
            for (uint i = 0; i < count; i++)
            {
                nint diagnostic = Clang.clang_getDiagnostic(tu, i);
                try
                {
                    CXDiagnosticSeverity severity = Clang.clang_getDiagnosticSeverity(diagnostic);
                    if (severity < CXDiagnosticSeverity.Error)
                    {
                        continue;
                    }

                    if (probeErrorLines is not null)
                    {
                        (string file, uint line, _) = Location(Clang.clang_getDiagnosticLocation(diagnostic));
                        if (file.EndsWith(ProbeFileName, StringComparison.Ordinal) && line > 1)
                        {
                            probeErrorLines.Add(line);
                            continue;
                        }
                    }

                    errors.Add(Clang.ToManaged(Clang.clang_formatDiagnostic(diagnostic, Clang.clang_defaultDiagnosticDisplayOptions())));
                }
                finally
                {
                    Clang.clang_disposeDiagnostic(diagnostic);
                }
            }

            if (errors.Count > 0)
            {
                throw new GeneratorException("clang reported errors:\n" + string.Join("\n", errors));
            }
        }

        private static (string File, uint Line, uint Offset) Location(CXSourceLocation location)
        {
            nint file;
            uint line, column, offset;
            Clang.clang_getSpellingLocation(location, &file, &line, &column, &offset);
            return (file == 0 ? "" : Clang.ToManaged(Clang.clang_getFileName(file)), line, offset);
        }

        private HashSet<string>? _targetFiles;

        /// <summary>
        /// Whether the declaration is in one of the config's headers. Each header name is resolved
        /// like an include would be (umbrella directory, -I directories, then the system include
        /// directories), so that "types.h" never matches sys/types.h.
        /// </summary>
        private bool InTargetHeader(CXCursor cursor)
        {
            if (_targetFiles is null)
            {
                var dirs = new List<string> { Path.GetDirectoryName(_config.Umbrella)! };
                dirs.AddRange(_config.ClangArgs.Where(a => a.StartsWith("-I", StringComparison.Ordinal) && a.Length > 2).Select(a => a[2..]));
                dirs.AddRange(new[] { "/usr/local/include", $"/usr/include/{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant() switch { "x64" => "x86_64", "arm64" => "aarch64", var other => other }}-linux-gnu", "/usr/include" });
                _targetFiles = new HashSet<string>(StringComparer.Ordinal);
                foreach (string header in _config.Headers)
                {
                    string? found = dirs.Select(d => Path.GetFullPath(Path.Combine(d, header))).FirstOrDefault(File.Exists);
                    _targetFiles.Add(found ?? throw new GeneratorException($"header {header} not found in {string.Join(", ", dirs)}"));
                }
            }

            string file = Location(Clang.clang_getCursorLocation(cursor)).File;
            return file.Length > 0 && _targetFiles.Contains(Path.GetFullPath(file));
        }

        private void Collect(nint tu)
        {
            var seenFunctions = new HashSet<string>(StringComparer.Ordinal);
            foreach (CXCursor cursor in Children(Clang.clang_getTranslationUnitCursor(tu)))
            {
                string name = Clang.ToManaged(Clang.clang_getCursorSpelling(cursor));
                switch (cursor.Kind)
                {
                    case CXCursorKind.FunctionDecl:
                        if ((InTargetHeader(cursor) || _config.Functions.Contains(name)) && seenFunctions.Add(name))
                        {
                            _functions.Add(DescribeFunction(cursor, name));
                        }

                        break;

                    case CXCursorKind.EnumDecl:
                    case CXCursorKind.StructDecl:
                        if (name.Length > 0 && InTargetHeader(cursor))
                        {
                            MapType(Clang.clang_getCursorType(cursor), TypeUse.Other, out _);
                        }

                        break;

                    case CXCursorKind.MacroDefinition:
                        if (Clang.clang_Cursor_isMacroBuiltin(cursor) != 0 || Clang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
                        {
                            break;
                        }

                        bool selected = _config.MacroNames.Contains(name)
                            || (_config.MacroPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                                && (_config.Headers.Count == 0 || InTargetHeader(cursor)));
                        if (!selected)
                        {
                            break;
                        }

                        string text = MacroText(tu, cursor);
                        if (_macrosByName.TryGetValue(name, out MacroInfo? existing))
                        {
                            existing.Definition = text; // redefined: the last definition is the one in force
                        }
                        else if (text.Length > "#define ".Length + name.Length)
                        {
                            var macro = new MacroInfo(name, text);
                            _macros.Add(macro);
                            _macrosByName.Add(name, macro);
                        }

                        break;
                }
            }
        }

        /// <summary>"#define NAME body" with the body's spacing reduced to single spaces and comments dropped.</summary>
        private static string MacroText(nint tu, CXCursor cursor)
        {
            CXSourceRange extent = Clang.clang_getCursorExtent(cursor);
            uint end = Location(Clang.clang_getRangeEnd(extent)).Offset;
            CXToken* tokens;
            uint count;
            Clang.clang_tokenize(tu, extent, &tokens, &count);
            try
            {
                var text = new StringBuilder("#define");
                uint previousEnd = 0;
                for (uint i = 0; i < count; i++)
                {
                    CXSourceRange tokenExtent = Clang.clang_getTokenExtent(tu, tokens[i]);
                    uint start = Location(Clang.clang_getRangeStart(tokenExtent)).Offset;
                    if (start >= end)
                    {
                        break;
                    }

                    if (i == 0 || start > previousEnd)
                    {
                        text.Append(' ');
                    }

                    text.Append(Clang.ToManaged(Clang.clang_getTokenSpelling(tu, tokens[i])));
                    previousEnd = Location(Clang.clang_getRangeEnd(tokenExtent)).Offset;
                }

                return text.ToString();
            }
            finally
            {
                Clang.clang_disposeTokens(tu, tokens, count);
            }
        }

        /// <summary>Describes a function and maps its signature while its translation unit is alive.</summary>
        private FunctionInfo DescribeFunction(CXCursor cursor, string name)
        {
            CXType type = Clang.clang_getCursorType(cursor);
            CXType resultType = Clang.clang_getCursorResultType(cursor);
            int argCount = Math.Max(Clang.clang_Cursor_getNumArguments(cursor), 0);
            bool variadic = type.Kind == CXTypeKind.FunctionProto && Clang.clang_isFunctionTypeVariadic(type) != 0;

            var cParams = new List<string>();
            var args = new List<(CXType Type, string Name)>();
            for (uint i = 0; i < argCount; i++)
            {
                CXCursor arg = Clang.clang_Cursor_getArgument(cursor, i);
                string argName = Clang.ToManaged(Clang.clang_getCursorSpelling(arg));
                CXType argType = Clang.clang_getCursorType(arg);
                cParams.Add(JoinDeclarator(Spell(argType), argName));
                args.Add((argType, argName));
            }

            if (variadic)
            {
                cParams.Add("...");
            }
            else if (cParams.Count == 0 && type.Kind == CXTypeKind.FunctionProto)
            {
                cParams.Add("void");
            }

            string call = $"{name}({string.Join(", ", cParams)})";
            var info = new FunctionInfo(name, JoinDeclarator(Spell(resultType), call), call);
            if (variadic)
            {
                info.Skip = $"{call} is variadic: not bound.";
                return info;
            }

            if (_library != 0 && !NativeLibrary.TryGetExport(_library, name, out _))
            {
                info.Skip = $"{call} is declared but not exported by {_config.SoName}: not bound.";
                return info;
            }

            for (int i = 0; i < args.Count; i++)
            {
                string csType = MapType(args[i].Type, TypeUse.Parameter, out bool isString);
                info.UsesStrings |= isString;
                info.Parameters.Add($"{csType} {(args[i].Name.Length == 0 ? $"arg{i}" : Identifier(args[i].Name))}");
            }

            info.ReturnType = MapType(resultType, TypeUse.Return, out _);
            return info;
        }

        private void CheckSelection()
        {
            var bound = new HashSet<string>(_functions.Select(f => f.Name), StringComparer.Ordinal);
            var missing = _config.Functions.Where(f => !bound.Contains(f)).ToList();
            if (missing.Count > 0)
            {
                throw new GeneratorException($"functions not declared by {Path.GetFileName(_config.Umbrella)}: {string.Join(", ", missing)}");
            }

            var stray = _config.SetLastError.Where(f => !bound.Contains(f)).ToList();
            if (stray.Count > 0)
            {
                throw new GeneratorException($"setLastError names functions that are not bound: {string.Join(", ", stray)}");
            }

            var missingMacros = _config.MacroNames.Where(m => !_macrosByName.TryGetValue(m, out MacroInfo? info) || info.CSharpType is null).ToList();
            if (missingMacros.Count > 0)
            {
                throw new GeneratorException($"macros not defined as integer constants: {string.Join(", ", missingMacros)}");
            }
        }

        /// <summary>
        /// Types and values each candidate macro by compiling a second translation unit that declares
        /// <c>static const __auto_type __pmdksharp_NAME = (NAME);</c> and, for pointer-valued macros,
        /// the same value cast to an integer.
        /// </summary>
        private void EvaluateMacros()
        {
            if (_macros.Count == 0)
            {
                return;
            }

            // Line 1 includes the header; candidate i owns lines 2 + 2i (its value) and 3 + 2i (as an integer).
            var probe = new StringBuilder();
            probe.Append("#include \"").Append(_config.Umbrella).Append("\"\n");
            foreach (MacroInfo macro in _macros)
            {
                probe.Append("static const __auto_type ").Append(ProbePrefix).Append(macro.Name).Append(" = (").Append(macro.Name).Append(");\n");
                probe.Append("static const __INTPTR_TYPE__ ").Append(ProbePointerPrefix).Append(macro.Name)
                    .Append(" = (__INTPTR_TYPE__)(").Append(macro.Name).Append(");\n");
            }

            string probeFile = Path.Combine(Path.GetDirectoryName(_config.Umbrella)!, ProbeFileName);
            nint tu = Parse(probeFile, probe.ToString());
            try
            {
                var errorLines = new HashSet<uint>();
                CheckDiagnostics(tu, errorLines);
                var values = new Dictionary<string, (CXType Type, long Value, bool IsUnsigned, bool Ok)>(StringComparer.Ordinal);
                foreach (CXCursor cursor in Children(Clang.clang_getTranslationUnitCursor(tu)))
                {
                    if (cursor.Kind != CXCursorKind.VarDecl)
                    {
                        continue;
                    }

                    (string file, uint line, _) = Location(Clang.clang_getCursorLocation(cursor));
                    if (!file.EndsWith(ProbeFileName, StringComparison.Ordinal) || errorLines.Contains(line))
                    {
                        continue;
                    }

                    string name = Clang.ToManaged(Clang.clang_getCursorSpelling(cursor));
                    values[name] = Evaluate(cursor);
                }

                foreach (MacroInfo macro in _macros)
                {
                    if (!values.TryGetValue(ProbePrefix + macro.Name, out var value))
                    {
                        continue; // not an expression: skipped
                    }

                    string spelling = StripQualifiers(Spell(value.Type));
                    CXType canonical = Clang.clang_getCanonicalType(value.Type);
                    if (canonical.Kind == CXTypeKind.Pointer)
                    {
                        if (values.TryGetValue(ProbePointerPrefix + macro.Name, out var asInteger) && asInteger.Ok)
                        {
                            macro.IsPointer = true;
                            macro.CSharpType = FitsInt32(asInteger.Value) ? "nint" : "long";
                            macro.Value = asInteger.Value.ToString(CultureInfo.InvariantCulture);
                        }

                        continue;
                    }

                    if (!value.Ok)
                    {
                        continue;
                    }

                    string? csType = KnownTypedefs.TryGetValue(spelling, out string? known) ? known : IntegerBuiltin(canonical.Kind);
                    if (csType is null)
                    {
                        continue; // floating point, struct, ...: skipped
                    }

                    bool unsigned = csType is "byte" or "ushort" or "uint" or "ulong" or "nuint";
                    string literal = unsigned
                        ? ((ulong)value.Value).ToString(CultureInfo.InvariantCulture)
                        : value.Value.ToString(CultureInfo.InvariantCulture);

                    // C# only folds nint/nuint constants that fit 32 bits; wider values keep a 64-bit type.
                    if (csType == "nint" && !FitsInt32(value.Value))
                    {
                        csType = "long";
                    }
                    else if (csType == "nuint" && (ulong)value.Value > uint.MaxValue)
                    {
                        csType = "ulong";
                    }

                    macro.CSharpType = csType;
                    macro.Value = literal;
                }
            }
            finally
            {
                Clang.clang_disposeTranslationUnit(tu);
            }
        }

        private static bool FitsInt32(long value) => value >= int.MinValue && value <= int.MaxValue;

        private static (CXType Type, long Value, bool IsUnsigned, bool Ok) Evaluate(CXCursor cursor)
        {
            CXType type = Clang.clang_getCursorType(cursor);
            nint result = Clang.clang_Cursor_Evaluate(cursor);
            if (result == 0)
            {
                return (type, 0, false, false);
            }

            try
            {
                if (Clang.clang_EvalResult_getKind(result) != CXEvalResultKind.Int)
                {
                    return (type, 0, false, false);
                }

                bool isUnsigned = Clang.clang_EvalResult_isUnsignedInt(result) != 0;
                long value = isUnsigned ? (long)Clang.clang_EvalResult_getAsUnsigned(result) : Clang.clang_EvalResult_getAsLongLong(result);
                return (type, value, isUnsigned, true);
            }
            finally
            {
                Clang.clang_EvalResult_dispose(result);
            }
        }

        private static string? IntegerBuiltin(CXTypeKind kind) => kind switch
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

        private static string StripQualifiers(string spelling)
        {
            string s = spelling;
            foreach (string q in new[] { "const ", "volatile " })
            {
                s = s.Replace(q, "", StringComparison.Ordinal);
            }

            return s.Trim();
        }

        private enum TypeUse
        {
            Parameter,
            Return,
            Other,
        }

        /// <summary>Maps a C type to its C# spelling. <paramref name="isString"/> reports a <c>const char *</c> parameter bound as <c>string</c>.</summary>
        private string MapType(CXType type, TypeUse use, out bool isString)
        {
            isString = false;
            switch (type.Kind)
            {
                case CXTypeKind.Elaborated:
                    return MapType(Clang.clang_Type_getNamedType(type), use, out isString);

                case CXTypeKind.Attributed:
                    return MapType(Clang.clang_Type_getModifiedType(type), use, out isString);

                case CXTypeKind.Typedef:
                {
                    string name = Clang.ToManaged(Clang.clang_getTypedefName(type));
                    if (KnownTypedefs.TryGetValue(name, out string? known))
                    {
                        return known;
                    }

                    CXType underlying = Clang.clang_getTypedefDeclUnderlyingType(Clang.clang_getTypeDeclaration(type));
                    return MapType(underlying, use, out isString);
                }

                case CXTypeKind.Pointer:
                {
                    CXType pointee = Clang.clang_getPointeeType(type);
                    CXType canonicalPointee = Clang.clang_getCanonicalType(pointee);
                    switch (canonicalPointee.Kind)
                    {
                        case CXTypeKind.FunctionProto:
                            return MapFunctionPointer(pointee);
                        case CXTypeKind.FunctionNoProto:
                            throw new GeneratorException($"function pointer without a prototype is not supported: {Spell(type)}");
                        case CXTypeKind.Char_S or CXTypeKind.Char_U:
                            if (use == TypeUse.Parameter && Clang.clang_isConstQualifiedType(pointee) != 0)
                            {
                                isString = true;
                                return "string";
                            }

                            return "byte*";
                        default:
                            return MapType(pointee, TypeUse.Other, out _) + "*";
                    }
                }

                case CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray when use == TypeUse.Parameter:
                    return MapType(Clang.clang_getArrayElementType(type), TypeUse.Other, out _) + "*";

                case CXTypeKind.Record:
                    return DeclareStruct(type);

                case CXTypeKind.Enum:
                    return DeclareEnum(type);

                case CXTypeKind.Void:
                    return "void";

                case CXTypeKind.Float:
                    return "float";

                case CXTypeKind.Double:
                    return "double";
            }

            string? builtin = IntegerBuiltin(type.Kind);
            if (builtin is not null)
            {
                return builtin;
            }

            CXType canonical = Clang.clang_getCanonicalType(type);
            if (canonical.Kind != type.Kind)
            {
                return MapType(canonical, use, out isString);
            }

            throw new GeneratorException($"C type not supported by the generator: {Spell(type)}");
        }

        private string MapFunctionPointer(CXType functionType)
        {
            if (Clang.clang_isFunctionTypeVariadic(functionType) != 0)
            {
                throw new GeneratorException($"variadic function pointer not supported: {Spell(functionType)}");
            }

            var parts = new List<string>();
            int count = Clang.clang_getNumArgTypes(functionType);
            for (uint i = 0; i < count; i++)
            {
                parts.Add(MapType(Clang.clang_getArgType(functionType, i), TypeUse.Other, out _));
            }

            parts.Add(MapType(Clang.clang_getResultType(functionType), TypeUse.Other, out _));
            return $"delegate* unmanaged<{string.Join(", ", parts)}>";
        }

        private string DeclareStruct(CXType type)
        {
            CXCursor declaration = Clang.clang_getTypeDeclaration(type);
            if (declaration.Kind != CXCursorKind.StructDecl)
            {
                throw new GeneratorException($"unions are not supported: {Spell(type)}");
            }

            string name = Clang.ToManaged(Clang.clang_getCursorSpelling(declaration));
            if (name.Length == 0)
            {
                throw new GeneratorException($"unnamed structs are not supported: {Spell(type)}");
            }

            if (_typeText.ContainsKey(name) || !_typesInProgress.Add(name))
            {
                return name;
            }

            var text = new StringBuilder();
            CXCursor definition = Clang.clang_getCursorDefinition(declaration);
            if (Clang.clang_Cursor_isNull(definition) != 0)
            {
                text.Append("/// <summary><c>struct ").Append(name).Append("</c> (opaque: used only through pointers)</summary>\n");
                text.Append("internal partial struct ").Append(name).Append(" { }\n");
            }
            else
            {
                // Native code fills these fields; C# never assigns them (CS0649).
                text.Append("#pragma warning disable CS0649\n");
                text.Append("/// <summary><c>struct ").Append(name).Append("</c></summary>\n");
                text.Append("internal unsafe partial struct ").Append(name).Append("\n{\n");
                bool first = true;
                foreach (CXCursor field in Children(definition).Where(c => c.Kind == CXCursorKind.FieldDecl))
                {
                    string fieldName = Clang.ToManaged(Clang.clang_getCursorSpelling(field));
                    CXType fieldType = Clang.clang_getCursorType(field);
                    if (Clang.clang_Cursor_isBitField(field) != 0 || fieldType.Kind is CXTypeKind.IncompleteArray)
                    {
                        throw new GeneratorException($"struct {name}: field {fieldName} (bit field or flexible array) is not supported");
                    }

                    if (!first)
                    {
                        text.Append('\n');
                    }

                    first = false;
                    text.Append("    /// <summary><c>").Append(Xml(JoinDeclarator(Spell(fieldType), fieldName))).Append("</c></summary>\n");
                    if (fieldType.Kind == CXTypeKind.ConstantArray)
                    {
                        // Integer arrays (reserved or spare words in kernel structs) become fixed buffers: same size, same layout.
                        string element = IntegerBuiltin(Clang.clang_getCanonicalType(Clang.clang_getArrayElementType(fieldType)).Kind)
                            ?? throw new GeneratorException($"struct {name}: field {fieldName} (array of non-integers) is not supported");
                        text.Append("    public fixed ").Append(element).Append(' ').Append(Identifier(fieldName))
                            .Append('[').Append(Clang.clang_getArraySize(fieldType)).Append("];\n");
                        continue;
                    }

                    text.Append("    public ").Append(MapType(fieldType, TypeUse.Other, out _)).Append(' ').Append(Identifier(fieldName)).Append(";\n");
                }

                text.Append("}\n");
                text.Append("#pragma warning restore CS0649\n");
            }

            _typeOrder.Add(name);
            _typeText[name] = AllowLowercaseName(name, text.ToString());
            return name;
        }

        private string DeclareEnum(CXType type)
        {
            CXCursor declaration = Clang.clang_getTypeDeclaration(type);
            string name = Clang.ToManaged(Clang.clang_getCursorSpelling(declaration));
            if (name.Length == 0)
            {
                throw new GeneratorException($"unnamed enums are not supported: {Spell(type)}");
            }

            if (_typeText.ContainsKey(name))
            {
                return name;
            }

            CXType integer = Clang.clang_getEnumDeclIntegerType(declaration);
            CXTypeKind integerKind = Clang.clang_getCanonicalType(integer).Kind;
            string underlying = integerKind switch
            {
                CXTypeKind.Long => "long",
                CXTypeKind.ULong => "ulong",
                _ => IntegerBuiltin(integerKind) ?? throw new GeneratorException($"enum {name}: unsupported integer type {Spell(integer)}"),
            };
            bool unsigned = underlying is "byte" or "ushort" or "uint" or "ulong";

            var text = new StringBuilder();
            text.Append("/// <summary><c>enum ").Append(name).Append("</c></summary>\n");
            text.Append("internal enum ").Append(name).Append(" : ").Append(underlying).Append("\n{\n");
            foreach (CXCursor member in Children(declaration).Where(c => c.Kind == CXCursorKind.EnumConstantDecl))
            {
                string memberName = Clang.ToManaged(Clang.clang_getCursorSpelling(member));
                string value = unsigned
                    ? Clang.clang_getEnumConstantDeclUnsignedValue(member).ToString(CultureInfo.InvariantCulture)
                    : Clang.clang_getEnumConstantDeclValue(member).ToString(CultureInfo.InvariantCulture);
                text.Append("    ").Append(memberName).Append(" = ").Append(value).Append(",\n");
            }

            text.Append("}\n");
            _typeOrder.Add(name);
            _typeText[name] = AllowLowercaseName(name, text.ToString());
            return name;
        }

        private string Emit()
        {
            var members = new List<string>();
            foreach (FunctionInfo function in _functions)
            {
                if (function.Skip is not null)
                {
                    members.Add($"    // {function.Skip}\n");
                    continue;
                }

                var attribute = new StringBuilder("[LibraryImport(Libraries.").Append(_config.Library);
                if (function.UsesStrings)
                {
                    attribute.Append(", StringMarshalling = StringMarshalling.Utf8");
                }

                if (_config.SetLastError.Contains(function.Name))
                {
                    attribute.Append(", SetLastError = true");
                }

                attribute.Append(")]");
                members.Add(
                    $"    /// <summary><c>{Xml(function.Prototype)}</c></summary>\n" +
                    $"    {attribute}\n" +
                    $"    public static partial {function.ReturnType} {function.Name}({string.Join(", ", function.Parameters)});\n");
            }

            foreach (MacroInfo macro in _macros)
            {
                if (macro.CSharpType is null)
                {
                    continue;
                }

                string note = macro.IsPointer ? " (a pointer value, given as an address-sized integer)" : "";
                members.Add(
                    $"    /// <summary><c>{Xml(macro.Definition)}</c>{note}</summary>\n" +
                    $"    public const {macro.CSharpType} {macro.Name} = {macro.Value};\n");
            }

            var output = new StringBuilder();
            foreach (string line in Banner().Split('\n'))
            {
                output.Append(line.Length == 0 ? "//" : "// " + line).Append('\n');
            }

            output.Append("// <auto-generated/>\n");
            output.Append("#nullable enable\n");
            output.Append("using System.Runtime.CompilerServices;\n");
            output.Append("using System.Runtime.InteropServices;\n");
            output.Append('\n');
            output.Append("namespace PmdkSharp.Interop;\n");
            output.Append('\n');
            output.Append("internal static unsafe partial class ").Append(_config.ClassName).Append('\n');
            output.Append("{\n");
            output.Append(string.Join("\n", members));
            output.Append("}\n");
            foreach (string type in _typeOrder)
            {
                output.Append('\n').Append(_typeText[type]);
            }

            return output.ToString();
        }

        private string Banner()
        {
            string version = _config.PackageVersion;
            // Debian version "1:1.12.1-2" -> upstream "1.12.1".
            string upstreamVersion = version;
            int epoch = upstreamVersion.IndexOf(':', StringComparison.Ordinal);
            if (epoch >= 0)
            {
                upstreamVersion = upstreamVersion[(epoch + 1)..];
            }

            int revision = upstreamVersion.LastIndexOf('-');
            if (revision >= 0)
            {
                upstreamVersion = upstreamVersion[..revision];
            }

            string text = _config.BannerText.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
            if (text.Length == 0)
            {
                text = "Generated by PmdkSharp.Generator from {headers}.";
            }

            return text
                .Replace("{headers}", _config.BannerHeaders, StringComparison.Ordinal)
                .Replace("{package}", _config.Package, StringComparison.Ordinal)
                .Replace("{version}", version, StringComparison.Ordinal)
                .Replace("{upstream}", _config.Upstream, StringComparison.Ordinal)
                .Replace("{upstreamVersion}", upstreamVersion, StringComparison.Ordinal)
                .Replace("{license}", _config.License, StringComparison.Ordinal);
        }
    }

    /// <summary>C type names like <c>point</c> are all lowercase letters, which C# warns may become keywords (CS8981).</summary>
    private static string AllowLowercaseName(string name, string declaration) =>
        name.All(c => c is >= 'a' and <= 'z')
            ? $"#pragma warning disable CS8981\n{declaration}#pragma warning restore CS8981\n"
            : declaration;

    private static string Spell(CXType type) => Clang.ToManaged(Clang.clang_getTypeSpelling(type));

    /// <summary>
    /// Writes a C declaration from a type spelling and a name: "void *" + "f" -> "void *f",
    /// "int" + "f" -> "int f", "int[4]" + "v" -> "int v[4]", "void (*)(int)" + "cb" -> "void (*cb)(int)".
    /// </summary>
    private static string JoinDeclarator(string typeSpelling, string name)
    {
        if (name.Length == 0)
        {
            return typeSpelling;
        }

        int functionPointer = typeSpelling.IndexOf("(*)", StringComparison.Ordinal);
        if (functionPointer >= 0)
        {
            return typeSpelling.Insert(functionPointer + 2, name);
        }

        int array = typeSpelling.IndexOf('[', StringComparison.Ordinal);
        if (array >= 0)
        {
            return typeSpelling[..array].TrimEnd() + " " + name + typeSpelling[array..];
        }

        return typeSpelling.EndsWith('*') ? typeSpelling + name : typeSpelling + " " + name;
    }

    private static string Identifier(string name) => CSharpKeywords.Contains(name) ? "@" + name : name;

    private static string Xml(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    private static List<CXCursor> Children(CXCursor parent)
    {
        var list = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(list);
        try
        {
            Clang.clang_visitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return list;
    }

    [UnmanagedCallersOnly]
    private static int CollectChild(CXCursor cursor, CXCursor parent, nint clientData)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!).Add(cursor);
        return Clang.ChildVisitContinue;
    }

    private sealed class FunctionInfo(string name, string prototype, string call)
    {
        public string Name { get; } = name;
        public string Prototype { get; } = prototype;
        public string Call { get; } = call;
        public string? Skip { get; set; }
        public string ReturnType { get; set; } = "";
        public List<string> Parameters { get; } = new();
        public bool UsesStrings { get; set; }
    }

    private sealed class MacroInfo(string name, string definition)
    {
        public string Name { get; } = name;
        public string Definition { get; set; } = definition;
        public string? CSharpType { get; set; }
        public string Value { get; set; } = "";
        public bool IsPointer { get; set; }
    }
}
