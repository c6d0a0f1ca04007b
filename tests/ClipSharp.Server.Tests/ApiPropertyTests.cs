using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace ClipSharp.Server.Tests;

/// <summary>
/// A property of the whole API, checked on generated requests (fixed seeds): whatever a client sends — JSON of any
/// shape, numbers at the float limits, nulls, any Unicode, malformed bodies, wrong content types, odd query strings,
/// conditional and range headers, any method — the answer is a 2xx/304, or an RFC 9457 problem document with a
/// 4xx, 503 or 504 status and a code. Never a 500, never a bare error.
/// </summary>
public sealed class ApiPropertyTests(ITestOutputHelper output)
{
    private const int Requests = 10_240;
    private const int Workers = 4;
    private const string Key = "property-key";

    [Fact]
    public async Task Api_GeneratedRequests_AnswerSuccessOrAProblemNeverA500()
    {
        await using var library = await PhotoLibrary.CreateAsync();
        // No batching window: nothing here is concurrent enough to gain from waiting for company.
        await using var open = await RunningServer.StartAsync(search: library, configure: o =>
        {
            o.MaxRequestBytes = 1024 * 1024;
            o.Batching.Window = TimeSpan.Zero;
            o.Log = line => output.WriteLine("server: " + line);
        });
        await using var keyed = await RunningServer.StartAsync(search: library, configure: o =>
        {
            o.ApiKey = Key;
            o.Batching.Window = TimeSpan.Zero;
        });
        long maxId = PhotoLibrary.Labels().Count + 2;

        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        int sent = 0;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(7919 * (worker + 1));
            var generator = new RequestGenerator(random, maxId);
            for (int i = worker; i < Requests; i += Workers)
            {
                bool withKey = random.Next(10) == 0;
                var server = withKey ? keyed : open;
                using var request = generator.Next();
                if (withKey && random.Next(3) > 0)
                {
                    request.Headers.TryAddWithoutValidation("X-API-Key", random.Next(2) == 0 ? Key : generator.Ascii(random.Next(40)));
                }

                string described = $"#{i} {request.Method} {Shorten(request.RequestUri!.ToString())} {request.Content?.Headers.ContentType}";
                HttpResponseMessage response;
                try
                {
                    response = await server.Client.SendAsync(request);
                }
                catch (HttpRequestException ex) when (generator.LastWasOversized)
                {
                    // Refused while still uploading: the connection is closed under the body (HTTP allows that).
                    statuses.AddOrUpdate(-1, 1, (_, n) => n + 1);
                    output.WriteLine($"{described}: closed during upload ({ex.Message})");
                    Interlocked.Increment(ref sent);
                    continue;
                }
                catch (HttpRequestException ex)
                {
                    failures.Enqueue($"{described} -> no answer: {ex.Message} {ex.InnerException?.Message}");
                    Interlocked.Increment(ref sent);
                    continue;
                }

                using (response)
                {
                    int status = (int)response.StatusCode;
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    string? problem = await CheckAsync(response, request.Method == HttpMethod.Head);
                    if (problem is not null)
                    {
                        failures.Enqueue($"{described} -> {status}: {problem}");
                    }
                }

                Interlocked.Increment(ref sent);
            }
        })));

        output.WriteLine($"{sent} requests; statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key < 0 ? "closed" : s.Key)}×{s.Value}"))}");
        foreach (string failure in failures.Take(30))
        {
            output.WriteLine(failure);
        }

        Assert.True(sent >= 10_000, $"only {sent} requests");
        Assert.True(failures.IsEmpty, $"{failures.Count} responses outside the contract, first: {failures.FirstOrDefault()}");
        Assert.DoesNotContain(500, statuses.Keys);

        // Both kinds of answer were exercised a good deal.
        Assert.True(statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value) > 500, "too few successes to mean much");
        Assert.True(statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > 2000, "too few client errors to mean much");
    }

    /// <summary>Null when the response keeps the contract; else what is wrong with it.</summary>
    private static async Task<string?> CheckAsync(HttpResponseMessage response, bool head)
    {
        int status = (int)response.StatusCode;
        if (status is >= 200 and < 300 or 304)
        {
            return null;
        }

        if (status is not (>= 400 and < 500 or 503 or 504))
        {
            return "status outside 2xx/304/4xx/503/504: " + await response.Content.ReadAsStringAsync();
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"content type '{response.Content.Headers.ContentType}' instead of a problem document";
        }

        if (head)
        {
            return null;
        }

        string body = await response.Content.ReadAsStringAsync();
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            bool ok = problem.GetProperty("status").GetInt32() == status
                && problem.GetProperty("type").GetString()!.StartsWith("urn:clipsharp:problem:", StringComparison.Ordinal)
                && !string.IsNullOrWhiteSpace(problem.GetProperty("code").GetString())
                && !string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString())
                && !string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString());
            string detail = problem.GetProperty("detail").GetString() ?? "";
            if (detail.Contains("System.", StringComparison.Ordinal) || detail.Contains("ClipSharp.", StringComparison.Ordinal) || detail.Contains("`1", StringComparison.Ordinal))
            {
                return "a .NET type name in the detail: " + detail;
            }

            return ok ? null : "incomplete problem document: " + body;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "not a problem document: " + Shorten(body);
        }
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..160] + "…";

    /// <summary>Generates requests to every endpoint: mostly the right shape with wrong or extreme values, some anything.</summary>
    private sealed class RequestGenerator(Random random, long maxId)
    {
        private static readonly string[] s_numbers =
        [
            "0", "-0", "1", "-1", "0.5", "2", "16", "20", "200", "201", "4096", "1e-45", "1.4e-45", "-1e-45", "3.4028235e38", "-3.4028235e38",
            "3.4028236e38", "1e39", "-1e39", "1.7976931348623157e308", "4.9e-324", "2147483647", "2147483648", "-2147483649",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e400", "123456789012345678901234567890", "0.0000001", "1E2",
        ];

        private static readonly string[] s_pieces =
        [
            "a", "cat", "dog", "kite", "tiger", " ", "{}", "{", "}", "\u00e9", "e\u0301", "\u732b", "\u0627\u0644", "\u200b", "\u202e", "\ufeff",
            "\U0001F431", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\t", "\n", "\\", "\"", "'", "<script>", "%00", "..", "/", "\u0000", "\ud800",
            "\udfff", "\uffff", "photo of a", "data:image/png;base64,", "AAAA",
        ];

        private static readonly string[] s_contentTypes =
        [
            "application/json", "application/json; charset=utf-8", "application/problem+json", "text/json", "text/plain", "image/png",
            "application/octet-stream", "multipart/form-data", "application/x-www-form-urlencoded", "a/b; c=d", "application/json; charset=utf-16",
        ];

        private static readonly byte[] s_png = BatchingTests.TinyPng();

        public bool LastWasOversized { get; private set; }

        public HttpRequestMessage Next()
        {
            LastWasOversized = false;
            if (random.Next(3) == 0)
            {
                return Valid();
            }

            int pick = random.Next(100);
            return pick switch
            {
                < 14 => Json("/v1/embeddings/text", () => Pick(() => Field("text", TextValue), () => Field("texts", () => Array(TextValue)))),
                < 24 => Images(),
                < 42 => Classify(),
                < 52 => Json("/v1/rank-texts", () => Pick(() => Field("image", ImageValue), () => Field("imageId", IdValue), () => Field("texts", () => Array(TextValue)))),
                < 70 => Json("/v1/search", SearchField),
                < 78 => SearchGet(),
                < 88 => Files(),
                < 94 => Anywhere(),
                _ => Raw(),
            };
        }

        public string Text(int length)
        {
            var sb = new StringBuilder();
            while (sb.Length < length)
            {
                sb.Append(random.Next(3) == 0 ? (char)random.Next(0x20, 0xD7FF) : s_pieces[random.Next(s_pieces.Length)]);
            }

            return sb.ToString();
        }

        /// <summary>Printable ASCII: what a header value can carry.</summary>
        public string Ascii(int length)
        {
            var sb = new StringBuilder(length);
            for (int i = 0; i < length; i++)
            {
                sb.Append((char)random.Next(0x20, 0x7F));
            }

            return sb.ToString();
        }

        /// <summary>Text for a URL: any Unicode but NUL (Kestrel refuses an encoded NUL in a path before the API sees it) and lone surrogates (not encodable).</summary>
        private string UrlText(int length)
        {
            var sb = new StringBuilder();
            string text = Text(length);
            for (int i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    sb.Append(text, i++, 2);
                }
                else if (text[i] != '\0' && !char.IsSurrogate(text[i]))
                {
                    sb.Append(text[i]);
                }
            }

            return Uri.EscapeDataString(sb.ToString());
        }

        /// <summary>A form field or file name: letters and digits, sometimes non-ASCII.</summary>
        private string Name() => random.Next(4) == 0 ? "f\u00e9\u732b" + random.Next(100) : "f" + random.Next(1000);

        /// <summary>Requests of the right shape with valid but extreme values (any script, float-limit weights), to reach the success paths.</summary>
        private HttpRequestMessage Valid()
        {
            string image = Quote(Convert.ToBase64String(s_png));
            string Texts(int max) => "[" + string.Join(",", Enumerable.Range(0, random.Next(1, max + 1)).Select(i => Quote(ValidText(i)))) + "]";
            string body = random.Next(6) switch
            {
                0 => "{\"texts\":" + Texts(16) + "}",
                1 => "{\"image\":" + image + ",\"labels\":" + Texts(12) + Pick(() => "", () => "", () => "", () => ",\"ensemble\":\"imagenet\"", () => ",\"template\":" + Quote(ValidText(0) + " {}")) + "}",
                2 => "{\"image\":" + image + ",\"texts\":" + Texts(12) + "}",
                3 => "{\"images\":[" + image + "," + image + "]}",
                _ => "{\"terms\":[" + string.Join(",", Enumerable.Range(0, random.Next(1, 16)).Select(i => Pick(
                        () => "{\"text\":" + Quote(ValidText(i)) + ",\"weight\":" + Weight() + "}",
                        () => "{\"imageId\":" + random.NextInt64(1, maxId).ToString(CultureInfo.InvariantCulture) + ",\"weight\":" + Weight() + "}"))) + "]"
                    + ",\"limit\":" + random.Next(1, 201).ToString(CultureInfo.InvariantCulture)
                    + (random.Next(2) == 0 ? ",\"minScore\":" + (random.NextDouble() * 2 - 1).ToString("R", CultureInfo.InvariantCulture) : "") + "}",
            };
            string path = body.Contains("\"terms\"", StringComparison.Ordinal) ? "/v1/search"
                : body.Contains("\"labels\"", StringComparison.Ordinal) ? "/v1/classify"
                : body.Contains("\"images\"", StringComparison.Ordinal) ? "/v1/embeddings/image"
                : body.Contains("\"image\"", StringComparison.Ordinal) ? "/v1/rank-texts"
                : "/v1/embeddings/text";
            return new HttpRequestMessage(HttpMethod.Post, path) { Content = Bytes(Encoding.UTF8.GetBytes(random.Next(2) == 0 ? Mutate(body) : body), "application/json") };
        }

        /// <summary>One change to a valid body: a value replaced by null, a float-limit number, another JSON value or text; removed; or an unknown property added.</summary>
        private string Mutate(string json)
        {
            var root = JsonNode.Parse(json)!;
            var slots = new List<(JsonNode Parent, object Key)>();
            void Walk(JsonNode node)
            {
                if (node is JsonObject obj)
                {
                    foreach (var (name, child) in obj.ToList())
                    {
                        slots.Add((obj, name));
                        if (child is not null)
                        {
                            Walk(child);
                        }
                    }
                }
                else if (node is JsonArray array)
                {
                    for (int i = 0; i < array.Count; i++)
                    {
                        slots.Add((array, i));
                        if (array[i] is { } child)
                        {
                            Walk(child);
                        }
                    }
                }
            }

            Walk(root);
            var (parent, key) = slots[random.Next(slots.Count)];

            // The new value goes in as a placeholder and is spliced into the text: it may hold escapes (lone
            // surrogates) that JsonNode refuses to write.
            const string Placeholder = "\"@@replacement@@\"";
            string raw = random.Next(10) switch
            {
                < 4 => "null",
                < 6 => Number(),
                < 8 => Any(),
                8 => Quote(Text(random.Next(40))),
                _ => Quote(""),
            };
            JsonNode? replacement = JsonValue.Create("@@replacement@@");
            bool remove = random.Next(10) == 0;
            if (parent is JsonObject target)
            {
                if (remove)
                {
                    target.Remove((string)key);
                }
                else if (random.Next(12) == 0)
                {
                    target[Text(4)] = replacement;
                }
                else
                {
                    target[(string)key] = replacement;
                }
            }
            else if (parent is JsonArray list)
            {
                if (remove)
                {
                    list.RemoveAt((int)key);
                }
                else
                {
                    list[(int)key] = replacement;
                }
            }

            return root.ToJsonString().Replace(Placeholder, raw, StringComparison.Ordinal);
        }

        /// <summary>A text the API accepts: not blank, no lone surrogate, distinct per index, at most 10,000 characters.</summary>
        private string ValidText(int index)
        {
            var sb = new StringBuilder(index.ToString(CultureInfo.InvariantCulture)).Append(' ');
            int length = random.Next(60) == 0 ? 9_000 : random.Next(1, 60);
            while (sb.Length < length)
            {
                string piece = s_pieces[random.Next(s_pieces.Length)];
                if (!piece.Any(char.IsSurrogate) || piece.Length > 1)
                {
                    sb.Append(piece);
                }
            }

            return sb.ToString();
        }

        private string Weight() => Pick(
            () => "3.4028235e38", () => "-3.4028235e38", () => "1e-45", () => "-1e-45", () => "1", () => "-0.5", () => "0", () => "1e38",
            () => (random.NextDouble() * 10 - 5).ToString("R", CultureInfo.InvariantCulture));

        private HttpRequestMessage Classify()
        {
            if (random.Next(5) == 0)
            {
                var form = new MultipartFormDataContent();
                if (random.Next(3) > 0)
                {
                    form.Add(new ByteArrayContent(ImageBytes()), "image", random.Next(2) == 0 ? "x.png" : Name());
                }

                for (int i = random.Next(4); i > 0; i--)
                {
                    string name = Pick(() => "labels", () => "template", () => "templates", () => "ensemble", () => "imageId", Name);
                    form.Add(new StringContent(random.Next(3) == 0 ? Number() : Text(random.Next(30))), name);
                }

                return new HttpRequestMessage(HttpMethod.Post, "/v1/classify") { Content = form };
            }

            return Json("/v1/classify", () => Pick(
                () => Field("image", ImageValue),
                () => Field("imageId", IdValue),
                () => Field("labels", () => Array(() => Pick(TextValue, () => Quote("label " + random.Next(5))), random.Next(4) == 0 ? 80 : 6)),
                () => Field("template", () => Quote(Text(random.Next(12)) + (random.Next(3) > 0 ? "{}" : ""))),
                () => Field("templates", () => Array(() => Quote(Text(random.Next(12)) + "{}"), random.Next(4) == 0 ? 120 : 4)),
                () => Field("ensemble", () => Pick(() => "\"imagenet\"", () => "\"IMAGENET\"", TextValue, Any))));
        }

        private HttpRequestMessage Images()
        {
            return random.Next(4) switch
            {
                0 => new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings/image") { Content = Bytes(ImageBytes(), Pick(() => "image/png", () => "application/octet-stream", () => "image/x")) },
                1 => new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings/image")
                {
                    Content = new MultipartFormDataContent { { new ByteArrayContent(ImageBytes()), "image", "a.png" }, { new ByteArrayContent(ImageBytes()), Name(), Name() } },
                },
                _ => Json("/v1/embeddings/image", () => Pick(() => Field("image", ImageValue), () => Field("images", () => Array(ImageValue)))),
            };
        }

        private string SearchField() => Pick(
            () => Field("text", TextValue),
            () => Field("image", ImageValue),
            () => Field("imageId", IdValue),
            () => Field("limit", () => Pick(Number, () => random.Next(-2, 250).ToString(CultureInfo.InvariantCulture))),
            () => Field("minScore", () => Pick(Number, () => (random.NextDouble() * 3 - 1.5).ToString("R", CultureInfo.InvariantCulture))),
            () => Field("in", () => Pick(TextValue, () => "\"/\"", () => Quote(PhotoLibraryFolder()))),
            () => Field("after", () => Pick(() => "\"2020-01-05\"", () => "\"9999-12-31T23:59:59.9999999\"", () => "\"0001-01-01\"", TextValue, Any)),
            () => Field("terms", () => Array(() => Pick(
                () => "{" + Field("text", TextValue) + "," + Field("weight", Number) + "}",
                () => "{" + Field("imageId", IdValue) + "," + Field("weight", Number) + "}",
                () => "{" + Field("image", ImageValue) + "}",
                () => "{" + Field("text", TextValue) + "," + Field("imageId", IdValue) + "}",
                Any), 20)));

        private HttpRequestMessage SearchGet()
        {
            var query = new List<string>();
            for (int i = random.Next(5); i >= 0; i--)
            {
                string name = Pick(() => "q", () => "limit", () => "minScore", () => "in", () => "after", () => UrlText(3));
                string value = Pick(() => UrlText(random.Next(3) == 0 ? 10_500 : random.Next(20)), Number, () => "2021-02-03", () => "");
                query.Add(Uri.EscapeDataString(name) + "=" + value);
            }

            return new HttpRequestMessage(random.Next(8) == 0 ? HttpMethod.Head : HttpMethod.Get, "/v1/search?" + string.Join('&', query));
        }

        private HttpRequestMessage Files()
        {
            string id = Pick(() => random.NextInt64(-2, maxId + 2).ToString(CultureInfo.InvariantCulture), () => "99999999999999999999", () => UrlText(5));
            string path = "/v1/images/" + id + (random.Next(2) == 0 ? "/thumbnail" : "");
            if (random.Next(2) == 0)
            {
                path += "?size=" + Pick(() => random.Next(0, 2100).ToString(CultureInfo.InvariantCulture), Number, () => UrlText(3));
            }

            var request = new HttpRequestMessage(random.Next(4) == 0 ? HttpMethod.Head : HttpMethod.Get, path);
            if (random.Next(3) == 0)
            {
                request.Headers.TryAddWithoutValidation(Pick(() => "If-None-Match", () => "If-Match", () => "If-Modified-Since", () => "If-Unmodified-Since", () => "Range", () => "If-Range"),
                    Pick(() => "*", () => "W/\"x\"", () => "\"a\", \"b\"", () => "bytes=0-10", () => "bytes=999999999-", () => "bytes=5-1", () => "Wed, 21 Oct 2015 07:28:00 GMT", () => Ascii(8)));
            }

            return request;
        }

        private HttpRequestMessage Anywhere()
        {
            string path = Pick(() => "/", () => "/healthz", () => "/readyz", () => "/metrics", () => "/openapi/v1.json", () => "/openapi/v2.json",
                () => "/static/app.js", () => "/static/" + UrlText(6), () => "/v1/" + UrlText(6), () => "/v1/classify", () => "/v1/search");
            string method = Pick(() => "GET", () => "HEAD", () => "POST", () => "PUT", () => "DELETE", () => "PATCH", () => "OPTIONS", () => "PROPFIND", () => "X" + random.Next(1000));
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = Bytes(Encoding.UTF8.GetBytes(Any()), s_contentTypes[random.Next(s_contentTypes.Length)]);
            }

            return request;
        }

        /// <summary>Bodies that are not the right JSON: mutated, truncated, huge, other encodings.</summary>
        private HttpRequestMessage Raw()
        {
            string path = Pick(() => "/v1/embeddings/text", () => "/v1/embeddings/image", () => "/v1/classify", () => "/v1/rank-texts", () => "/v1/search");
            byte[] body;
            switch (random.Next(5))
            {
                case 0:
                    body = Encoding.UTF8.GetBytes("{\"text\": \"" + new string('a', 1_100_000) + "\"}");
                    LastWasOversized = true;
                    break;
                case 1:
                    body = new byte[random.Next(200)];
                    random.NextBytes(body);
                    break;
                case 2:
                    body = Encoding.UTF8.GetBytes(Object(() => SearchField()));
                    body = body[..random.Next(body.Length + 1)];
                    break;
                case 3:
                    body = Encoding.UTF8.GetBytes(new string('[', random.Next(10, 3000)));
                    break;
                default:
                    body = Encoding.UTF8.GetBytes(Object(SearchField));
                    if (body.Length > 0)
                    {
                        body[random.Next(body.Length)] = (byte)random.Next(256);
                    }

                    break;
            }

            return new HttpRequestMessage(HttpMethod.Post, path) { Content = Bytes(body, s_contentTypes[random.Next(s_contentTypes.Length)]) };
        }

        private HttpRequestMessage Json(string path, Func<string> field)
            => new(HttpMethod.Post, path) { Content = Bytes(Encoding.UTF8.GetBytes(random.Next(12) == 0 ? Any() : Object(field)), random.Next(15) == 0 ? s_contentTypes[random.Next(s_contentTypes.Length)] : "application/json") };

        private string Object(Func<string> field)
        {
            var fields = new List<string>();
            for (int i = random.Next(4); i >= 0; i--)
            {
                fields.Add(random.Next(15) == 0 ? Field(Text(4), Any) : field());
            }

            return "{" + string.Join(",", fields) + "}";
        }

        private static string Field(string name, Func<string> value) => Quote(name) + ":" + value();

        private string Array(Func<string> item, int max = 6)
        {
            int count = random.Next(8) == 0 ? 0 : random.Next(1, max + 1);
            return "[" + string.Join(",", Enumerable.Range(0, count).Select(_ => random.Next(12) == 0 ? "null" : item())) + "]";
        }

        private string TextValue() => random.Next(10) switch
        {
            0 => "null",
            1 => Number(),
            2 => Quote(Text(random.Next(9_990, 10_010))),
            3 => Quote(""),
            _ => Quote(Text(random.Next(1, 40))),
        };

        private string ImageValue() => random.Next(8) switch
        {
            0 => "null",
            1 => Quote(Text(random.Next(20))),
            2 => Quote("data:image/png;base64," + Convert.ToBase64String(ImageBytes())),
            3 => Quote("data:text/plain," + Text(5)),
            _ => Quote(Convert.ToBase64String(ImageBytes())),
        };

        private string IdValue() => Pick(() => random.NextInt64(-2, maxId + 2).ToString(CultureInfo.InvariantCulture), Number, () => "null", TextValue);

        private byte[] ImageBytes()
        {
            byte[] png = (byte[])s_png.Clone();
            switch (random.Next(6))
            {
                case 0:
                    return png[..random.Next(png.Length)];
                case 1:
                    for (int i = random.Next(1, 8); i > 0; i--)
                    {
                        png[random.Next(png.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    return png;
                case 2:
                    byte[] noise = new byte[random.Next(64)];
                    random.NextBytes(noise);
                    return noise;
                default:
                    return png;
            }
        }

        private string Number() => random.Next(4) == 0
            ? (random.NextDouble() * Math.Pow(10, random.Next(-50, 50)) * (random.Next(2) == 0 ? 1 : -1)).ToString("R", CultureInfo.InvariantCulture)
            : s_numbers[random.Next(s_numbers.Length)];

        /// <summary>Any JSON value, nested a little.</summary>
        private string Any() => Any(3);

        private string Any(int depth) => random.Next(depth <= 0 ? 4 : 6) switch
        {
            0 => "null",
            1 => random.Next(2) == 0 ? "true" : "false",
            2 => Number(),
            3 => Quote(Text(random.Next(30))),
            4 => Array(() => Any(depth - 1)),
            _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => Field(Pick(() => "text", () => "labels", () => "terms", () => Text(3)), () => Any(depth - 1)))) + "}",
        };

        private static string PhotoLibraryFolder() => PhotoLibrary.Folder;

        /// <summary>A JSON string literal; escapes lone surrogates as \u escapes, so they reach the server as JSON allows.</summary>
        private static string Quote(string text)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in text)
            {
                if (c is '"' or '\\')
                {
                    sb.Append('\\').Append(c);
                }
                else if (c < 0x20 || char.IsSurrogate(c))
                {
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                }
                else
                {
                    sb.Append(c);
                }
            }

            return sb.Append('"').ToString();
        }

        private static ByteArrayContent Bytes(byte[] body, string contentType)
        {
            var content = new ByteArrayContent(body);
            if (MediaTypeHeaderValue.TryParse(contentType, out var type))
            {
                content.Headers.ContentType = type;
            }

            return content;
        }

        private T Pick<T>(params Func<T>[] choices) => choices[random.Next(choices.Length)]();
    }
}
