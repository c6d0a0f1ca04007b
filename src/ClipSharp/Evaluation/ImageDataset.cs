using System.Text;

namespace ClipSharp.Evaluation;

/// <summary>One image of a labelled dataset.</summary>
/// <param name="Path">The image file (full path).</param>
/// <param name="Label">Its class name (zero-shot) or caption (retrieval).</param>
public sealed record LabeledImage(string Path, string Label);

/// <summary>
/// Reads evaluation datasets: an image folder with one sub-folder per class, or a CSV file whose rows name a file
/// (relative to the CSV's folder) and a label or caption.
/// </summary>
public static class ImageDataset
{
    private static readonly string[] s_fileColumns = ["file", "filename", "path", "image"];

    /// <summary>
    /// Loads a zero-shot dataset: a folder (class = sub-folder name; hidden entries skipped) or a CSV with a
    /// header naming a file column (file/filename/path/image) and <paramref name="labelColumn"/>; without such a
    /// header the first two columns are file and label.
    /// </summary>
    /// <exception cref="ClipSharpException">The dataset is missing, empty, or malformed (the message names the line).</exception>
    public static IReadOnlyList<LabeledImage> Load(string path, string labelColumn = "label")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return LoadFolder(path);
        }

        if (File.Exists(path))
        {
            return LoadCsv(path, labelColumn);
        }

        throw new ClipSharpException(ClipErrorKind.InvalidInput, "dataset not found (expected a folder of class sub-folders or a CSV file)", path);
    }

    private static List<LabeledImage> LoadFolder(string root)
    {
        var items = new List<LabeledImage>();
        foreach (string dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            string label = System.IO.Path.GetFileName(dir);
            if (label.StartsWith('.'))
            {
                continue;
            }

            foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!System.IO.Path.GetFileName(file).StartsWith('.'))
                {
                    items.Add(new LabeledImage(System.IO.Path.GetFullPath(file), label));
                }
            }
        }

        if (items.Count == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "no images found: a folder dataset needs one sub-folder per class", root);
        }

        return items;
    }

    private static List<LabeledImage> LoadCsv(string csv, string labelColumn)
    {
        string baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(csv))!;
        string text = File.ReadAllText(csv, Encoding.UTF8);
        if (text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n') is [ '{' or '[', ..])
        {
            // A JSON file read as CSV would give rows of JSON fragments and "0 images"; say what it is instead.
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "this is JSON, not CSV: a dataset is a CSV with a header (file,label) or a folder of class sub-folders", csv);
        }

        var rows = ParseCsv(text, csv);
        if (rows.Count == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "empty CSV", csv);
        }

        int fileIndex = 0;
        int labelIndex = 1;
        int start = 0;
        string[] header = rows[0].Fields;
        int namedFile = Array.FindIndex(header, h => s_fileColumns.Contains(h.Trim().ToLowerInvariant()));
        if (namedFile >= 0)
        {
            fileIndex = namedFile;
            labelIndex = Array.FindIndex(header, h => string.Equals(h.Trim(), labelColumn, StringComparison.OrdinalIgnoreCase));
            if (labelIndex < 0)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"the header has no '{labelColumn}' column (columns: {string.Join(", ", header)})", csv);
            }

            start = 1;
        }

        var items = new List<LabeledImage>(rows.Count);
        for (int r = start; r < rows.Count; r++)
        {
            var (line, fields) = rows[r];
            if (fields.Length == 1 && fields[0].Length == 0)
            {
                continue;
            }

            if (fields.Length <= Math.Max(fileIndex, labelIndex))
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"line {line}: expected at least {Math.Max(fileIndex, labelIndex) + 1} columns, found {fields.Length}", csv);
            }

            string file = fields[fileIndex].Trim();
            string label = fields[labelIndex].Trim();
            if (file.Length == 0 || label.Length == 0)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"line {line}: empty file name or {labelColumn}", csv);
            }

            string full;
            try
            {
                full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, file));
            }
            catch (ArgumentException ex)
            {
                // A NUL character (or another character the platform refuses in paths) in the file column.
                throw new ClipSharpException(ClipErrorKind.InvalidInput, $"line {line}: invalid file name ({ex.Message})", csv, ex);
            }

            items.Add(new LabeledImage(full, label));
        }

        if (items.Count == 0)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, "the CSV has no data rows", csv);
        }

        return items;
    }

    /// <summary>RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes.</summary>
    internal static List<(int Line, string[] Fields)> ParseCsv(string text, string name)
    {
        var rows = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        int line = 1;
        int rowLine = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    rows.Add((rowLine, fields.ToArray()));
                    fields.Clear();
                    line++;
                    rowLine = line;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }

        if (quoted)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"line {rowLine}: unterminated quoted field", name);
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add((rowLine, fields.ToArray()));
        }

        return rows;
    }
}
