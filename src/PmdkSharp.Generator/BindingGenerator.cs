using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PmdkSharp.Generator.Model;

namespace PmdkSharp.Generator;

/// <summary>
/// Turns one <see cref="GeneratorConfig"/> into the text of one generated C# file: LibraryImport
/// declarations for the selected functions, constants for the selected macros, and the enums and
/// structs they use. The steps: a <see cref="ClangSession"/> parses the umbrella header, the
/// <see cref="DeclarationCollector"/> selects, the <see cref="TypeMapper"/> and
/// <see cref="MacroEvaluator"/> describe (<see cref="BindingModel"/>), the <see cref="CSharpEmitter"/> writes.
/// </summary>
public static class BindingGenerator
{
    /// <summary>Generates the file for <paramref name="config"/>; throws <see cref="GeneratorException"/> on any failure.</summary>
    public static string Generate(GeneratorConfig config) => CSharpEmitter.Emit(Describe(config));

    /// <summary>What the file for <paramref name="config"/> declares; throws <see cref="GeneratorException"/> on any failure.</summary>
    public static BindingModel Describe(GeneratorConfig config)
    {
        using var session = new ClangSession(config.ClangArgs);
        if (!File.Exists(config.Umbrella))
        {
            throw new GeneratorException($"umbrella header not found: {config.Umbrella}");
        }

        using ExportCheck? exports = config.SoName is null ? null : ExportCheck.Load(config.SoName);
        var mapper = new TypeMapper();
        var functions = new List<FunctionDesc>();
        IReadOnlyList<MacroDefinition> macros;
        using (TranslationUnit tu = session.Parse(config.Umbrella))
        {
            tu.ThrowOnErrors();
            CollectedDeclarations collected = new DeclarationCollector(config).Collect(tu);
            // Cursors die with their translation unit: map everything before it is disposed.
            foreach (CXCursor declaration in collected.Declarations)
            {
                if (declaration.Kind == CXCursorKind.FunctionDecl)
                {
                    FunctionDesc function = mapper.DescribeFunction(declaration, exports);
                    function = function with { SetLastError = function.SkipReason is null && config.SetLastError.Contains(function.Name) };
                    functions.Add(function);
                    if (config.FileDescriptorOverloads.Contains(function.Name))
                        functions.Add(WithHandle(function));
                }
                else
                {
                    mapper.DeclareType(declaration);
                }
            }

            macros = collected.Macros;
        }

        List<ConstantDesc> constants = MacroEvaluator.Evaluate(session, config.Umbrella, macros);
        CheckSelection(config, functions, constants);
        return new BindingModel(config.ClassName, config.Library, BannerText.Render(config), functions, constants, mapper.Types.ToList());
    }

    private static readonly string[] DescriptorNames = ["fd", "__fd", "__fildes", "__dirfd"];

    /// <summary>The overload of a bound function that takes its descriptor as a SafeFileHandle.</summary>
    private static FunctionDesc WithHandle(FunctionDesc function)
    {
        if (function.SkipReason is not null)
            throw new GeneratorException($"fileDescriptorOverloads names {function.Name}, which is not bound: {function.SkipReason}");
        if (!function.Parameters.Any(p => p.Type == "int" && DescriptorNames.Contains(p.Name)))
            throw new GeneratorException($"fileDescriptorOverloads names {function.Name}, which has no int parameter named {string.Join(" or ", DescriptorNames)}");
        return function with
        {
            Parameters = function.Parameters
                .Select(p => p.Type == "int" && DescriptorNames.Contains(p.Name) ? p with { Type = SafeFileHandle } : p)
                .ToList(),
        };
    }

    /// <summary>The C# type of a descriptor held by the marshaller for the call.</summary>
    internal const string SafeFileHandle = "global::Microsoft.Win32.SafeHandles.SafeFileHandle";

    /// <summary>Everything the config names must be there: named functions declared, setLastError ones bound, named macros constant.</summary>
    private static void CheckSelection(GeneratorConfig config, List<FunctionDesc> functions, List<ConstantDesc> constants)
    {
        var bound = new HashSet<string>(functions.Select(f => f.Name), StringComparer.Ordinal);
        var missing = config.Functions.Where(f => !bound.Contains(f)).ToList();
        if (missing.Count > 0)
        {
            throw new GeneratorException($"functions not declared by {Path.GetFileName(config.Umbrella)}: {string.Join(", ", missing)}");
        }

        var stray = config.SetLastError.Where(f => !bound.Contains(f)).ToList();
        if (stray.Count > 0)
        {
            throw new GeneratorException($"setLastError names functions that are not bound: {string.Join(", ", stray)}");
        }

        var defined = new HashSet<string>(constants.Select(c => c.Name), StringComparer.Ordinal);
        var missingMacros = config.MacroNames.Where(m => !defined.Contains(m)).ToList();
        if (missingMacros.Count > 0)
        {
            throw new GeneratorException($"macros not defined as integer constants: {string.Join(", ", missingMacros)}");
        }
    }
}
