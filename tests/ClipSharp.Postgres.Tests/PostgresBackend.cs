using ClipSharp.Index;
using ClipSharp.Index.Tests;
using Npgsql;
using Xunit;

namespace ClipSharp.Postgres.Tests;

/// <summary>
/// The test server: $CLIPSHARP_TEST_POSTGRES. Unset: the test skips (locally) or fails (CI=true). Set but not
/// answering (start-up is waited for, with retries, for up to a minute): fails with a message that says so.
/// </summary>
internal static class TestServer
{
    public const string Variable = "CLIPSHARP_TEST_POSTGRES";
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static bool s_reachable;
    private static Exception? s_unreachable;

    public static async Task<string> RequireAsync()
    {
        string? cs = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(cs))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"CI=true but {Variable} is not set: start PostgreSQL + pgvector with `eval \"$(bash .ci/start-postgres)\"` first.");
            }

            Skip.If(true, $"{Variable} is not set: run `eval \"$(bash .ci/start-postgres 54341)\"` to test the Postgres backend.");
        }

        await s_gate.WaitAsync();
        try
        {
            if (s_unreachable is not null)
            {
                // Waited for once already: every other test fails at once with the same message.
                throw new InvalidOperationException(s_unreachable.Message, s_unreachable);
            }

            if (!s_reachable)
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (true)
                {
                    try
                    {
                        await using var connection = new NpgsqlConnection(cs);
                        await connection.OpenAsync();
                        await using var cmd = new NpgsqlCommand("SELECT extversion FROM pg_extension WHERE extname = 'vector' UNION ALL SELECT '' LIMIT 1", connection);
                        await cmd.ExecuteScalarAsync();
                        s_reachable = true;
                        break;
                    }
                    catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
                    {
                        if (DateTime.UtcNow > deadline)
                        {
                            s_unreachable = new InvalidOperationException($"the PostgreSQL test server ({Variable}) does not answer after 60 s: {ex.Message}", ex);
                            throw s_unreachable;
                        }

                        await Task.Delay(1000);
                    }
                }
            }
        }
        finally
        {
            s_gate.Release();
        }

        return cs!;
    }
}

/// <summary>The PostgreSQL backend: each index its own schema (random prefix), dropped on dispose.</summary>
public sealed class PostgresBackend : IndexBackend
{
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..12];
    private readonly HashSet<string> _schemas = [];
    private string? _connectionString;

    /// <summary>Options for every index this backend opens (schema and threshold aside).</summary>
    public PostgresStoreOptions? Template { get; init; }

    /// <inheritdoc/>
    public override string Name => "postgres";

    /// <summary>The schema of the index called <paramref name="name"/>.</summary>
    public string SchemaOf(string name) => _prefix + "_" + name;

    /// <inheritdoc/>
    public override async Task<IPhotoIndex> OpenAsync(string name = "index", int? hnswThreshold = null)
        => await OpenPostgresAsync(name, hnswThreshold);

    /// <summary>Opens the index called <paramref name="name"/> as its concrete type.</summary>
    public async Task<PostgresPhotoIndex> OpenPostgresAsync(string name = "index", int? hnswThreshold = null)
    {
        _connectionString ??= await TestServer.RequireAsync();
        var options = (Template ?? PostgresStoreOptions.Parse(_connectionString)) with { Schema = SchemaOf(name) };
        if (hnswThreshold is { } t)
        {
            options = options with { HnswThreshold = t };
        }

        lock (_schemas)
        {
            _schemas.Add(options.Schema);
        }

        return await PostgresPhotoIndex.OpenAsync(options);
    }

    /// <inheritdoc/>
    public override string StoreString(string name)
    {
        _connectionString ??= TestServer.RequireAsync().GetAwaiter().GetResult();
        lock (_schemas)
        {
            _schemas.Add(SchemaOf(name));
        }

        return _connectionString + ";Schema=" + SchemaOf(name);
    }

    /// <inheritdoc/>
    public override SearchMethod LastMethod(IPhotoIndex index) => ((PostgresPhotoIndex)index).LastMethod;

    /// <inheritdoc/>
    public override async Task<string> CheckIntegrityAsync(IPhotoIndex index)
    {
        var pg = (PostgresPhotoIndex)index;
        await using var connection = await pg.Store.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) - count(DISTINCT path) FROM {pg.Store.Schema}.files", connection);
        long duplicates = (long)(await cmd.ExecuteScalarAsync())!;
        return duplicates == 0 ? "ok" : $"{duplicates} duplicate paths";
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (_connectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        foreach (string schema in _schemas)
        {
            await using var cmd = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
