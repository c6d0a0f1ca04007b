using Xunit.Abstractions;

namespace ClipSharp.Index.Tests;

/// <summary>kill -9 against the embedded SQLite store.</summary>
public sealed class SqliteCrashConformanceTests(ITestOutputHelper output) : CrashConformanceTests(output)
{
    protected override IndexBackend CreateBackend() => new SqliteBackend();
}

/// <summary>The indexer on the embedded SQLite store.</summary>
public sealed class SqliteIndexingConformanceTests : IndexingConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend();
}

/// <summary>Search on the embedded index.</summary>
public sealed class SqliteSearchConformanceTests : SearchConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend();
}

/// <summary>The store contract on the embedded SQLite store.</summary>
public sealed class SqliteStoreConformanceTests : StoreConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend();
}
