using ClipSharp.Tests;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace ClipSharp.Extensions.Tests;

/// <summary>The Microsoft.Extensions.AI and DI surface, used only through the standard interfaces.</summary>
public class ClipSharpExtensionsTests
{
    private static ServiceProvider Provider(string layout) => new ServiceCollection()
        .AddClipSharp(o => o.Model = Golden.ModelDir(layout))
        .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

    [SkippableTheory]
    [InlineData("openclip")]
    [InlineData("hf")]
    public async Task TextGenerator_ThroughMeaiInterfaceOnly_GivesTheCoreApisVectors(string layout)
    {
        string[] texts = Golden.Texts("labels_skimage");
        using (var services = Provider(layout))
        {
            var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
            Assert.Equal(32, metadata.DefaultModelDimensions);
            Assert.Equal(layout, metadata.DefaultModelId);

            GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(texts);

            using var model = ClipModel.Load(Golden.ModelDir(layout));
            float[][] expected = model.EncodeTexts(texts);
            Assert.Equal(texts.Length, embeddings.Count);
            for (int i = 0; i < texts.Length; i++)
            {
                Assert.Equal(expected[i], embeddings[i].Vector.ToArray());
            }
        }
    }

    [SkippableFact]
    public async Task ImageGenerator_DataContentWithImageMediaType_GivesTheCoreApisVectors()
    {
        string[] files = ["chelsea.png", "rocket.jpg", "edge_alpha_coffee.png"];
        using var services = Provider("openclip");
        var generator = services.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
        var inputs = files.Select(f => new DataContent(File.ReadAllBytes(Golden.ImagePath(f)), f.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg")).ToArray();

        var embeddings = await generator.GenerateAsync(inputs);

        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        for (int i = 0; i < files.Length; i++)
        {
            Assert.Equal(model.EncodeImage(Golden.ImagePath(files[i])), embeddings[i].Vector.ToArray());
        }
    }

    [SkippableFact]
    public async Task ImageGenerator_NonImageMediaType_IsRejected()
    {
        using var services = Provider("openclip");
        var generator = services.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();

        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync([new DataContent("hello"u8.ToArray(), "text/plain")]));
    }

    [SkippableFact]
    public void AddClipSharp_FromAppSettingsSection_BindsAndRegistersOneModelSingleton()
    {
        string json = Path.Combine(Path.GetTempPath(), $"appsettings-{Guid.NewGuid():N}.json");
        File.WriteAllText(json, $$"""{ "ClipSharp": { "Model": {{System.Text.Json.JsonSerializer.Serialize(Golden.ModelDir("hf"))}}, "MaxBatchSize": 8 } }""");
        try
        {
            var configuration = new ConfigurationBuilder().AddJsonFile(json).Build();
            using var services = new ServiceCollection().AddClipSharp(configuration.GetSection(ClipSharpOptions.SectionName)).BuildServiceProvider();

            Assert.Equal(8, services.GetRequiredService<IOptions<ClipSharpOptions>>().Value.MaxBatchSize);
            Assert.Same(services.GetRequiredService<ClipModel>(), services.GetRequiredService<ClipModel>());
            Assert.Equal(ModelLayout.HuggingFace, services.GetRequiredService<ClipModel>().Layout);
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task HostStart_WithMissingModelFolder_FailsValidationNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClipSharp(o => o.Model = "/nonexistent/clip-model");
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ClipSharp:Model", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task HostStart_WithNonPositiveDecodeMemory_FailsValidationNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClipSharp(o =>
        {
            o.Model = Golden.ModelDir("openclip");
            o.DecodeMemoryMegabytes = 0;
        });
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ClipSharp:DecodeMemoryMegabytes must be positive", ex.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void AddClipSharp_WithDecodeMemoryMegabytes_GivesTheModelABudgetOfThatSize()
    {
        using var services = new ServiceCollection()
            .AddClipSharp(o =>
            {
                o.Model = Golden.ModelDir("openclip");
                o.DecodeMemoryMegabytes = 96;
                o.Warm = false;
            })
            .BuildServiceProvider();

        Assert.Equal(96L * 1024 * 1024, services.GetRequiredService<ClipModel>().DecodeMemory.CapacityBytes);
    }

    [Fact]
    public async Task HostStart_WithoutAModel_FailsValidation()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClipSharp(o => o.MaxBatchSize = 0);
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("ClipSharp:Model is required", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxBatchSize", ex.Message, StringComparison.Ordinal);
    }
}

/// <summary>The embedder under the generators, and what the package does not pull.</summary>
public class ClipSharpEmbedderTests
{
    [SkippableFact]
    public void AddClipSharp_ResolvingTheEmbedder_GivesOneOverTheRegisteredModel()
    {
        using var services = new ServiceCollection().AddClipSharp(o => o.Model = Golden.ModelDir("openclip")).BuildServiceProvider();

        var embedder = Assert.IsType<ClipModelEmbedder>(services.GetRequiredService<IClipEmbedder>());

        Assert.Same(services.GetRequiredService<ClipModel>(), embedder.Model);
        Assert.False(embedder.FastJpegDecode);
        Assert.Same(embedder.Model, services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<ClipModel>());
    }

    [Fact]
    public void ExtensionsAssembly_ReferencedAssemblies_IncludeNoIndexOrDatabaseDriver()
    {
        string[] referenced = typeof(ClipSharpOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.Contains("ClipSharp", referenced);
        foreach (string banned in new[] { "ClipSharp.Index", "ClipSharp.Postgres", "Npgsql", "Microsoft.Data.Sqlite", "USearch", "Pgvector" })
        {
            Assert.DoesNotContain(referenced, name => name.StartsWith(banned, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task ImageGenerator_OverTheFakeEmbedder_EmbedsInBatchesOfThePreferredSize()
    {
        var fake = new FakeClipEmbedder();
        using var generator = new ClipImageEmbeddingGenerator(fake);
        byte[] png = File.ReadAllBytes(Golden.ImagePath("chelsea.png"));
        var inputs = Enumerable.Range(0, fake.PreferredBatchSize + 3).Select(_ => new DataContent(png, "image/png")).ToArray();

        var embeddings = await generator.GenerateAsync(inputs);

        Assert.Equal(inputs.Length, embeddings.Count);
        Assert.Equal([("image", fake.PreferredBatchSize), ("image", 3)], fake.Calls.ToArray());
        Assert.All(embeddings, e => Assert.Equal(embeddings[0].Vector.ToArray(), e.Vector.ToArray()));
        Assert.Equal("fake", embeddings[0].ModelId);
    }

    [Fact]
    public async Task ImageGenerator_ImageOverTheDecodeMemoryBudget_IsRefusedAsTooLargeNamingTheInput()
    {
        var fake = new FakeClipEmbedder { DecodeMemory = new Imaging.DecodeMemoryBudget(1024) };
        using var generator = new ClipImageEmbeddingGenerator(fake);
        byte[] png = File.ReadAllBytes(Golden.ImagePath("chelsea.png"));

        var ex = await Assert.ThrowsAsync<ClipSharpException>(() => generator.GenerateAsync([new DataContent(png, "image/png") { Name = "cat.png" }]));

        Assert.Equal(ClipErrorKind.ImageTooLarge, ex.Kind);
        Assert.Equal("cat.png", ex.Input);
        Assert.Empty(fake.Calls);
    }
}
