using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PmdkSharp.Generator;

// The part of libclang's C API (clang-c/Index.h) the generator uses. Struct layouts and enum
// values follow that header; only what is called is declared.

internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    VarDecl = 9,
    TypedefDecl = 20,
    MacroDefinition = 501,
}

internal enum CXTypeKind
{
    Invalid = 0,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    Char_S = 13,
    SChar = 14,
    WChar = 15,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Float = 21,
    Double = 22,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    IncompleteArray = 114,
    Elaborated = 119,
    Attributed = 163,
}

internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

internal enum CXEvalResultKind
{
    Int = 1,
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXString
{
    public nint Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXCursor
{
    public CXCursorKind Kind;
    public int XData;
    public nint Data0, Data1, Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXType
{
    public CXTypeKind Kind;
    public nint Data0, Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceLocation
{
    public nint Ptr0, Ptr1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceRange
{
    public nint Ptr0, Ptr1;
    public uint BeginIntData, EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXToken
{
    public uint Int0, Int1, Int2, Int3;
    public nint PtrData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

internal static unsafe partial class Clang
{
    private const string Lib = "libclang";

    public const uint TranslationUnitDetailedPreprocessingRecord = 0x01;
    public const int ChildVisitBreak = 0;
    public const int ChildVisitContinue = 1;

    static Clang()
    {
        NativeLibrary.SetDllImportResolver(typeof(Clang).Assembly, Resolve);
    }

    /// <summary>
    /// Finds libclang: an explicit file in PMDKSHARP_LIBCLANG, then Debian's libclang1-14, then
    /// any libclang the loader knows by its usual names.
    /// </summary>
    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Lib)
        {
            return 0;
        }

        string? explicitPath = Environment.GetEnvironmentVariable("PMDKSHARP_LIBCLANG");
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return NativeLibrary.Load(explicitPath);
        }

        foreach (string candidate in new[] { "libclang-14.so.1", "libclang.so.1", "libclang.so" })
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle))
            {
                return handle;
            }
        }

        return 0;
    }

    public static string ToManaged(CXString s)
    {
        try
        {
            return Marshal.PtrToStringUTF8(clang_getCString(s)) ?? "";
        }
        finally
        {
            clang_disposeString(s);
        }
    }

    [LibraryImport(Lib)] public static partial nint clang_getCString(CXString s);
    [LibraryImport(Lib)] public static partial void clang_disposeString(CXString s);
    [LibraryImport(Lib)] public static partial CXString clang_getClangVersion();

    [LibraryImport(Lib)] public static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [LibraryImport(Lib)] public static partial void clang_disposeIndex(nint index);
    [LibraryImport(Lib)]
    public static partial int clang_parseTranslationUnit2(
        nint index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, nint* outTranslationUnit);
    [LibraryImport(Lib)] public static partial void clang_disposeTranslationUnit(nint tu);

    [LibraryImport(Lib)] public static partial uint clang_getNumDiagnostics(nint tu);
    [LibraryImport(Lib)] public static partial nint clang_getDiagnostic(nint tu, uint index);
    [LibraryImport(Lib)] public static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getDiagnosticLocation(nint diagnostic);
    [LibraryImport(Lib)] public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);
    [LibraryImport(Lib)] public static partial uint clang_defaultDiagnosticDisplayOptions();
    [LibraryImport(Lib)] public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Lib)] public static partial CXCursor clang_getTranslationUnitCursor(nint tu);
    [LibraryImport(Lib)]
    public static partial uint clang_visitChildren(
        CXCursor parent, delegate* unmanaged<CXCursor, CXCursor, nint, int> visitor, nint clientData);
    [LibraryImport(Lib)] public static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getCursorResultType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_Cursor_getNumArguments(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isMacroBuiltin(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isAnonymous(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXCursor clang_getCursorDefinition(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isNull(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);
    [LibraryImport(Lib)] public static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(Lib)] public static partial nint clang_Cursor_Evaluate(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXEvalResultKind clang_EvalResult_getKind(nint result);
    [LibraryImport(Lib)] public static partial uint clang_EvalResult_isUnsignedInt(nint result);
    [LibraryImport(Lib)] public static partial ulong clang_EvalResult_getAsUnsigned(nint result);
    [LibraryImport(Lib)] public static partial long clang_EvalResult_getAsLongLong(nint result);
    [LibraryImport(Lib)] public static partial void clang_EvalResult_dispose(nint result);

    [LibraryImport(Lib)] public static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getPointeeType(CXType type);
    [LibraryImport(Lib)] public static partial uint clang_isConstQualifiedType(CXType type);
    [LibraryImport(Lib)] public static partial CXCursor clang_getTypeDeclaration(CXType type);
    [LibraryImport(Lib)] public static partial CXString clang_getTypedefName(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_Type_getNamedType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_Type_getModifiedType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getResultType(CXType type);
    [LibraryImport(Lib)] public static partial int clang_getNumArgTypes(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArgType(CXType type, uint index);
    [LibraryImport(Lib)] public static partial uint clang_isFunctionTypeVariadic(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Lib)] public static partial long clang_getArraySize(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getSizeOf(CXType type);

    [LibraryImport(Lib)]
    public static partial void clang_getSpellingLocation(
        CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Lib)] public static partial CXString clang_getFileName(nint file);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getRangeEnd(CXSourceRange range);

    [LibraryImport(Lib)] public static partial void clang_tokenize(nint tu, CXSourceRange range, CXToken** tokens, uint* numTokens);
    [LibraryImport(Lib)] public static partial void clang_disposeTokens(nint tu, CXToken* tokens, uint numTokens);
    [LibraryImport(Lib)] public static partial CXString clang_getTokenSpelling(nint tu, CXToken token);
    [LibraryImport(Lib)] public static partial CXSourceRange clang_getTokenExtent(nint tu, CXToken token);
}
