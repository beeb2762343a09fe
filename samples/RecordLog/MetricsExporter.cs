using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Linq;
using System.Text;
using PmdkSharp;

namespace RecordLog;

/// <summary>
/// Listens to the PmdkSharp meter (and this service's own) with a MeterListener and renders
/// running totals in Prometheus' text format: counters and up-down counters as sums, histograms
/// as count and sum. Enough for a sample; a real service would use OpenTelemetry's exporter.
/// </summary>
public sealed class MetricsExporter : IDisposable
{
    private const string ServiceMeterName = "RecordLog";
    private readonly MeterListener listener = new();
    private readonly Meter serviceMeter = new(ServiceMeterName);
    private readonly Counter<long> appends;
    private readonly Counter<long> appendedBytes;
    private readonly object gate = new();
    private readonly Dictionary<string, (Instrument Instrument, double Value, long Count)> totals = new();

    public MetricsExporter()
    {
        appends = serviceMeter.CreateCounter<long>("recordlog.appends", "{record}", "Records appended and acknowledged.");
        appendedBytes = serviceMeter.CreateCounter<long>("recordlog.appended.bytes", "By", "Payload bytes appended.");
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name is PmemMetrics.MeterName or ServiceMeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument, value));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => Add(instrument, value));
        listener.Start();
    }

    public void RecordAppended(long bytes)
    {
        appends.Add(1);
        appendedBytes.Add(bytes);
    }

    private void Add(Instrument instrument, double value)
    {
        lock (gate)
        {
            bool observable = instrument.GetType().Name.StartsWith("Observable", StringComparison.Ordinal);
            (Instrument _, double sum, long count) = totals.GetValueOrDefault(instrument.Name);
            // Observable instruments report their current value on each collection: keep the latest, not a sum.
            totals[instrument.Name] = (instrument, observable ? value : sum + value, count + 1);
        }
    }

    public string Render()
    {
        listener.RecordObservableInstruments();
        var text = new StringBuilder();
        lock (gate)
        {
            foreach ((string name, (Instrument instrument, double value, long count)) in totals.OrderBy(t => t.Key))
            {
                string metric = name.Replace('.', '_');
                text.Append(CultureInfo.InvariantCulture, $"# HELP {metric} {instrument.Description} ({instrument.Unit})\n");
                if (instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal))
                {
                    text.Append(CultureInfo.InvariantCulture, $"# TYPE {metric} summary\n{metric}_sum {value}\n{metric}_count {count}\n");
                }
                else
                {
                    string type = instrument.GetType().Name.Contains("UpDown", StringComparison.Ordinal) ? "gauge" : "counter";
                    text.Append(CultureInfo.InvariantCulture, $"# TYPE {metric} {type}\n{metric} {value}\n");
                }
            }
        }
        return text.ToString();
    }

    public void Dispose()
    {
        listener.Dispose();
        serviceMeter.Dispose();
    }
}
