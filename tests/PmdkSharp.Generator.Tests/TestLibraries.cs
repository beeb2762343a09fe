namespace PmdkSharp.Interop;

// Library names the golden outputs import from; they are compiled here only to prove they compile.
internal static class Libraries
{
    public const string Libtest = "libtest";
    public const string Libc = "libc";
}
