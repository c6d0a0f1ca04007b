using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ClipSharp.Server.Inference;

/// <summary>
/// Counters and histograms, written in the Prometheus text format by <c>/metrics</c>. Every label takes its value
/// from a closed set (methods HTTP defines, else <c>other</c>; route templates; status classes; tower names), so no
/// client can add series.
/// </summary>
internal sealed class ServerMetrics
{
    private static readonly string[] s_methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"];

    private static readonly double[] s_latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] s_batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128];

    private readonly ConcurrentDictionary<(string Method, string Route, string Status), long[]> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _latency = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _batchSizes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _batchRequests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Histogram> _inferenceSeconds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _queue = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long[]> _rejected = new(StringComparer.Ordinal);
    private long _inFlight;
    private long _unauthorized;

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    /// <param name="method">The request's method (anything; only the ones HTTP defines become labels).</param>
    /// <param name="route">The route template of the endpoint (a closed set), or "unmatched".</param>
    /// <param name="status">The status sent; counted by class (2xx, 4xx, …).</param>
    /// <param name="elapsed">The time from the start of the request to its end.</param>
    public void RequestFinished(string method, string route, int status, TimeSpan elapsed)
    {
        Interlocked.Decrement(ref _inFlight);
        string known = Array.Find(s_methods, m => m.Equals(method, StringComparison.OrdinalIgnoreCase)) ?? "other";
        string statusClass = status is >= 100 and <= 599 ? (status / 100).ToString(CultureInfo.InvariantCulture) + "xx" : "other";
        Interlocked.Increment(ref _requests.GetOrAdd((known, route, statusClass), _ => new long[1])[0]);
        _latency.GetOrAdd(route, _ => new Histogram(s_latencyBuckets)).Observe(elapsed.TotalSeconds);
    }

    /// <summary>A request refused for a missing or wrong API key (counted without labels).</summary>
    public void Unauthorized() => Interlocked.Increment(ref _unauthorized);

    public void Batch(string kind, int items, int requests, TimeSpan elapsed)
    {
        _batchSizes.GetOrAdd(kind, _ => new Histogram(s_batchBuckets)).Observe(items);
        _batchRequests.GetOrAdd(kind, _ => new Histogram(s_batchBuckets)).Observe(requests);
        _inferenceSeconds.GetOrAdd(kind, _ => new Histogram(s_latencyBuckets)).Observe(elapsed.TotalSeconds);
    }

    public void SetQueueLength(string kind, int length) => Volatile.Write(ref _queue.GetOrAdd(kind, _ => new long[1])[0], length);

    public void Rejected(string kind) => Interlocked.Increment(ref _rejected.GetOrAdd(kind, _ => new long[1])[0]);

    /// <param name="decodeMemory">The decode memory budget of the loaded model; null before it is loaded (its series then read 0).</param>
    public string Render(ClipSharp.Imaging.DecodeMemoryBudget? decodeMemory = null)
    {
        var sb = new StringBuilder();
        WriteHeader(sb, "clipsharp_http_requests_total", "counter", "HTTP requests by method, route and status class (requests with the API key, or to public endpoints).");
        foreach (var ((method, route, status), count) in _requests.OrderBy(k => k.Key.Route, StringComparer.Ordinal).ThenBy(k => k.Key.Status, StringComparer.Ordinal).ThenBy(k => k.Key.Method, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"clipsharp_http_requests_total{{method=\"{method}\",route=\"{Escape(route)}\",status=\"{status}\"}} {Interlocked.Read(ref count[0])}\n");
        }

        WriteSingle(sb, "clipsharp_http_unauthorized_total", "counter", "HTTP requests refused for a missing or wrong API key.", Interlocked.Read(ref _unauthorized));
        WriteSingle(sb, "clipsharp_http_requests_in_flight", "gauge", "HTTP requests being served.", Interlocked.Read(ref _inFlight));
        WriteHistograms(sb, "clipsharp_http_request_duration_seconds", "HTTP request latency by route.", "route", _latency);
        WriteHistograms(sb, "clipsharp_inference_batch_size", "Items (texts or images) per inference call.", "kind", _batchSizes);
        WriteHistograms(sb, "clipsharp_inference_batch_requests", "Requests combined into one inference call.", "kind", _batchRequests);
        WriteHistograms(sb, "clipsharp_inference_duration_seconds", "Duration of one inference call.", "kind", _inferenceSeconds);
        WriteHeader(sb, "clipsharp_inference_queue_length", "gauge", "Items waiting for or in inference.");
        foreach (var (kind, value) in _queue.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"clipsharp_inference_queue_length{{kind=\"{kind}\"}} {Volatile.Read(ref value[0])}\n");
        }

        WriteHeader(sb, "clipsharp_inference_rejected_total", "counter", "Requests refused because the queue was full.");
        foreach (var (kind, value) in _rejected.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"clipsharp_inference_rejected_total{{kind=\"{kind}\"}} {Interlocked.Read(ref value[0])}\n");
        }

        WriteDecodeMemory(sb, decodeMemory);
        using var process = Process.GetCurrentProcess();
        WriteSingle(sb, "process_resident_memory_bytes", "gauge", "Resident memory of the server process.", process.WorkingSet64);
        WriteSingle(sb, "process_resident_memory_peak_bytes", "gauge", "The most resident memory the server process has had (VmHWM on Linux).", process.PeakWorkingSet64);
        WriteSingle(sb, "dotnet_gc_heap_bytes", "gauge", "Bytes in the managed heap.", GC.GetTotalMemory(false));
        return sb.ToString();
    }

    private static void WriteHeader(StringBuilder sb, string name, string type, string help)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    /// <summary>A series without labels: its HELP and TYPE lines and its one sample.</summary>
    private static void WriteSingle(StringBuilder sb, string name, string type, string help, long value)
    {
        WriteHeader(sb, name, type, help);
        sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void WriteDecodeMemory(StringBuilder sb, ClipSharp.Imaging.DecodeMemoryBudget? budget)
    {
        WriteSingle(sb, "clipsharp_decode_memory_budget_bytes", "gauge", "The decode memory budget: the most bytes image decodes may reserve at once.", budget?.CapacityBytes ?? 0);
        WriteSingle(sb, "clipsharp_decode_memory_in_use_bytes", "gauge", "Bytes of the decode memory budget reserved by decodes now.", budget?.BytesInUse ?? 0);
        WriteSingle(sb, "clipsharp_decode_memory_peak_bytes", "gauge", "The most bytes of the decode memory budget ever reserved at once.", budget?.PeakBytesInUse ?? 0);
        WriteSingle(sb, "clipsharp_decode_memory_waiting", "gauge", "Decodes waiting for decode memory now.", budget?.Waiting ?? 0);
        WriteSingle(sb, "clipsharp_decode_memory_waits_total", "counter", "Decodes that had to wait for decode memory.", budget?.Waits ?? 0);
        WriteHeader(sb, "clipsharp_decode_memory_rejected_total", "counter", "Decodes refused: too-large (over the whole budget, 413), queue-full or timeout (503).");
        sb.Append(CultureInfo.InvariantCulture, $"clipsharp_decode_memory_rejected_total{{reason=\"queue-full\"}} {budget?.QueueFullRejections ?? 0}\n");
        sb.Append(CultureInfo.InvariantCulture, $"clipsharp_decode_memory_rejected_total{{reason=\"timeout\"}} {budget?.TimedOutRejections ?? 0}\n");
        sb.Append(CultureInfo.InvariantCulture, $"clipsharp_decode_memory_rejected_total{{reason=\"too-large\"}} {budget?.TooLargeRejections ?? 0}\n");
    }

    private static void WriteHistograms(StringBuilder sb, string name, string help, string label, ConcurrentDictionary<string, Histogram> histograms)
    {
        WriteHeader(sb, name, "histogram", help);
        foreach (var (key, h) in histograms.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            h.Write(sb, name, $"{label}=\"{Escape(key)}\"");
        }
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private readonly Lock _lock = new();
        private double _sum;

        public void Observe(double value)
        {
            int i = 0;
            while (i < bounds.Length && value > bounds[i])
            {
                i++;
            }

            lock (_lock)
            {
                _counts[i]++;
                _sum += value;
            }
        }

        public void Write(StringBuilder sb, string name, string labels)
        {
            long[] counts;
            double sum;
            lock (_lock)
            {
                counts = (long[])_counts.Clone();
                sum = _sum;
            }

            long cumulative = 0;
            for (int i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"{bounds[i]}\"}} {cumulative}\n");
            }

            cumulative += counts[^1];
            sb.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{name}_sum{{{labels}}} {sum}\n");
            sb.Append(CultureInfo.InvariantCulture, $"{name}_count{{{labels}}} {cumulative}\n");
        }
    }
}
