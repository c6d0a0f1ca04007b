using System.Text;
using ClipSharp.Evaluation;
using Xunit;

namespace ClipSharp.Tests.Evaluation;

public class ImageDatasetTests
{
    // Found by EvaluationInputFuzzTests: Path.GetFullPath's ArgumentException escaped from the CSV loader.
    [Fact]
    public void DatasetCsv_FileNameWithANulCharacter_IsRefusedNamingTheFileAndLine()
    {
        string dir = Directory.CreateTempSubdirectory("clipsharp-dataset-").FullName;
        try
        {
            string csv = Path.Combine(dir, "labels.csv");
            File.WriteAllText(csv, "file,label\ncat.jpg,cat\nd\0g.jpg,dog\n", Encoding.UTF8);

            var error = Assert.Throws<ClipSharpException>(() => ImageDataset.Load(csv));

            Assert.Equal(ClipErrorKind.InvalidInput, error.Kind);
            Assert.Equal(csv, error.Input);
            Assert.Contains("line 3: invalid file name", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
