namespace ClipSharp.Models;

/// <summary>
/// How catalog models are named: a reference (<c>NAME</c> or <c>NAME:VARIANT</c>) to its entry, the label people see,
/// the key of its cache folder, and the revisions a pull accepts.
/// </summary>
internal static class CatalogReference
{
    /// <summary>The model as people name it: <c>NAME</c> or <c>NAME:VARIANT</c>.</summary>
    public static string Display(CatalogEntry entry, string? variant) => variant is null ? entry.Name : entry.Name + ":" + variant;

    /// <summary>The name of the model's folder in the cache: <c>NAME</c> or <c>NAME.VARIANT</c>.</summary>
    public static string Key(CatalogEntry entry, string? variant) => variant is null ? entry.Name : entry.Name + "." + variant;

    /// <summary>The catalog entry and variant a reference names.</summary>
    /// <exception cref="ClipSharpException">No catalog model of that name, or it has no such variant.</exception>
    public static (CatalogEntry Entry, string? Variant) Find(string reference)
    {
        string? variant = null;
        var entry = ModelCatalog.Find(reference);
        if (entry is null)
        {
            (string name, variant) = ModelCatalog.ParseReference(reference);
            entry = ModelCatalog.Find(name);
        }

        if (entry is null)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"no model folder or catalog model of that name; catalog models: {string.Join(", ", ModelCatalog.Entries.Select(e => e.Name))} (see 'clipsharp models list')", reference);
        }

        _ = entry.FilesFor(variant);
        return (entry, variant);
    }

    /// <summary>A revision as the hub names them (branch, tag, commit, <c>refs/pr/N</c>): no path tricks, no control characters.</summary>
    public static string CheckRevision(string revision)
    {
        string r = revision.Trim();
        if (r.Length == 0 || r.Length > 255 || r.StartsWith('/') || r.EndsWith('/') || r.Split('/').Any(part => part is "" or "." or "..")
            || r.Any(c => char.IsControl(c) || c is '\\' or ':' or '?' or '#' or '%' or ' '))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "not a usable revision (a branch, tag or commit hash)", revision);
        }

        return r;
    }
}
