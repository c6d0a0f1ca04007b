using System.Globalization;

namespace ClipSharp.Models;

/// <summary>
/// When and how long to wait before repeating a request that failed transiently: exponential backoff with jitter
/// (<see cref="ModelHubOptions.RetryDelay"/> doubling up to <see cref="ModelHubOptions.MaxRetryDelay"/>), or the
/// server's <c>Retry-After</c> when it sent one, at most <see cref="ModelHubOptions.MaxRetries"/> times.
/// </summary>
internal sealed class RetryPolicy(ModelHubOptions options)
{
    public int MaxRetries => Math.Max(0, options.MaxRetries);

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, fails for good, or the retries are spent.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, Action<string>? notice, CancellationToken cancellationToken)
    {
        for (int retry = 0; ; retry++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (HubRequestFailure failure) when (failure.Transient)
            {
                await WaitAsync(failure, retry, notice, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Waits before retry number <paramref name="retry"/> + 1 and says so through <paramref name="notice"/>; throws the
    /// failure, marked final, when no retry is left or the server asks for a longer wait than
    /// <see cref="ModelHubOptions.MaxRetryAfter"/>.
    /// </summary>
    public async Task WaitAsync(HubRequestFailure failure, int retry, Action<string>? notice, CancellationToken cancellationToken)
    {
        if (retry >= MaxRetries)
        {
            throw retry == 0 ? Final(failure, failure.Message)
                : Final(failure, string.Create(CultureInfo.InvariantCulture, $"{failure.Message} (gave up after {retry} {(retry == 1 ? "retry" : "retries")})"));
        }

        TimeSpan delay;
        if (failure.RetryAfter is { } asked)
        {
            if (asked > options.MaxRetryAfter)
            {
                throw Final(failure, string.Create(CultureInfo.InvariantCulture,
                    $"{failure.Message}; the server asks to retry after {asked.TotalSeconds:0} s, longer than this client waits ({options.MaxRetryAfter.TotalSeconds:0} s): try again later"));
            }

            delay = asked;
        }
        else
        {
            delay = Backoff(retry);
        }

        notice?.Invoke(string.Create(CultureInfo.InvariantCulture, $"{failure.Message}; retrying in {delay.TotalSeconds:0.0} s ({retry + 1} of {MaxRetries})"));
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The backoff before retry number <paramref name="retry"/> + 1: the base delay doubled per earlier retry, capped, of
    /// which the upper half is random ("equal jitter"), so that clients that failed together do not come back together.
    /// </summary>
    internal TimeSpan Backoff(int retry)
    {
        double ceiling = Math.Min(options.MaxRetryDelay.TotalSeconds, options.RetryDelay.TotalSeconds * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromSeconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    private static HubRequestFailure Final(HubRequestFailure failure, string message)
        => new(failure.Kind, message, transient: false, null, failure);
}
