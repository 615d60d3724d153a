using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Flows.Sdk.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using StandardWebhooks;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// HMAC-SHA256 verification of one request: our verifier (plain scheme, Standard Webhooks preset, and the incremental
/// path fed in 4 KiB segments as the hook does), the bare BCL primitives as the baseline, and the StandardWebhooks
/// NuGet package on the Standard Webhooks scheme. Every method returns whether the request is valid; setup checks it is.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class HmacVerificationBenchmarks
{
    private const string MessageId = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";

    private byte[] _body = [];
    private string _bodyText = "";
    private byte[] _key = [];
    private string _hexSignature = "";
    private Dictionary<string, StringValues> _plainHeaders = [];
    private Dictionary<string, StringValues> _standardHeaders = [];
    private HeaderDictionary _packageHeaders = [];
    private HmacSignatureVerifier _plain = null!;
    private HmacSignatureVerifier _standard = null!;
    private StandardWebhook _package = null!;
    private DateTimeOffset _now;

    /// <summary>The body size in bytes: 1 KiB and 1 MiB.</summary>
    [Params(1024, 1024 * 1024)]
    public int BodySize { get; set; }

    /// <summary>Builds the body, the secrets and the signed headers, and checks every method accepts them.</summary>
    [GlobalSetup]
    public void Setup()
    {
        // A JSON-like ASCII body, so the package (which takes a string) sees exactly the same bytes.
        var random = new Random(42);
        var text = new StringBuilder("{\"data\":\"");
        while (text.Length < BodySize - 2)
        {
            text.Append((char)('a' + random.Next(26)));
        }

        _bodyText = text.Append("\"}").ToString();
        _body = Encoding.UTF8.GetBytes(_bodyText);
        _key = new byte[32];
        random.NextBytes(_key);
        var secretText = Convert.ToHexString(_key); // plain scheme secrets are UTF-8 text
        var plainKey = Encoding.UTF8.GetBytes(secretText);
        var standardSecret = "whsec_" + Convert.ToBase64String(_key);

        _now = DateTimeOffset.UtcNow;
        var timestamp = _now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        _hexSignature = Convert.ToHexString(HMACSHA256.HashData(plainKey, _body)).ToLowerInvariant();
        _plainKeyForBcl = plainKey;
        _plainHeaders = new(StringComparer.OrdinalIgnoreCase) { ["x-eio-signature"] = _hexSignature };

        var signed = Encoding.UTF8.GetBytes($"{MessageId}.{timestamp}.").Concat(_body).ToArray();
        var standardSignature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(_key, signed));
        _standardHeaders = new(StringComparer.OrdinalIgnoreCase)
        {
            ["webhook-id"] = MessageId,
            ["webhook-timestamp"] = timestamp,
            ["webhook-signature"] = standardSignature,
        };
        _packageHeaders = new HeaderDictionary
        {
            ["webhook-id"] = MessageId,
            ["webhook-timestamp"] = timestamp,
            ["webhook-signature"] = standardSignature,
        };

        _plain = new HmacSignatureVerifier(new HmacSignatureOptions { Secrets = [secretText] });
        _standard = new HmacSignatureVerifier(new HmacSignatureOptions { Preset = HmacSignaturePreset.StandardWebhooks, Secrets = [standardSecret] });
        _package = new StandardWebhook(standardSecret);

        if (!Bcl() || !OursPlain() || !OursPlainIncremental() || !OursStandardWebhooks() || !StandardWebhooksPackage())
        {
            throw new InvalidOperationException("A benchmark does not accept its own valid request.");
        }
    }

    private byte[] _plainKeyForBcl = [];

    /// <summary>Releases the verifiers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _standard.Dispose();
    }

    /// <summary>The bare primitives: decode the hex signature, <c>HMACSHA256.HashData</c>, <c>FixedTimeEquals</c>.</summary>
    [Benchmark(Baseline = true, Description = "BCL HMACSHA256.HashData + FixedTimeEquals (plain)")]
    public bool Bcl()
    {
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        Convert.FromHexString(_hexSignature, expected, out _, out _);
        HMACSHA256.HashData(_plainKeyForBcl, _body, actual);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>Our verifier, plain scheme, one-shot over the whole body.</summary>
    [Benchmark(Description = "Flows.Sdk plain hmac (one-shot span)")]
    public bool OursPlain() => _plain.Verify(_plainHeaders, _body, _now).IsValid;

    /// <summary>Our verifier, plain scheme, fed in 4 KiB segments like the hook reading a PipeReader.</summary>
    [Benchmark(Description = "Flows.Sdk plain hmac (incremental, 4 KiB segments)")]
    public bool OursPlainIncremental()
    {
        using var verification = _plain.Begin(_plainHeaders, _now);
        var body = _body.AsSpan();
        while (body.Length > 4096)
        {
            verification.Append(body[..4096]);
            body = body[4096..];
        }

        verification.Append(body);
        return verification.Complete().IsValid;
    }

    /// <summary>Our verifier, Standard Webhooks preset, one-shot over the whole body.</summary>
    [Benchmark(Description = "Flows.Sdk standard-webhooks preset (one-shot span)")]
    public bool OursStandardWebhooks() => _standard.Verify(_standardHeaders, _body, _now).IsValid;

    /// <summary>The StandardWebhooks 1.1.2 package on the same request (it takes the body as a string and throws on failure).</summary>
    [Benchmark(Description = "StandardWebhooks 1.1.2 package")]
    public bool StandardWebhooksPackage()
    {
        _package.Verify(_bodyText, _packageHeaders);
        return true;
    }
}
