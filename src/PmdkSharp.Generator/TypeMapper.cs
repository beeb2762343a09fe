using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PmdkSharp.Generator.Model;
using static PmdkSharp.Generator.ClangCursors;

namespace PmdkSharp.Generator;

/// <summary>
/// Maps libclang's declarations to plain records: C types to C# spellings, functions to
/// <see cref="FunctionDesc"/>, and every struct and enum it meets to a <see cref="TypeDesc"/>
/// (collected in <see cref="Types"/>, a struct after the types of its fields). Writes no text.
/// </summary>
internal sealed class TypeMapper
{
    private readonly List<TypeDesc> _types = new();
    private readonly HashSet<string> _declared = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    /// <summary>How a type is used: only parameters bind <c>const char *</c> as <c>string</c> and arrays as pointers.</summary>
    private enum TypeUse
    {
        Parameter,
        Return,
        Other,
    }

    /// <summary>Structs and enums met so far, in the order the output declares them.</summary>
    public IReadOnlyList<TypeDesc> Types => _types;

    /// <summary>
    /// Describes a function. A variadic function, or one <paramref name="exports"/> says the library
    /// does not export, is described as skipped and its types are not mapped.
    /// </summary>
    public FunctionDesc DescribeFunction(CXCursor cursor, ExportCheck? exports)
    {
        string name = Name(cursor);
        CXType type = Clang.clang_getCursorType(cursor);
        CXType resultType = Clang.clang_getCursorResultType(cursor);
        int argCount = Math.Max(Clang.clang_Cursor_getNumArguments(cursor), 0);
        bool variadic = type.Kind == CXTypeKind.FunctionProto && Clang.clang_isFunctionTypeVariadic(type) != 0;

        var cParams = new List<string>();
        var args = new List<(CXType Type, string Name)>();
        for (uint i = 0; i < argCount; i++)
        {
            CXCursor arg = Clang.clang_Cursor_getArgument(cursor, i);
            string argName = Name(arg);
            CXType argType = Clang.clang_getCursorType(arg);
            cParams.Add(CSharpNames.JoinDeclarator(Spell(argType), argName));
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
        string prototype = CSharpNames.JoinDeclarator(Spell(resultType), call);
        if (variadic)
        {
            return FunctionDesc.Skipped(name, prototype, $"{call} is variadic: not bound.");
        }

        if (exports is not null && !exports.IsExported(name))
        {
            return FunctionDesc.Skipped(name, prototype, $"{call} is declared but not exported by {exports.LibraryName}: not bound.");
        }

        var parameters = new List<ParameterDesc>();
        bool usesStrings = false;
        for (int i = 0; i < args.Count; i++)
        {
            string csType = MapType(args[i].Type, TypeUse.Parameter, out bool isString);
            usesStrings |= isString;
            parameters.Add(new ParameterDesc(csType, args[i].Name.Length == 0 ? $"arg{i}" : CSharpNames.Identifier(args[i].Name)));
        }

        string returnType = MapType(resultType, TypeUse.Return, out _);
        return new FunctionDesc(name, prototype, returnType, parameters, usesStrings, SetLastError: false, SkipReason: null);
    }

    /// <summary>Declares a struct or enum found at the top level of a header (and whatever its fields use).</summary>
    public void DeclareType(CXCursor declaration) => MapType(Clang.clang_getCursorType(declaration), TypeUse.Other, out _);

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
                if (CTypes.KnownTypedef(name) is { } known)
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

        string? builtin = CTypes.IntegerBuiltin(type.Kind);
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

        string name = Name(declaration);
        if (name.Length == 0)
        {
            throw new GeneratorException($"unnamed structs are not supported: {Spell(type)}");
        }

        // A struct that (through a pointer) refers to itself is named before it is complete.
        if (_declared.Contains(name) || !_inProgress.Add(name))
        {
            return name;
        }

        List<FieldDesc>? fields = null;
        CXCursor definition = Clang.clang_getCursorDefinition(declaration);
        if (Clang.clang_Cursor_isNull(definition) == 0)
        {
            fields = new List<FieldDesc>();
            foreach (CXCursor field in Children(definition).Where(c => c.Kind == CXCursorKind.FieldDecl))
            {
                string fieldName = Name(field);
                CXType fieldType = Clang.clang_getCursorType(field);
                if (Clang.clang_Cursor_isBitField(field) != 0 || fieldType.Kind is CXTypeKind.IncompleteArray)
                {
                    throw new GeneratorException($"struct {name}: field {fieldName} (bit field or flexible array) is not supported");
                }

                string declarator = CSharpNames.JoinDeclarator(Spell(fieldType), fieldName);
                if (fieldType.Kind == CXTypeKind.ConstantArray)
                {
                    // Integer arrays (reserved or spare words in kernel structs) become fixed buffers: same size, same layout.
                    string element = CTypes.IntegerBuiltin(Clang.clang_getCanonicalType(Clang.clang_getArrayElementType(fieldType)).Kind) is { } builtin
                        && builtin is not ("nint" or "nuint")
                        ? builtin
                        : throw new GeneratorException($"struct {name}: field {fieldName} (array of non-integers) is not supported");
                    fields.Add(new FieldDesc(declarator, element, CSharpNames.Identifier(fieldName), (int)Clang.clang_getArraySize(fieldType)));
                    continue;
                }

                fields.Add(new FieldDesc(declarator, MapType(fieldType, TypeUse.Other, out _), CSharpNames.Identifier(fieldName)));
            }
        }

        Add(new StructDesc(name, fields));
        return name;
    }

    private string DeclareEnum(CXType type)
    {
        CXCursor declaration = Clang.clang_getTypeDeclaration(type);
        string name = Name(declaration);
        if (name.Length == 0)
        {
            throw new GeneratorException($"unnamed enums are not supported: {Spell(type)}");
        }

        if (_declared.Contains(name))
        {
            return name;
        }

        CXType integer = Clang.clang_getEnumDeclIntegerType(declaration);
        string underlying = CTypes.EnumUnderlying(Clang.clang_getCanonicalType(integer).Kind)
            ?? throw new GeneratorException($"enum {name}: unsupported integer type {Spell(integer)}");
        bool unsigned = CTypes.IsUnsigned(underlying);

        var members = new List<EnumMemberDesc>();
        foreach (CXCursor member in Children(declaration).Where(c => c.Kind == CXCursorKind.EnumConstantDecl))
        {
            string value = unsigned
                ? Clang.clang_getEnumConstantDeclUnsignedValue(member).ToString(CultureInfo.InvariantCulture)
                : Clang.clang_getEnumConstantDeclValue(member).ToString(CultureInfo.InvariantCulture);
            members.Add(new EnumMemberDesc(Name(member), value));
        }

        Add(new EnumDesc(name, underlying, members));
        return name;
    }

    private void Add(TypeDesc type)
    {
        _declared.Add(type.Name);
        _types.Add(type);
    }
}
