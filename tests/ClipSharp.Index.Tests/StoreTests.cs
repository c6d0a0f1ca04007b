using ClipSharp.Tests;
using Microsoft.Data.Sqlite;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The SQLite store's own properties: WAL, schema version, default folder (the contract is in the conformance suite).</summary>
public sealed class StoreTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task NewStore_Created_IsWalModeFloat32AtSchemaVersion1()
    {
        await using (var store = SqliteIndexStore.Open(_temp.Sub("idx")))
        {
            await store.SetMetadataAsync(new IndexMetadata("model", "pre", 2, "/models/x"));
            var meta = await store.GetMetadataAsync();
            Assert.Equal(new IndexMetadata("model", "pre", 2, "/models/x") { SchemaVersion = 1 }, meta);
            Assert.Equal(VectorPrecision.Float32, store.Precision);
        }

        using var connection = new SqliteConnection($"Data Source={_temp.Sub("idx", "index.db")}");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }

    [Fact]
    public async Task Open_IndexFromANewerSchema_IsRefused()
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
    public void DefaultFolder_XdgDataHomeSetOrUnset_FollowsIt()
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
