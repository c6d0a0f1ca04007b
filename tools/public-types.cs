// Counts the public types of built ClipSharp assemblies (the numbers issue 16's closing note quotes).
// Usage: dotnet build ClipSharp.slnx -c Release && dotnet run tools/public-types.cs -- [--list] [Configuration]
// Reads metadata only (System.Reflection.Metadata): nothing is loaded or run. A type counts as public when a user
// can name it: top-level public, or nested public inside a public type (nested ones are reported separately).
// "unsealed" counts public classes that are neither sealed nor abstract (static classes are both): there should be none.
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

var list = args.Contains("--list");
var configuration = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "Debug";
var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", ".."));
string[] libraries = ["ClipSharp", "ClipSharp.Index", "ClipSharp.Postgres", "ClipSharp.Server", "ClipSharp.Extensions"];

Console.WriteLine($"{"assembly",-22} {"top-level",9} {"nested",6} {"unsealed",8}");
var total = 0;
foreach (var name in libraries)
{
    var dll = Path.Combine(root, "src", name, "bin", configuration, "net10.0", name + ".dll");
    if (!File.Exists(dll))
    {
        Console.Error.WriteLine($"{dll}: not built (dotnet build ClipSharp.slnx -c {configuration})");
        return 1;
    }

    using var stream = File.OpenRead(dll);
    using var pe = new PEReader(stream);
    var md = pe.GetMetadataReader();
    var topLevel = new List<string>();
    var nested = new List<string>();
    var unsealed = new List<string>();
    foreach (var handle in md.TypeDefinitions)
    {
        var type = md.GetTypeDefinition(handle);
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        var full = FullName(md, type);
        if (IsVisible(md, type) && IsUnsealedClass(md, type))
        {
            unsealed.Add(full);
        }

        if (visibility == TypeAttributes.Public)
        {
            topLevel.Add(full);
        }
        else if (visibility is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem
                 && IsVisible(md, md.GetTypeDefinition(type.GetDeclaringType())))
        {
            nested.Add(full);
        }
    }

    Console.WriteLine($"{name,-22} {topLevel.Count,9} {nested.Count,6} {unsealed.Count,8}");
    total += topLevel.Count;
    if (list)
    {
        foreach (var t in topLevel.Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"    {t}");
        }

        foreach (var t in nested.Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"    {t} (nested)");
        }

        foreach (var t in unsealed.Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"    {t} (unsealed)");
        }
    }
}

Console.WriteLine($"{"total",-22} {total,9}");
return 0;

// A class (not an interface, and not a struct, enum or delegate, which derive from these system types) that can be derived from.
static bool IsUnsealedClass(MetadataReader md, TypeDefinition type)
{
    if ((type.Attributes & TypeAttributes.Interface) != 0 || (type.Attributes & (TypeAttributes.Sealed | TypeAttributes.Abstract)) != 0)
    {
        return false;
    }

    var baseType = type.BaseType;
    if (baseType.Kind == HandleKind.TypeReference)
    {
        var reference = md.GetTypeReference((TypeReferenceHandle)baseType);
        var baseName = md.GetString(reference.Namespace) + "." + md.GetString(reference.Name);
        return baseName is not ("System.ValueType" or "System.Enum" or "System.MulticastDelegate");
    }

    return true;
}

static bool IsVisible(MetadataReader md, TypeDefinition type)
{
    var visibility = type.Attributes & TypeAttributes.VisibilityMask;
    return visibility switch
    {
        TypeAttributes.Public => true,
        TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem
            => IsVisible(md, md.GetTypeDefinition(type.GetDeclaringType())),
        _ => false,
    };
}

static string FullName(MetadataReader md, TypeDefinition type)
{
    var name = md.GetString(type.Name);
    if (type.IsNested)
    {
        return FullName(md, md.GetTypeDefinition(type.GetDeclaringType())) + "." + name;
    }

    var ns = md.GetString(type.Namespace);
    return ns.Length == 0 ? name : ns + "." + name;
}
