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
/// kill -9 against PostgreSQL: as many kills, in a wider window (commits through the one shared PGlite backend are slower),
/// with a slower fake model so ten runs do not finish the folder before the ten kills.
/// </summary>
public sealed class PostgresCrashConformanceTests(ITestOutputHelper output) : CrashConformanceTests(output)
{
    protected override (int Min, int Max) KillWindowMs => (800, 3000);

    protected override int DelayMsPerImage => 60;

    protected override IndexBackend CreateBackend() => new PostgresBackend();
}
