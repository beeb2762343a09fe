using System;
using System.Collections.Generic;
using System.Linq;

namespace PmdkSharp.Generator;

/// <summary>Spelling rules shared by the type mapper and the emitter: identifiers, C declarators, XML text.</summary>
internal static class CSharpNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
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

    /// <summary>A C name as a C# identifier: keywords get an <c>@</c>.</summary>
    public static string Identifier(string name) => Keywords.Contains(name) ? "@" + name : name;

    /// <summary>C type names like <c>point</c> are all lowercase letters, which C# warns may become keywords (CS8981).</summary>
    public static bool IsAllLowercase(string name) => name.All(c => c is >= 'a' and <= 'z');

    /// <summary>Escapes text for an XML doc comment.</summary>
    public static string Xml(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>
    /// Writes a C declaration from a type spelling and a name: "void *" + "f" -> "void *f",
    /// "int" + "f" -> "int f", "int[4]" + "v" -> "int v[4]", "void (*)(int)" + "cb" -> "void (*cb)(int)".
    /// </summary>
    public static string JoinDeclarator(string typeSpelling, string name)
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
}
