using System.Linq;
using PmdkSharp.Generator;
using PmdkSharp.Generator.Model;
using Xunit;

namespace PmdkSharp.Generator.Tests;

/// <summary>
/// What the type mapper and the macro evaluator decide, asserted on the records they produce
/// (<see cref="BindingGenerator.Describe"/>), independent of how the emitter spells them.
/// </summary>
public class TypeMapperTests
{
    private static BindingModel Describe(string source, System.Action<GeneratorConfig>? configure = null)
    {
        using var header = new ScratchHeader(source);
        configure?.Invoke(header.Config);
        return BindingGenerator.Describe(header.Config);
    }

    [Fact]
    public void ParametersMapToCSharpTypesAndConstCharToString()
    {
        BindingModel model = Describe("""
            #include <stddef.h>
            int open_it(const char *path, size_t length, void (*callback)(int code), unsigned long flags);
            """);
        FunctionDesc f = Assert.Single(model.Functions);
        Assert.Null(f.SkipReason);
        Assert.Equal("int open_it(const char *path, size_t length, void (*callback)(int), unsigned long flags)", f.Prototype);
        Assert.Equal("int", f.ReturnType);
        Assert.Equal(
            [new("string", "path"), new("nuint", "length"), new("delegate* unmanaged<int, void>", "callback"), new("nuint", "flags")],
            f.Parameters.ToArray());
        Assert.True(f.UsesStrings);
        Assert.False(f.SetLastError);
    }

    [Fact]
    public void ConstCharIsAStringOnlyAsAParameter()
    {
        BindingModel model = Describe("const char *name_of(char *buffer);");
        FunctionDesc f = Assert.Single(model.Functions);
        Assert.Equal("byte*", f.ReturnType);
        Assert.Equal(new ParameterDesc("byte*", "buffer"), Assert.Single(f.Parameters));
        Assert.False(f.UsesStrings);
    }

    [Fact]
    public void KeywordsAreEscapedAndUnnamedParametersNumbered()
    {
        BindingModel model = Describe("void k(int string, int, int values[4]);");
        Assert.Equal([new("int", "@string"), new("int", "arg1"), new("int*", "values")], Assert.Single(model.Functions).Parameters.ToArray());
    }

    [Fact]
    public void VariadicFunctionIsSkippedAndItsTypesAreNotDeclared()
    {
        BindingModel model = Describe("struct only_here { int a; };\nint log_it(struct only_here *h, const char *format, ...);", c =>
        {
            c.Headers.Clear();
            c.Functions.Add("log_it");
        });
        FunctionDesc f = Assert.Single(model.Functions);
        Assert.Equal("log_it(struct only_here *h, const char *format, ...) is variadic: not bound.", f.SkipReason);
        Assert.Empty(f.Parameters);
        Assert.Empty(model.Types);
    }

    [Fact]
    public void SetLastErrorComesFromTheConfig()
    {
        BindingModel model = Describe("int a(void);\nint b(void);", c => c.SetLastError.Add("b"));
        Assert.Equal([false, true], model.Functions.Select(f => f.SetLastError).ToArray());
    }

    [Fact]
    public void StructsFollowTheTypesOfTheirFieldsAndSelfReferencesDoNotRecurse()
    {
        BindingModel model = Describe("""
            struct outer { struct later *first; struct outer *next; struct opaque *handle; unsigned long size; };
            struct later { int a; };
            void use(struct outer *o);
            """);
        Assert.Equal(["later", "opaque", "outer"], model.Types.Select(t => t.Name).ToArray());
        var outer = Assert.IsType<StructDesc>(model.Types[2]);
        Assert.Equal(
            [new("struct later *first", "later*", "first"), new("struct outer *next", "outer*", "next"),
             new("struct opaque *handle", "opaque*", "handle"), new("unsigned long size", "nuint", "size")],
            outer.Fields!.ToArray());
        Assert.Equal(new FieldDesc("int a", "int", "a"), Assert.Single(Assert.IsType<StructDesc>(model.Types[0]).Fields!));
        Assert.True(Assert.IsType<StructDesc>(model.Types[1]).IsOpaque);
        Assert.Equal("void", Assert.Single(model.Functions).ReturnType);
    }

    [Fact]
    public void EnumUnderlyingTypeAndValuesFollowClang()
    {
        BindingModel model = Describe("""
            enum small { S_NEG = -1, S_ONE = 1 };
            enum wide { W_TOP = 0x80000000u };
            enum huge { H_NEG = -1, H_BIG = 0x100000000L };
            """);
        var small = Assert.IsType<EnumDesc>(model.Types[0]);
        var wide = Assert.IsType<EnumDesc>(model.Types[1]);
        var huge = Assert.IsType<EnumDesc>(model.Types[2]);
        Assert.Equal("int", small.UnderlyingType);
        Assert.Equal([new("S_NEG", "-1"), new("S_ONE", "1")], small.Members.ToArray());
        Assert.Equal(("uint", "2147483648"), (wide.UnderlyingType, wide.Members[0].Value));
        Assert.Equal(("long", "4294967296"), (huge.UnderlyingType, huge.Members[1].Value));
    }

    [Fact]
    public void MacrosBecomeTypedConstantsAndNonIntegersAreDropped()
    {
        BindingModel model = Describe("""
            #include <stddef.h>
            #define X_INT (1 << 4)
            #define X_SIZE_BIG ((size_t)1 << 33)
            #define X_SIZE ((size_t)4096)
            #define X_POINTER ((void *) -1)
            #define X_STRING "no"
            #define X_FLOAT 1.5
            #define X_BROKEN (X_NOT_DEFINED + 1)
            """, c => c.MacroPrefixes.Add("X_"));
        Assert.Equal(
            [new("X_INT", "#define X_INT (1 << 4)", "int", "16", false),
             new("X_SIZE_BIG", "#define X_SIZE_BIG ((size_t)1 << 33)", "ulong", "8589934592", false),
             new("X_SIZE", "#define X_SIZE ((size_t)4096)", "nuint", "4096", false),
             new("X_POINTER", "#define X_POINTER ((void *) -1)", "nint", "-1", true)],
            model.Constants.ToArray());
    }

    [Fact]
    public void UnionIsRejectedWithItsName()
    {
        var error = Assert.Throws<GeneratorException>(() => Describe("union u { int a; float b; };\nvoid f(union u *value);"));
        Assert.Contains("unions are not supported: union u", error.Message);
    }
}
