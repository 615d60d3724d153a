using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Credentials;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Tests.Credentials;

internal static class SignatureTestData
{
    public static Dictionary<string, StringValues> Headers(params (string Name, string Value)[] headers)
    {
        var result = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            result[name] = StringValues.Concat(result.TryGetValue(name, out var existing) ? existing : StringValues.Empty, value);
        }

        return result;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string HexHmacSha256(string key, string content) =>
        Convert.ToHexString(HMACSHA256.HashData(Utf8(key), Utf8(content))).ToLowerInvariant();

    public static string Base64HmacSha256(byte[] key, string content) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Utf8(content)));

    /// <summary>Splits <paramref name="bytes"/> into a multi-segment sequence, cutting after each of <paramref name="cuts"/>.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Append(bytes.Length).ToArray();
        Segment? first = null;
        Segment? last = null;
        var start = 0;
        foreach (var end in bounds)
        {
            var segment = new Segment(bytes.AsMemory(start, end - start), last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
            start = end;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Every way to verify the same request must agree: contiguous, segmented, incremental.</summary>
    public static SignatureVerificationResult VerifyAllWays(this HmacSignatureVerifier verifier, Dictionary<string, StringValues> headers, byte[] body, DateTimeOffset now)
    {
        var contiguous = verifier.Verify(headers, body, now);
        var segmented = verifier.Verify(headers, Segmented(body, 1, body.Length / 2, body.Length - 1), now);
        SignatureVerificationResult incremental;
        using (var verification = verifier.Begin(headers, now))
        {
            foreach (var segment in Segmented(body, 1, body.Length / 3, body.Length - 1))
            {
                verification.Append(segment.Span);
            }

            incremental = verification.Complete();
        }

        segmented.Should().Be(contiguous, "a segmented body must give the same result as a contiguous one");
        incremental.Should().Be(contiguous, "an incremental verification must give the same result as a one-shot one");
        return contiguous;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
