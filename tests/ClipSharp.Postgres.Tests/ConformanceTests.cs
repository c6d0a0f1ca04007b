using ClipSharp.Index.Tests;
using Xunit.Abstractions;

namespace ClipSharp.Postgres.Tests;

/// <summary>The store contract on PostgreSQL.</summary>
public sealed class PostgresStoreConformanceTests : StoreConformanceTests
{
    protected override IndexBackend CreateBackend() => new PostgresBackend();
}

/// <summary>The indexer on PostgreSQL.</summary>
public sealed class PostgresIndexingConformanceTests : IndexingConformanceTests
{
    protected override IndexBackend CreateBackend() => new PostgresBackend();
}

/// <summary>Search and duplicates on PostgreSQL.</summary>
public sealed class PostgresSearchConformanceTests : SearchConformanceTests
{
    protected override IndexBackend CreateBackend() => new PostgresBackend();
}

/// <summary>
/// kill -9 against PostgreSQL: as many kills, with a slower fake model (commits through the one shared PGlite backend
/// are slower) so ten runs do not finish the folder before the ten kills.
/// </summary>
public sealed class PostgresCrashConformanceTests(ITestOutputHelper output) : CrashConformanceTests(output)
{
    protected override int DelayMsPerImage => 60;

    protected override IndexBackend CreateBackend() => new PostgresBackend();

    /// <summary>
    /// PGlite serves every connection from one shared backend; when a client is SIGKILLed inside a transaction, the
    /// server can stay inside that transaction and every other connection waits forever (seen in CI). A real
    /// PostgreSQL server rolls the dead session back, which is what this test is about, so it runs against real
    /// servers and, on PGlite, only when CLIPSHARP_TEST_PGLITE_KILLS=1 asks for it.
    /// </summary>
    protected override async Task<string?> SkipReasonAsync()
    {
        string connection = await TestServer.RequireAsync();
        await using var source = Npgsql.NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand("SELECT version()");
        string version = await command.ExecuteScalarAsync() as string ?? "";
        return version.Contains("PGlite", StringComparison.Ordinal) && Environment.GetEnvironmentVariable("CLIPSHARP_TEST_PGLITE_KILLS") != "1"
            ? "kill -9 mid-transaction can wedge PGlite's single shared backend; run against a real PostgreSQL server (or set CLIPSHARP_TEST_PGLITE_KILLS=1)"
            : null;
    }
}

/// <summary>The model id (content only, and the upgrade from the previous release's id) on PostgreSQL.</summary>
public sealed class PostgresModelIdentityConformanceTests : ModelIdentityConformanceTests
{
    protected override IndexBackend CreateBackend() => new PostgresBackend();
}
