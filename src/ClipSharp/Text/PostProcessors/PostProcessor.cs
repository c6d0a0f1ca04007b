using System.Text.Json;

namespace ClipSharp.Text.PostProcessors;

/// <summary>
/// The <c>post_processor</c> of a <c>tokenizer.json</c>: frames the ids of one text with special tokens (and gives
/// each id a type id). Only single texts are encoded, so only the single-text part of a template is used.
/// </summary>
internal abstract class PostProcessor
{
    /// <summary>How many ids <see cref="Process"/> adds to a single text (truncation keeps room for them).</summary>
    public abstract int AddedCount { get; }

    /// <summary>The framed ids and their type ids.</summary>
    public abstract (List<int> Ids, List<int> TypeIds) Process(List<int> ids, List<int> typeIds);

    /// <summary>Builds the post-processor a <c>tokenizer.json</c> object describes.</summary>
    /// <exception cref="ClipSharpException">The type is unknown or a field is malformed; the message names both and the file.</exception>
    public static PostProcessor Create(TokenizerJsonNode node) => node.Type switch
    {
        "TemplateProcessing" => TemplateProcessor.FromNode(node),
        "RobertaProcessing" or "BertProcessing" => new FramingProcessor(TokenId(node, "cls"), TokenId(node, "sep")),
        "ByteLevel" => new SequenceProcessor([]), // trims offsets only; ids are unchanged
        "Sequence" => new SequenceProcessor([.. node.Objects("processors").Select(Create)]),
        _ => throw node.Unsupported("post_processor"),
    };

    /// <summary>The id of a <c>["token", id]</c> pair.</summary>
    private static int TokenId(TokenizerJsonNode node, string name)
    {
        if (node.TryGet(name, out JsonElement pair) && pair.ValueKind == JsonValueKind.Array && pair.GetArrayLength() == 2
            && pair[1].ValueKind == JsonValueKind.Number && pair[1].TryGetInt32(out int id) && id >= 0)
        {
            return id;
        }

        throw node.Error($"\"{name}\" must be [\"token\", id]");
    }
}
