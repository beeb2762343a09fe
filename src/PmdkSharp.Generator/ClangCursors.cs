using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace PmdkSharp.Generator;

/// <summary>Managed views of libclang cursors, types and locations (valid while their translation unit lives).</summary>
internal static unsafe class ClangCursors
{
    /// <summary>The type as C spells it, e.g. <c>const char *</c>.</summary>
    public static string Spell(CXType type) => Clang.ToManaged(Clang.clang_getTypeSpelling(type));

    /// <summary>The cursor's name (empty for anonymous declarations).</summary>
    public static string Name(CXCursor cursor) => Clang.ToManaged(Clang.clang_getCursorSpelling(cursor));

    /// <summary>File, line and byte offset of a location; the file is empty for built-in locations.</summary>
    public static (string File, uint Line, uint Offset) Location(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        Clang.clang_getSpellingLocation(location, &file, &line, &column, &offset);
        return (file == 0 ? "" : Clang.ToManaged(Clang.clang_getFileName(file)), line, offset);
    }

    /// <summary>The direct children of <paramref name="parent"/>, in source order.</summary>
    public static List<CXCursor> Children(CXCursor parent)
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
}
