namespace ClipSharp;

/// <summary>One batch of the <see cref="ImageFilePipeline"/>: paths, their preprocessed pixels and their errors.</summary>
internal sealed class ImageFileBatch(int capacity, int per)
{
    public string[] Paths { get; } = new string[capacity];

    /// <summary>[capacity, 3, S, S] model input; row i belongs to <see cref="Paths"/>[i] until <see cref="Compact"/>.</summary>
    public float[] Pixels { get; } = new float[capacity * per];

    public ClipSharpException?[] Errors { get; } = new ClipSharpException?[capacity];

    public int Count { get; set; }

    /// <summary>Moves the good images' pixels to the front so one inference call covers them; returns their number.</summary>
    public int Compact(int per)
    {
        int good = 0;
        for (int i = 0; i < Count; i++)
        {
            if (Errors[i] is null)
            {
                if (good != i)
                {
                    Pixels.AsSpan(i * per, per).CopyTo(Pixels.AsSpan(good * per, per));
                }

                good++;
            }
        }

        return good;
    }
}
