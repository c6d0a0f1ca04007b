using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>
/// A real index (<see cref="TestIndex"/>) of the shared test photos (ids 1…N in labels.csv order), each with the fake backend's
/// embedding of its label, so a text query naming the label finds the photo first.
/// </summary>
internal static class PhotoLibrary
{
    public static string Folder => TestData.Path("photos");

    public static IReadOnlyList<(string File, string Label)> Labels()
    {
        var rows = new List<(string, string)>();
        foreach (string line in File.ReadLines(Path.Combine(Folder, "labels.csv")).Skip(1))
        {
            string[] parts = line.Split(',');
            rows.Add((parts[0], parts[1]));
        }

        return rows;
    }

    public static Task<TestIndex> CreateAsync()
        => TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, Labels().Select((row, i) =>
        {
            long id = i + 1;
            DateTime? taken = id % 2 == 0 ? new DateTime(2020, 1, 1).AddDays(id) : null;
            return new TestIndexFile(Path.Combine(Folder, row.File), FakeClipEmbedder.TextVector(row.Label), taken);
        }));

    public static long IdOf(string file)
    {
        var labels = Labels();
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i].File == file)
            {
                return i + 1;
            }
        }

        throw new ArgumentException(file);
    }
}
