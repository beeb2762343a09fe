using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.InteropServices;
using PmdkSharp.Interop;
using Xunit;

namespace PmdkSharp.Tests.Interop;

/// <summary>
/// The layering the POSIX calls rely on, read from the library's compiled code: only
/// <see cref="Posix"/> calls the generated libc functions (so EINTR retries and the fault seam
/// cover every call), and nothing takes a raw descriptor out of a SafeHandle (the marshaller holds
/// the handle for each call instead).
/// </summary>
public sealed class PosixLayerTests
{
    [Fact]
    public void Only_Posix_calls_the_generated_libc_functions()
    {
        string[] callers = CallersOf(method => method.DeclaringType == typeof(Libc))
            .Where(caller => caller.DeclaringType != typeof(Posix) && caller.DeclaringType != typeof(Libc))
            .Select(Describe)
            .ToArray();

        Assert.True(callers.Length == 0, "libc called outside Posix by: " + string.Join(", ", callers));
    }

    [Fact]
    public void No_library_code_takes_the_raw_handle_out_of_a_SafeHandle()
    {
        string[] callers = CallersOf(method => method.DeclaringType == typeof(SafeHandle) && method.Name == nameof(SafeHandle.DangerousGetHandle))
            .Select(Describe)
            .ToArray();

        Assert.True(callers.Length == 0, "DangerousGetHandle called by: " + string.Join(", ", callers));
    }

    [Fact]
    public void The_scan_finds_Posix_calling_libc()
    {
        // The control: a scan that found nothing anywhere would pass the checks above too.
        Assert.Contains(CallersOf(method => method.DeclaringType == typeof(Libc)), caller => caller.DeclaringType == typeof(Posix));
    }

    private static string Describe(MethodBase method) => $"{method.DeclaringType?.FullName}.{method.Name}";

    /// <summary>Every method of the library whose IL calls a method <paramref name="target"/> accepts.</summary>
    private static IEnumerable<MethodBase> CallersOf(Func<MethodBase, bool> target)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        Module module = typeof(PmemFile).Module;
        foreach (Type type in module.GetTypes())
        {
            IEnumerable<MethodBase> methods = type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all));
            foreach (MethodBase method in methods)
            {
                byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is not null && Calls(module, method, il).Any(target))
                    yield return method;
            }
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>The methods called (call, callvirt, newobj, ldftn) in one method's IL.</summary>
    private static IEnumerable<MethodBase> Calls(Module module, MethodBase method, byte[] il)
    {
        for (int at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            OpCode code = OpCodesByValue[value];
            at += code.Size;
            if (code.OperandType == OperandType.InlineMethod)
            {
                MethodBase? called = null;
                try
                {
                    called = module.ResolveMethod(BitConverter.ToInt32(il, at),
                        method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null,
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                    // a generic instantiation that cannot be resolved out of context: not a libc call either way
                }
                if (called is not null)
                    yield return called;
            }
            at += OperandSize(code.OperandType, il, at);
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
