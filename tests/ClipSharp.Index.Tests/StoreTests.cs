using Microsoft.Data.Sqlite;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The SQLite store: WAL, schema version, upserts keyed by path, atomic batches, failures.</summary>
public sealed class StoreTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static IndexedFile File(string path, float value, string key = "m|p") => new()
    {
        Path = path,
        Size = 10,
        ModifiedUtc = new DateTime(2024, 5, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1234567),
        Sha256 = "sha-" + path,
        Width = 4,
        Height = 3,
        TakenAt = new DateTime(2020, 1, 2, 3, 4, 5),
        VectorKey = key,
        Embedding = [value, 1 - value],
    };

    [Fact]
    public async Task A_new_store_is_in_wal_mode_with_the_current_schema_version()
    {
        await using (var store = SqliteIndexStore.Open(_temp.Sub("idx")))
        {
            await store.SetMetadataAsync(new IndexMetadata("model", "pre", 2, "/models/x"));
            var meta = await store.GetMetadataAsync();
            Assert.Equal(new IndexMetadata("model", "pre", 2, "/models/x"), meta);
            Assert.Equal(SqliteIndexStore.SchemaVersion, meta!.SchemaVersion);
        }

        using var connection = new SqliteConnection($"Data Source={_temp.Sub("idx", "index.db")}");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }

    [Fact]
    public async Task An_index_from_a_newer_schema_is_refused()
    {
        await (await Task.FromResult(SqliteIndexStore.Open(_temp.Sub("idx")))).DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={_temp.Sub("idx", "index.db")};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "UPDATE meta SET value = '99' WHERE key = 'schema_version'";
            cmd.ExecuteNonQuery();
        }

        var ex = Assert.Throws<ClipSharpException>(() => SqliteIndexStore.Open(_temp.Sub("idx")));
        Assert.Contains("schema version 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upserts_are_keyed_by_path_and_keep_the_id_and_round_trip_every_field()
    {
        await using var store = SqliteIndexStore.Open(_temp.Sub("idx"));
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.25f));
        await store.CommitAsync(batch);
        var first = await store.GetByPathAsync("/a.jpg", true);

        batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.75f));
        await store.CommitAsync(batch);
        var second = await store.GetByPathAsync("/a.jpg", true);

        Assert.Equal(first!.Id, second!.Id);
        Assert.Equal(File("/a.jpg", 0.75f) with { Id = first.Id, Embedding = second.Embedding }, second);
        Assert.Equal([0.75f, 0.25f], second.Embedding!);
        Assert.Equal(1, (await store.GetCountsAsync()).Files);
        Assert.Single(await store.GetBySha256Async("sha-/a.jpg"));
        var byId = await store.GetByIdAsync(second.Id, true);
        Assert.Equal(second.Embedding, byId!.Embedding);
        Assert.Equal(second, byId with { Embedding = second.Embedding });
        Assert.Null(await store.GetByIdAsync(second.Id + 1, false));
    }

    [Fact]
    public async Task A_batch_that_fails_midway_leaves_nothing_behind()
    {
        await using var store = SqliteIndexStore.Open(_temp.Sub("idx"));
        long generation = await store.GetGenerationAsync();
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.1f));
        batch.Upserts.Add(File("/b.jpg", 0.1f) with { Embedding = null });

        await Assert.ThrowsAsync<ArgumentException>(() => store.CommitAsync(batch));

        Assert.Equal(0, (await store.GetCountsAsync()).Files);
        Assert.Equal(generation, await store.GetGenerationAsync());
    }

    [Fact]
    public async Task A_failure_replaces_a_record_and_a_later_success_clears_the_failure()
    {
        await using var store = SqliteIndexStore.Open(_temp.Sub("idx"));
        var batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.1f));
        await store.CommitAsync(batch);

        batch = new IndexBatch();
        batch.Failures.Add(new IndexFailure("/a.jpg", "corrupt image: truncated", 10, DateTime.UnixEpoch, "m|p"));
        await store.CommitAsync(batch);
        Assert.Null(await store.GetByPathAsync("/a.jpg", false));
        Assert.Equal(new IndexCounts(0, 0, 0, 1), await store.GetCountsAsync());

        batch = new IndexBatch();
        batch.Upserts.Add(File("/a.jpg", 0.1f));
        await store.CommitAsync(batch);
        Assert.Equal(1, (await store.GetCountsAsync()).Files);
        Assert.Equal(0, (await store.GetCountsAsync()).Failed);

        batch = new IndexBatch();
        batch.Deletes.Add("/a.jpg");
        await store.CommitAsync(batch);
        Assert.Equal(new IndexCounts(0, 0, 0, 0), await store.GetCountsAsync());
    }

    [Fact]
    public void The_default_index_folder_follows_xdg_data_home()
    {
        string? saved = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", "/data/home");
            Assert.Equal("/data/home/clipsharp/indexes/default", PhotoIndex.DefaultFolder);
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", null);
            Assert.EndsWith("/.local/share/clipsharp/indexes/default", PhotoIndex.DefaultFolder, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", saved);
        }
    }
}
