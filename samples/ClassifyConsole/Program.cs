// OpenAI's CLIP walkthrough in C#: which caption fits the photo best?
// Usage: dotnet run --project samples/ClassifyConsole -- MODEL_DIR IMAGE "a diagram" "a dog" "a cat"
using ClipSharp;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: ClassifyConsole MODEL_DIR IMAGE CAPTION [CAPTION…]");
    return 2;
}

using var model = ClipModel.Load(args[0]);
float[] image = model.EncodeImage(args[1]);
float[][] texts = model.EncodeTexts(args[2..]);

float[] cosines = texts.Select(t => ClipMath.Cosine(image, t)).ToArray();
float[] probs = new float[cosines.Length];
ClipMath.Softmax(cosines, model.LogitScale, probs);

Console.WriteLine("Label probs:");
for (int i = 0; i < probs.Length; i++)
{
    Console.WriteLine($"  {args[i + 2],-24} {probs[i]:P2}");
}

return 0;
