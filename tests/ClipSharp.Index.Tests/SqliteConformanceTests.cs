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

/// <summary>The store contract on an embedded index that stores float16 vectors.</summary>
public sealed class SqliteFloat16StoreConformanceTests : StoreConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend(VectorPrecision.Float16);
}

/// <summary>The indexer on an embedded index that stores float16 vectors.</summary>
public sealed class SqliteFloat16IndexingConformanceTests : IndexingConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend(VectorPrecision.Float16);
}

/// <summary>Search on an embedded index that stores float16 vectors: exact against the rounded vectors.</summary>
public sealed class SqliteFloat16SearchConformanceTests : SearchConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend(VectorPrecision.Float16);
}

/// <summary>The model id (content only, and the upgrade from the previous release's id) on the embedded SQLite store.</summary>
public sealed class SqliteModelIdentityConformanceTests : ModelIdentityConformanceTests
{
    protected override IndexBackend CreateBackend() => new SqliteBackend();
}
