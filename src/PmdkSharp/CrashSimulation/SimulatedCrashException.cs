using System;

namespace PmdkSharp;

/// <summary>Thrown by the persisting call at a <see cref="CrashSimulator.CrashAtPersistCall"/> crash point, after the simulated power cut.</summary>
public sealed class SimulatedCrashException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SimulatedCrashException(string message) : base(message)
    {
    }
}
