using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace PmdkSharp.Generator;

/// <summary>
/// One libclang index and the arguments every translation unit of a run is parsed with. Any error
/// diagnostic is fatal: a header that does not parse cleanly would map silently wrong types
/// (without clang's resource headers <c>size_t</c> becomes <c>int</c>).
/// </summary>
internal sealed unsafe class ClangSession : IDisposable
{
    private readonly List<string> _args;
    private nint _index;

    public ClangSession(IEnumerable<string> extraArgs)
    {
        _args = new List<string> { "-x", "c", "-std=gnu11", "-ferror-limit=0", "-isystem", ClangResourceHeaders.Find() };
        _args.AddRange(extraArgs);
        _index = Clang.clang_createIndex(0, 0);
    }

    /// <summary>Parses <paramref name="file"/>, or <paramref name="contents"/> under that name when given.</summary>
    public TranslationUnit Parse(string file, string? contents = null)
    {
        ObjectDisposedException.ThrowIf(_index == 0, this);
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

            return new TranslationUnit(tu);
        }
        finally
        {
            foreach (nint p in pinned)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    public void Dispose()
    {
        if (_index != 0)
        {
            Clang.clang_disposeIndex(_index);
            _index = 0;
        }
    }
}

/// <summary>A parsed translation unit; its cursors are valid until it is disposed.</summary>
internal sealed class TranslationUnit(nint handle) : IDisposable
{
    public nint Handle { get; private set; } = handle;

    public CXCursor Cursor => Clang.clang_getTranslationUnitCursor(Handle);

    /// <summary>
    /// Throws <see cref="GeneratorException"/> with clang's messages for every error or fatal
    /// diagnostic, except those <paramref name="tolerated"/> accepts (it sees each one's location).
    /// </summary>
    public void ThrowOnErrors(Func<string, uint, bool>? tolerated = null)
    {
        var errors = new List<string>();
        uint count = Clang.clang_getNumDiagnostics(Handle);
        for (uint i = 0; i < count; i++)
        {
            nint diagnostic = Clang.clang_getDiagnostic(Handle, i);
            try
            {
                if (Clang.clang_getDiagnosticSeverity(diagnostic) < CXDiagnosticSeverity.Error)
                {
                    continue;
                }

                if (tolerated is not null)
                {
                    (string file, uint line, _) = ClangCursors.Location(Clang.clang_getDiagnosticLocation(diagnostic));
                    if (tolerated(file, line))
                    {
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

    public void Dispose()
    {
        if (Handle != 0)
        {
            Clang.clang_disposeTranslationUnit(Handle);
            Handle = 0;
        }
    }
}
