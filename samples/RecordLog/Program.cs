// RecordLog: an append-only, crash-consistent record log (PmdkSharp's PmemLog) behind a small HTTP API.
//   POST /records           body = the record's bytes   -> 201 {"position":N,...} once the record is durable
//   GET  /records/{p}       the bytes of the record at position p, 404 when no record starts there
//   GET  /status            committed end, record count, file length, backend and where libpmem came from
//   GET  /metrics           the PmdkSharp meter's instruments (and this service's own), as text
//   GET  /health            PmdkSharp's health check (backend, libpmem's source; the log's records, end, room, last verification)
// Settings (appsettings.json, environment Pmem__Logs__records__Path, or --Pmem:Logs:records:Path=...):
//   Pmem:Logs:records:{Path, Length, MaxLength, Prefault, DegradedBelowFreeBytes}: the log, through
//   PmdkSharp.Extensions.Hosting (validated at start; the host opens and verifies it before serving, disposes it once stopped);
//   RecordLog:AddressFile (the bound address is written there)
using System;
using System.IO;
using System.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PmdkSharp;
using PmdkSharp.Extensions.Hosting;
using PmdkSharp.Log;
using RecordLog;

// appsettings.json is read from beside the app, wherever it is started from.
WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddSingleton<MetricsExporter>();
builder.Services.AddPmemLogs(builder.Configuration.GetSection("Pmem"));
builder.Services.AddSingleton(services =>
{
    var log = new RecordLogFile(services.GetRequiredKeyedService<PmemLog>("records"));
    services.GetRequiredService<ILogger<RecordLogFile>>().LogInformation(
        "Serving {Path}: {Count} records, committed end {End}, {Length} bytes mapped, created by {CreatedBy}; {Diagnostics}",
        log.Log.Path, log.Count, log.Log.End, log.Log.Length, log.Log.CreatedBy, PmemRuntime.GetDiagnostics());
    return log;
});
builder.Services.AddHealthChecks().AddPmem();

WebApplication app = builder.Build();
RecordLogFile log = app.Services.GetRequiredService<RecordLogFile>(); // over the log the host opened and verified before it serves
MetricsExporter metrics = app.Services.GetRequiredService<MetricsExporter>();

app.MapPost("/records", async (HttpRequest request) =>
{
    using var body = new MemoryStream();
    await request.Body.CopyToAsync(body);
    if (body.Length == 0)
        return Results.BadRequest("a record needs at least one byte");
    long position = log.Append(body.GetBuffer().AsSpan(0, (int)body.Length)).Offset;
    metrics.RecordAppended(body.Length);
    return Results.Json(new { position }, statusCode: StatusCodes.Status201Created);
});

app.MapGet("/records/{position:long}", (long position) =>
    log.Read(position) is { } payload ? Results.Bytes(payload, "application/octet-stream") : Results.NotFound());

app.MapGet("/status", () =>
{
    PmemDiagnostics d = PmemRuntime.GetDiagnostics();
    return Results.Json(new
    {
        count = log.Count,
        end = log.Log.End.Offset,
        fileLength = log.Log.Length,
        maxLength = log.Log.MaxLength,
        backend = log.Log.Backend.ToString(),
        persistentMemory = log.Log.IsPersistentMemory,
        createdBy = log.Log.CreatedBy,
        libpmemSource = d.LibpmemSource.ToString(),
        libpmemPath = d.LibpmemPath,
        reason = d.Reason,
    });
});

app.MapGet("/metrics", () => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));
app.MapHealthChecks("/health");

app.Lifetime.ApplicationStarted.Register(() =>
{
    string[] addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
    app.Logger.LogInformation("Listening on {Addresses}", string.Join(", ", addresses));
    if (app.Configuration["RecordLog:AddressFile"] is { Length: > 0 } addressFile)
        File.WriteAllText(addressFile, addresses.FirstOrDefault() ?? "");
});

app.Run();
