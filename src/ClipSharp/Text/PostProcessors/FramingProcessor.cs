namespace ClipSharp.Text.PostProcessors;

/// <summary><c>RobertaProcessing</c> and <c>BertProcessing</c> on a single text: the classifier token, the ids, the separator.</summary>
internal sealed class FramingProcessor(int clsId, int sepId) : PostProcessor
{
    public override int AddedCount => 2;

    public override (List<int> Ids, List<int> TypeIds) Process(List<int> ids, List<int> typeIds)
    {
        var outIds = new List<int>(ids.Count + 2) { clsId };
        outIds.AddRange(ids);
        outIds.Add(sepId);
        var outTypes = new List<int>(outIds.Count);
        outTypes.AddRange(Enumerable.Repeat(0, outIds.Count));
        return (outIds, outTypes);
    }
}
