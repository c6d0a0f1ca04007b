using ClipSharp.Index;
using ClipSharp.Index.Tests;
using Npgsql;
using Xunit;

namespace ClipSharp.Postgres.Tests;

/// <summary>What only the Postgres backend has: store strings, schema versions, halfvec, HNSW settings, widths.</summary>
/// <summary>
/// Runs alone: on PGlite every connection shares one backend, so another test's pooled connection being reset
/// (DISCARD ALL) would drop this class's server-side prepared statements mid-test.
/// </summary>
[CollectionDefinition(nameof(PostgresStoreTests), DisableParallelization = true)]
[Collection(nameof(PostgresStoreTests))]
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly PostgresBackend _backend = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public void StoreString_UrlOrConnectionString_ParsesSettingsAndRedactsThePassword()
    {
        var url = PostgresStoreOptions.Parse("postgres://me:s%40cret@db.example:6543/photos?schema=team_a&vector=halfvec&hnsw_m=24&hnsw_ef_construction=100&hnsw_ef_search=80&hnsw_threshold=5&sslmode=disable");
        var b = new NpgsqlConnectionStringBuilder(url.ConnectionString);
        Assert.Equal(("db.example", 6543, "photos", "me", "s@cret", SslMode.Disable), (b.Host, b.Port, b.Database, b.Username, b.Password, b.SslMode));
        Assert.Equal(("team_a", PostgresVectorType.HalfVec, 24, 100, 80, 5), (url.Schema, url.VectorType, url.HnswM, url.HnswEfConstruction, url.HnswEfSearch, url.HnswThreshold));
        Assert.Equal("postgres://me@db.example:6543/photos (schema team_a)", url.DisplayName);

        var kv = PostgresStoreOptions.Parse("Host=h;Database=d;Username=u;Password=p;Schema=s1;Vector Type=vector;HNSW M=8");
        Assert.Equal(("s1", PostgresVectorType.Vector, 8), (kv.Schema, kv.VectorType, kv.HnswM));
        Assert.Equal("h", new NpgsqlConnectionStringBuilder(kv.ConnectionString).Host);
        Assert.Equal("clipsharp", PostgresStoreOptions.Parse("postgresql://h/d").Schema);

        Assert.True(IndexStoreFactory.IsPostgres("postgres://h/d"));
        Assert.True(IndexStoreFactory.IsPostgres("Host=h;Database=d"));
        Assert.False(IndexStoreFactory.IsPostgres("/home/me/.local/share/clipsharp/indexes/default"));
        Assert.Throws<ClipSharpException>(() => PostgresStoreOptions.Parse("postgres://h/d?schema=Bad-Name"));
        Assert.Throws<ClipSharpException>(() => PostgresStoreOptions.Parse("postgres://h/d?vector=float8"));
        Assert.DoesNotContain("cret", PostgresStoreOptions.Redact("postgres://me:s3cret@h/d"), StringComparison.Ordinal);
        Assert.DoesNotContain("cret", PostgresStoreOptions.Redact("Host=h;Password=s3cret;Database=d"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task IndexStoreFactory_FolderOrPostgresString_OpensTheBackendItNames()
    {
        await using var folder = await IndexStoreFactory.OpenAsync(new SqliteBackend().StoreString("x"));
        Assert.IsType<PhotoIndex>(folder);
        await using var pg = await IndexStoreFactory.OpenAsync(_backend.StoreString("factory"));
        Assert.IsType<PostgresPhotoIndex>(pg);
        Assert.Contains("schema " + _backend.SchemaOf("factory"), pg.Location, StringComparison.Ordinal);
        Assert.True(await pg.GetStorageBytesAsync() > 0);
    }

    [SkippableFact]
    public async Task Open_SchemaFromANewerClipSharp_IsRefused()
    {
        await using (var index = await _backend.OpenPostgresAsync())
        {
            await Exec(index, $"UPDATE {index.Store.Schema}.meta SET value = '99' WHERE key = 'schema_version'");
        }

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => _backend.OpenPostgresAsync());
        Assert.Contains("schema version 99", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task HalfVecStore_ConfiguredHnswSettings_StoresHalfPrecisionAndSearchesItsOwnHnswIndex()
    {
        string cs = await TestServer.RequireAsync();
        var halfvec = new PostgresBackend
        {
            Template = PostgresStoreOptions.Parse(cs) with { VectorType = PostgresVectorType.HalfVec, HnswM = 12, HnswEfConstruction = 48 },
        };
        await using var _ = halfvec;
        await using var index = await halfvec.OpenPostgresAsync(hnswThreshold: 50);
        const int Dim = 32, N = 120;
        float[] m = TestVectors.ClusteredMatrix(N, Dim, 6, seed: 3);
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", Dim));
        var batch = new IndexBatch();
        for (int i = 0; i < N; i++)
        {
            batch.Upserts.Add(new IndexedFile { Path = $"/h/{i:D3}.jpg", Sha256 = i.ToString(System.Globalization.CultureInfo.InvariantCulture), VectorKey = "m|p", Embedding = m.AsSpan(i * Dim, Dim).ToArray() });
        }

        await index.Store.CommitAsync(batch);
        var stored = await index.Store.GetByPathAsync("/h/007.jpg", true);
        for (int d = 0; d < Dim; d++)
        {
            Assert.True(Math.Abs(stored!.Embedding![d] - m[(7 * Dim) + d]) <= 1e-3f);
        }

        Assert.Equal("halfvec(32)", await Scalar(index, $"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '{index.Store.Schema}.files'::regclass AND attname = 'embedding'"));
        await index.PrepareAsync();
        Assert.True(await index.HasHnswIndexAsync());
        string definition = await Scalar(index, $"SELECT indexdef FROM pg_indexes WHERE schemaname = '{index.Store.Options.Schema}' AND indexname = '{PostgresIndexStore.HnswIndexName}'");
        Assert.Contains("halfvec_cosine_ops", definition, StringComparison.Ordinal);
        Assert.Contains("m='12'", definition, StringComparison.Ordinal);
        Assert.Contains("ef_construction='48'", definition, StringComparison.Ordinal);

        var hits = await index.SearchAsync(stored!.Embedding, new SearchOptions { Limit = 5 });
        Assert.Equal(SearchMethod.Hnsw, index.LastMethod);
        Assert.Equal("/h/007.jpg", hits[0].Path);
        Assert.True(hits[0].Score > 0.999f);
    }

    [SkippableFact]
    public async Task Store_ModelOfAnotherWidth_KeepsOldFilesListedAndSearchableOnceReEmbedded()
    {
        await using var index = await _backend.OpenPostgresAsync(hnswThreshold: 1);
        await index.Store.SetMetadataAsync(new IndexMetadata("m1", "p", 2));
        var batch = new IndexBatch();
        batch.Upserts.Add(new IndexedFile { Path = "/a.jpg", Sha256 = "a", VectorKey = "m1|p", Embedding = [1, 0] });
        await index.Store.CommitAsync(batch);
        await index.PrepareAsync();
        Assert.True(await index.HasHnswIndexAsync());

        await index.Store.SetMetadataAsync(new IndexMetadata("m2", "p", 3));
        Assert.False(await index.HasHnswIndexAsync());
        Assert.Equal(new IndexCounts(1, 0, 1, 0), await index.Store.GetCountsAsync());
        batch = new IndexBatch();
        batch.Upserts.Add(new IndexedFile { Path = "/b.jpg", Sha256 = "b", VectorKey = "m2|p", Embedding = [0, 1, 0] });
        await index.Store.CommitAsync(batch);
        Assert.Equal(["/b.jpg"], (await index.SearchAsync(new float[] { 0, 1, 0 }, new SearchOptions())).Select(h => h.Path));

        batch = new IndexBatch();
        batch.Upserts.Add(new IndexedFile { Path = "/a.jpg", Sha256 = "a", VectorKey = "m2|p", Embedding = [1, 0, 0] });
        await index.Store.CommitAsync(batch);
        await index.PrepareAsync();
        Assert.True(await index.HasHnswIndexAsync());
        Assert.Equal(["/a.jpg", "/b.jpg"], (await index.SearchAsync(new float[] { 1, 0.1f, 0 }, new SearchOptions())).Select(h => h.Path));
    }

    [SkippableFact]
    public async Task Commit_ServerSidePreparedStatements_UpsertsIdempotently()
    {
        // PGlite shares one backend between connections, so prepared statements are tested through a pool of one.
        string cs = await TestServer.RequireAsync();
        var options = PostgresStoreOptions.Parse(cs);
        var prepared = new PostgresBackend
        {
            Template = options with
            {
                PrepareStatements = true,
                ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { MaxPoolSize = 1 }.ConnectionString,
            },
        };
        await using var _ = prepared;
        await using var index = await prepared.OpenPostgresAsync();
        Assert.True(index.Store.Options.PrepareStatements);
        await index.Store.SetMetadataAsync(new IndexMetadata("m", "p", 2));
        for (int round = 0; round < 3; round++)
        {
            var batch = new IndexBatch();
            batch.Upserts.AddRange(Enumerable.Range(0, 40).Select(i => StoreConformanceTests.File($"/p/{i:D2}.jpg", (i + round) / 100f)));
            batch.Failures.Add(new IndexFailure($"/p/bad{round}.jpg", "corrupt image: x", 1, DateTime.UnixEpoch, "m|p"));
            batch.Deletes.Add("/p/39.jpg");
            await index.Store.CommitAsync(batch);
        }

        Assert.Equal(new IndexCounts(39, 39, 0, 3), await index.Store.GetCountsAsync());
        Assert.Equal(StoreConformanceTests.File("/p/00.jpg", 2 / 100f).Embedding!, (await index.Store.GetByPathAsync("/p/00.jpg", true))!.Embedding!);
    }

    private static async Task Exec(PostgresPhotoIndex index, string sql)
    {
        await using var connection = await index.Store.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> Scalar(PostgresPhotoIndex index, string sql)
    {
        await using var connection = await index.Store.DataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
