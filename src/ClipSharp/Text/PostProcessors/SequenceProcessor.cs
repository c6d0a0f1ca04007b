namespace ClipSharp.Text.PostProcessors;

/// <summary><c>Sequence</c>: the post-processors applied in order (and, empty, the ids-neutral <c>ByteLevel</c> one).</summary>
internal sealed class SequenceProcessor(IReadOnlyList<PostProcessor> processors) : PostProcessor
{
    public override int AddedCount => processors.Sum(p => p.AddedCount);

    public override (List<int> Ids, List<int> TypeIds) Process(List<int> ids, List<int> typeIds)
    {
        foreach (PostProcessor p in processors)
        {
            (ids, typeIds) = p.Process(ids, typeIds);
        }

        return (ids, typeIds);
    }
}
