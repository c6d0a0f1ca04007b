using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ClipSharp.Index;

/// <summary>Converts a float32 SQLite index to float16 in place (<see cref="SqliteIndexStore.Open"/> with <see cref="VectorPrecision.Float16"/>).</summary>
internal static class SqliteFloat16Conversion
{
    /// <summary>
    /// Rounds every stored vector to float16 in one transaction (a crash leaves the float32 index as it was), marks
    /// every row as rewritten so derived search structures are rebuilt, then compacts the file. Returns how many
    /// vectors it converted.
    /// </summary>
    public static long Convert(SqliteConnection connection, string folder)
    {
        long converted = 0;
        using (var tx = connection.BeginTransaction())
        {
            long generation = SqliteStatements.BumpGeneration(connection, tx);

            // Pages by id, so neither the whole table nor a cursor over rows being rewritten is held.
            using var read = connection.CreateCommand();
            read.Transaction = tx;
            read.CommandText = "SELECT id, path, embedding FROM files WHERE id > $after ORDER BY id LIMIT 4096";
            var pAfter = read.Parameters.Add("$after", SqliteType.Integer);
            using var write = connection.CreateCommand();
            write.Transaction = tx;
            write.CommandText = "UPDATE files SET embedding = $e, gen = $g WHERE id = $id";
            var pEmb = write.Parameters.Add("$e", SqliteType.Blob);
            var pId = write.Parameters.Add("$id", SqliteType.Integer);
            write.Parameters.AddWithValue("$g", generation);
            var page = new List<(long Id, byte[] Blob)>();
            long after = long.MinValue;
            do
            {
                page.Clear();
                pAfter.Value = after;
                using (var reader = read.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        byte[] blob = (byte[])reader.GetValue(2);
                        if (blob.Length % sizeof(float) != 0)
                        {
                            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the vector of {reader.GetString(1)} has {blob.Length} bytes, not a float32 vector", folder);
                        }

                        page.Add((reader.GetInt64(0), StoredVectorCodec.EncodeFloat16(MemoryMarshal.Cast<byte, float>(blob))));
                    }
                }

                foreach (var (id, blob) in page)
                {
                    pId.Value = id;
                    pEmb.Value = blob;
                    write.ExecuteNonQuery();
                    after = id;
                    converted++;
                }
            }
            while (page.Count > 0);

            SqliteSchema.WritePrecision(connection, tx, VectorPrecision.Float16);
            tx.Commit();
        }

        // The rewritten pages are free space until the file is rebuilt. Best effort: another process reading the index
        // at this moment makes VACUUM fail, and then later writes reuse the free pages instead.
        try
        {
            SqliteStatements.Execute(connection, "VACUUM");
        }
        catch (SqliteException)
        {
        }

        return converted;
    }
}
