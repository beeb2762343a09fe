namespace PmdkSharp.Log;

/// <summary>
/// Maps a log position to its place in the file. Positions only grow; the record area
/// [<see cref="LogLayout.DataStart"/>, DataStart + capacity) is reused lap after lap, and until the
/// first wrap a position is its file offset. A record never crosses the ring's end: an append that
/// does not fit before it starts at the next lap (<see cref="PmemLog"/> marks the skipped rest).
/// </summary>
internal readonly struct LogRing
{
    public LogRing(long capacity) => Capacity = capacity;

    /// <summary>Format 1 logs never wrap: positions are file offsets.</summary>
    public static LogRing Unbounded => new(long.MaxValue - LogLayout.DataStart);

    public long Capacity { get; }

    /// <summary>The file offset of <paramref name="position"/>.</summary>
    public long Physical(long position) => LogLayout.DataStart + (position - LogLayout.DataStart) % Capacity;

    /// <summary>Bytes from <paramref name="position"/> to the end of its lap.</summary>
    public long RoomBeforeEnd(long position) => Capacity - (position - LogLayout.DataStart) % Capacity;

    /// <summary>The first position of the lap after the one <paramref name="position"/> is in.</summary>
    public long NextLap(long position) => position + RoomBeforeEnd(position);

    /// <summary>The capacity a log of <paramref name="maxLength"/> bytes has: the record area, whole records' alignment.</summary>
    public static long CapacityFor(long maxLength) => (maxLength - LogLayout.DataStart) & ~(long)(LogLayout.Alignment - 1);
}
