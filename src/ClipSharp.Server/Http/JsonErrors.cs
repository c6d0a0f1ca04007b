using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ClipSharp.Server.Http;

/// <summary>
/// Says what is wrong with a JSON body in the client's terms — the JSON path, the property, the JSON type that
/// was expected — never in .NET's (System.Text.Json's own messages name .NET types such as
/// <c>IReadOnlyList`1</c>).
/// </summary>
internal static class JsonErrors
{
    /// <summary>Describes <paramref name="error"/>; <paramref name="root"/> is the body's expected type, when known.</summary>
    public static string Describe(JsonException error, JsonTypeInfo? root)
    {
        string position = error.LineNumber is { } line
            ? FormattableString.Invariant($" (line {line + 1}, byte {error.BytePositionInLine + 1})")
            : "";

        // Text that is not JSON at all: the reader's own words name no .NET types.
        if (error.InnerException is JsonException reader)
        {
            int cut = reader.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return "The body is not valid JSON" + position + ": " + (cut > 0 ? reader.Message[..cut] : reader.Message).TrimEnd('.', ' ') + ".";
        }

        string path = string.IsNullOrEmpty(error.Path) ? "$" : error.Path;
        if (root is not null && Segments(path) is { } segments)
        {
            JsonTypeInfo current = root;
            for (int i = 0; i < segments.Count; i++)
            {
                var (name, isIndex) = segments[i];
                if (isIndex && current.ElementType is { } element)
                {
                    current = current.Options.GetTypeInfo(element);
                    continue;
                }

                if (!isIndex && current.Kind == JsonTypeInfoKind.Object)
                {
                    var property = current.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                    if (property is null)
                    {
                        string parent = i == 0 ? "the body" : Join(segments.Take(i));
                        return $"Unknown property '{Shorten(name)}' in {parent}; the known ones are {string.Join(", ", current.Properties.Select(p => p.Name))}.";
                    }

                    current = current.Options.GetTypeInfo(property.PropertyType);
                    continue;
                }

                break;
            }

            return (segments.Count == 0 ? "The body" : path) + " must be " + Expected(current) + position + ".";
        }

        return "The body does not fit this endpoint at " + path + position + ".";
    }

    /// <summary>"a string", "an array of strings", … for a type of the API's contracts.</summary>
    private static string Expected(JsonTypeInfo info, bool plural = false)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (info.ElementType is { } element && type != typeof(string))
        {
            return (plural ? "arrays of " : "an array of ") + Expected(info.Options.GetTypeInfo(element), plural: true);
        }

        var (one, many) = type switch
        {
            _ when type == typeof(string) => ("a string", "strings"),
            _ when type == typeof(int) => ("an integer from -2147483648 to 2147483647", "integers from -2147483648 to 2147483647"),
            _ when type == typeof(long) => ("an integer from -9223372036854775808 to 9223372036854775807", "integers from -9223372036854775808 to 9223372036854775807"),
            _ when type == typeof(float) || type == typeof(double) => ("a number", "numbers"),
            _ when type == typeof(bool) => ("true or false", "booleans"),
            _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => ("a date and time in ISO 8601 form such as 2024-05-01T12:00:00Z", "dates and times in ISO 8601 form"),
            _ when info.Kind == JsonTypeInfoKind.Object => ("a JSON object", "JSON objects"),
            _ => ("another value", "other values"),
        };
        string expected = plural ? many : one;

        // A string that fails to read is a number, an object… or text with an unpaired surrogate escape.
        return type == typeof(string) ? expected + " (of valid Unicode text)" : expected;
    }

    /// <summary>The segments of a System.Text.Json path ($.a.b[0]['c d']), or null when it cannot be read.</summary>
    private static List<(string Name, bool IsIndex)>? Segments(string path)
    {
        if (!path.StartsWith('$'))
        {
            return null;
        }

        var segments = new List<(string, bool)>();
        int i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add((path[(i + 1)..end], false));
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                int end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }

                segments.Add((path[(i + 2)..end], false));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                int end = path.IndexOf(']', i);
                if (end < 0)
                {
                    return null;
                }

                segments.Add((path[(i + 1)..end], true));
                i = end + 1;
            }
            else
            {
                return null;
            }
        }

        return segments;
    }

    /// <summary>A client-chosen name, cut to a length fit for a message.</summary>
    private static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "…";

    private static string Join(IEnumerable<(string Name, bool IsIndex)> segments)
    {
        var sb = new StringBuilder("$");
        foreach (var (name, isIndex) in segments)
        {
            sb.Append(isIndex ? $"[{name}]" : "." + name);
        }

        return sb.ToString();
    }
}
