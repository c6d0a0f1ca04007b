using System.Globalization;
using System.Text;

namespace ClipSharp.Tests.Fuzz;

/// <summary>What one fuzz run did: how many inputs were accepted, how many refused and by which error.</summary>
internal sealed class FuzzReport(string target, int seed)
{
    public string Target { get; } = target;

    public int Seed { get; } = seed;

    public int Cases { get; set; }

    public int Accepted { get; set; }

    public int Rejected { get; set; }

    /// <summary>The largest managed allocation of one case, in bytes.</summary>
    public long MaxAllocated { get; set; }

    /// <summary>Refusals by their first words (the error kind and the start of its message).</summary>
    public SortedDictionary<string, int> RejectedBy { get; } = new(StringComparer.Ordinal);

    public List<string> Failures { get; } = [];

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Target}: {Cases} cases (seed {Seed}), {Accepted} accepted, {Rejected} refused, largest allocation {MaxAllocated:N0} B");
        foreach (var (why, count) in RejectedBy.OrderByDescending(p => p.Value).Take(12))
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n  {count,6}  {why}");
        }

        return sb.ToString();
    }
}
