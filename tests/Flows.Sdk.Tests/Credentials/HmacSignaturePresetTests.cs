using Flows.Sdk.Credentials;
using Microsoft.Extensions.Time.Testing;
using static Flows.Sdk.Tests.Credentials.SignatureTestData;

namespace Flows.Sdk.Tests.Credentials;

public class HmacSignaturePresetTests
{
    private static HmacSignatureVerifier Verifier(HmacSignaturePreset preset, params string[] secrets) =>
        new(new HmacSignatureOptions { Preset = preset, Secrets = secrets });

    // ---- GitHub ----
    // The values GitHub's "Validating webhook deliveries" page gives to check an implementation.
    private const string GitHubSecret = "It's a Secret to Everybody";
    private const string GitHubPayload = "Hello, World!";
    private const string GitHubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    [Test]
    public void GitHub_preset_accepts_the_documented_example()
    {
        using var verifier = Verifier(HmacSignaturePreset.GitHub, GitHubSecret);

        var result = verifier.VerifyAllWays(
            Headers(("X-Hub-Signature-256", GitHubSignature), ("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")),
            Utf8(GitHubPayload), DateTimeOffset.UnixEpoch);

        result.IsValid.Should().BeTrue();
        result.MessageId.Should().Be("72d3162e-cc78-11e3-81ab-4c9367dc0958");
    }

    [Test]
    public void GitHub_preset_refuses_a_changed_payload()
    {
        using var verifier = Verifier(HmacSignaturePreset.GitHub, GitHubSecret);

        verifier.VerifyAllWays(Headers(("X-Hub-Signature-256", GitHubSignature)), Utf8("Hello, World?"), DateTimeOffset.UnixEpoch)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void GitHub_preset_requires_the_sha256_prefix()
    {
        using var verifier = Verifier(HmacSignaturePreset.GitHub, GitHubSecret);

        verifier.VerifyAllWays(Headers(("X-Hub-Signature-256", GitHubSignature["sha256=".Length..])), Utf8(GitHubPayload), DateTimeOffset.UnixEpoch)
            .Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void GitHub_preset_does_not_read_the_legacy_sha1_header()
    {
        using var verifier = Verifier(HmacSignaturePreset.GitHub, GitHubSecret);

        var result = verifier.VerifyAllWays(Headers(("X-Hub-Signature", "sha1=0000")), Utf8(GitHubPayload), DateTimeOffset.UnixEpoch);

        result.Status.Should().Be(SignatureVerificationStatus.MissingSignature);
        result.Message.Should().Contain("X-Hub-Signature-256");
    }

    // ---- Standard Webhooks ----
    // The test vector of the Standard Webhooks reference libraries ("sign function works").
    private const string SwSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SwMessageId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long SwTimestamp = 1614265330;
    private const string SwPayload = "{\"test\": 2432232314}";
    private const string SwSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly DateTimeOffset SwNow = DateTimeOffset.FromUnixTimeSeconds(SwTimestamp);

    private static Dictionary<string, Microsoft.Extensions.Primitives.StringValues> SwHeaders(
        string? id = SwMessageId, string? timestamp = "1614265330", string? signature = SwSignature)
    {
        var headers = Headers();
        if (id is not null)
        {
            headers["webhook-id"] = id;
        }

        if (timestamp is not null)
        {
            headers["webhook-timestamp"] = timestamp;
        }

        if (signature is not null)
        {
            headers["webhook-signature"] = signature;
        }

        return headers;
    }

    [TestCase(SwSecret)]
    [TestCase("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    public void Standard_webhooks_preset_accepts_the_reference_test_vector_with_or_without_the_secret_prefix(string secret)
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, secret);

        var result = verifier.VerifyAllWays(SwHeaders(), Utf8(SwPayload), SwNow);

        result.IsValid.Should().BeTrue();
        result.MessageId.Should().Be(SwMessageId);
    }

    [Test]
    public void Standard_webhooks_preset_accepts_a_list_with_one_valid_signature_and_ignores_other_versions()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);
        var signatures = string.Join(' ',
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            SwSignature,
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=");

        verifier.VerifyAllWays(SwHeaders(signature: signatures), Utf8(SwPayload), SwNow).IsValid.Should().BeTrue();
    }

    [Test]
    public void Standard_webhooks_preset_refuses_a_list_of_unknown_versions_only()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        verifier.VerifyAllWays(SwHeaders(signature: "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="), Utf8(SwPayload), SwNow)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [TestCase("v1,dawfeoifkpqwoekfpqoekf")]
    [TestCase("v1,g0hM9SsE")]
    [TestCase("v1,")]
    public void Standard_webhooks_preset_reports_invalid_or_partial_signatures_as_malformed(string signature)
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        verifier.VerifyAllWays(SwHeaders(signature: signature), Utf8(SwPayload), SwNow)
            .Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Standard_webhooks_preset_refuses_a_changed_payload()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        verifier.VerifyAllWays(SwHeaders(), Utf8("{\"test\": 2432232315}"), SwNow).Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void Standard_webhooks_preset_signs_the_message_id()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        verifier.VerifyAllWays(SwHeaders(id: "msg_other"), Utf8(SwPayload), SwNow).Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void Standard_webhooks_preset_requires_the_message_id()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        var result = verifier.VerifyAllWays(SwHeaders(id: null), Utf8(SwPayload), SwNow);

        result.Status.Should().Be(SignatureVerificationStatus.MissingMessageId);
        result.HeaderName.Should().Be("webhook-id");
    }

    [Test]
    public void Standard_webhooks_preset_requires_the_timestamp()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        var result = verifier.VerifyAllWays(SwHeaders(timestamp: null), Utf8(SwPayload), SwNow);

        result.Status.Should().Be(SignatureVerificationStatus.MissingTimestamp);
        result.HeaderName.Should().Be("webhook-timestamp");
    }

    [TestCase("hello")]
    [TestCase("-1614265330")]
    [TestCase("1614265330.5")]
    public void Standard_webhooks_preset_refuses_a_timestamp_that_is_not_whole_seconds(string timestamp)
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        verifier.VerifyAllWays(SwHeaders(timestamp: timestamp), Utf8(SwPayload), SwNow)
            .Status.Should().Be(SignatureVerificationStatus.MalformedTimestamp);
    }

    [Test]
    public void Standard_webhooks_preset_requires_the_signature()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        var result = verifier.VerifyAllWays(SwHeaders(signature: null), Utf8(SwPayload), SwNow);

        result.Status.Should().Be(SignatureVerificationStatus.MissingSignature);
        result.Message.Should().Be("The request is expected to be signed. Please send the signature using the webhook-signature HTTP header");
    }

    [TestCase(-301, SignatureVerificationStatus.Expired)]
    [TestCase(-300, SignatureVerificationStatus.Valid)]
    [TestCase(-299, SignatureVerificationStatus.Valid)]
    [TestCase(0, SignatureVerificationStatus.Valid)]
    [TestCase(299, SignatureVerificationStatus.Valid)]
    [TestCase(300, SignatureVerificationStatus.Valid)]
    [TestCase(301, SignatureVerificationStatus.Expired)]
    public void Standard_webhooks_preset_allows_300_seconds_either_way(int clockOffsetSeconds, SignatureVerificationStatus expected)
    {
        // The receiver's clock is ahead of the sender's for a positive offset, behind for a negative one.
        var clock = new FakeTimeProvider(SwNow.AddSeconds(clockOffsetSeconds));
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);

        var result = verifier.VerifyAllWays(SwHeaders(), Utf8(SwPayload), clock.GetUtcNow());

        result.Status.Should().Be(expected);
        if (expected == SignatureVerificationStatus.Expired)
        {
            result.HeaderName.Should().Be("webhook-timestamp");
        }
    }

    [Test]
    public void Standard_webhooks_preset_uses_the_configured_tolerance()
    {
        using var verifier = new HmacSignatureVerifier(new HmacSignatureOptions
        {
            Preset = HmacSignaturePreset.StandardWebhooks,
            Secrets = [SwSecret],
            Tolerance = TimeSpan.FromSeconds(10),
        });

        verifier.VerifyAllWays(SwHeaders(), Utf8(SwPayload), SwNow.AddSeconds(10)).IsValid.Should().BeTrue();
        verifier.VerifyAllWays(SwHeaders(), Utf8(SwPayload), SwNow.AddSeconds(11)).Status.Should().Be(SignatureVerificationStatus.Expired);
    }

    [Test]
    public void Standard_webhooks_preset_rotates_secrets()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, "whsec_" + Convert.ToBase64String(new byte[24]), SwSecret);

        verifier.VerifyAllWays(SwHeaders(), Utf8(SwPayload), SwNow).IsValid.Should().BeTrue();
    }

    [Test]
    public void Standard_webhooks_preset_verifies_large_segmented_bodies()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);
        var body = new byte[200_001];
        new Random(7).NextBytes(body);
        var key = Convert.FromBase64String("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        var signature = "v1," + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(key, Utf8($"{SwMessageId}.1614265330.").Concat(body).ToArray()));

        verifier.VerifyAllWays(SwHeaders(signature: signature), body, SwNow).IsValid.Should().BeTrue();
        verifier.Verify(SwHeaders(signature: signature), Segmented(body, 70_000, 140_000), SwNow).IsValid.Should().BeTrue();
    }

    [Test]
    public void Begin_rejects_an_expired_request_before_the_body_is_read()
    {
        using var verifier = Verifier(HmacSignaturePreset.StandardWebhooks, SwSecret);
        using var verification = verifier.Begin(SwHeaders(), SwNow.AddHours(1));

        verification.IsRejected.Should().BeTrue();
        verification.Complete().Status.Should().Be(SignatureVerificationStatus.Expired);
    }

    // ---- Stripe ----
    // Stripe signs "{t}.{body}" with the whole signing secret (whsec_ included) as the key; there is no published vector,
    // so these were computed with: printf '1700000000.{"id":"evt_1","object":"event"}' | openssl dgst -sha256 -hmac whsec_test_secret
    private const string StripeSecret = "whsec_test_secret";
    private const string StripePayload = "{\"id\":\"evt_1\",\"object\":\"event\"}";
    private const string StripeV1 = "0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd";
    private static readonly DateTimeOffset StripeNow = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Test]
    public void Stripe_preset_accepts_a_signature_over_the_timestamp_and_the_body()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        var result = verifier.VerifyAllWays(Headers(("Stripe-Signature", $"t=1700000000,v1={StripeV1}")), Utf8(StripePayload), StripeNow);

        result.IsValid.Should().BeTrue();
        result.MessageId.Should().BeNull();
    }

    [Test]
    public void Stripe_preset_vector_matches_the_reference_formula()
    {
        HexHmacSha256(StripeSecret, "1700000000." + StripePayload).Should().Be(StripeV1);
    }

    [Test]
    public void Stripe_preset_accepts_any_of_several_v1_signatures_and_ignores_v0()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);
        var header = $"t=1700000000, v1={new string('0', 64)}, v1={StripeV1}, v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";

        verifier.VerifyAllWays(Headers(("Stripe-Signature", header)), Utf8(StripePayload), StripeNow).IsValid.Should().BeTrue();
    }

    [Test]
    public void Stripe_preset_signs_the_timestamp()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        verifier.VerifyAllWays(Headers(("Stripe-Signature", $"t=1700000001,v1={StripeV1}")), Utf8(StripePayload), StripeNow)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void Stripe_preset_refuses_a_header_without_t()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        var result = verifier.VerifyAllWays(Headers(("Stripe-Signature", $"v1={StripeV1}")), Utf8(StripePayload), StripeNow);

        result.Status.Should().Be(SignatureVerificationStatus.MissingTimestamp);
        result.HeaderName.Should().Be("Stripe-Signature");
    }

    [TestCase("t=,v1=")]
    [TestCase("t=yesterday,v1=")]
    public void Stripe_preset_refuses_a_bad_t(string header)
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        verifier.VerifyAllWays(Headers(("Stripe-Signature", header + StripeV1)), Utf8(StripePayload), StripeNow)
            .Status.Should().Be(SignatureVerificationStatus.MalformedTimestamp);
    }

    [Test]
    public void Stripe_preset_refuses_bad_hex()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        verifier.VerifyAllWays(Headers(("Stripe-Signature", "t=1700000000,v1=" + new string('g', 64))), Utf8(StripePayload), StripeNow)
            .Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Stripe_preset_refuses_a_header_with_only_v0()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        verifier.VerifyAllWays(Headers(("Stripe-Signature", "t=1700000000,v0=" + StripeV1)), Utf8(StripePayload), StripeNow)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [TestCase(-301, SignatureVerificationStatus.Expired)]
    [TestCase(-300, SignatureVerificationStatus.Valid)]
    [TestCase(300, SignatureVerificationStatus.Valid)]
    [TestCase(301, SignatureVerificationStatus.Expired)]
    public void Stripe_preset_allows_300_seconds(int clockOffsetSeconds, SignatureVerificationStatus expected)
    {
        var clock = new FakeTimeProvider(StripeNow.AddSeconds(clockOffsetSeconds));
        using var verifier = Verifier(HmacSignaturePreset.Stripe, StripeSecret);

        verifier.VerifyAllWays(Headers(("Stripe-Signature", $"t=1700000000,v1={StripeV1}")), Utf8(StripePayload), clock.GetUtcNow())
            .Status.Should().Be(expected);
    }

    [Test]
    public void Stripe_preset_uses_the_whole_secret_as_the_key()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe, "test_secret");

        verifier.VerifyAllWays(Headers(("Stripe-Signature", $"t=1700000000,v1={StripeV1}")), Utf8(StripePayload), StripeNow)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    // ---- Shopify ----
    // printf '{"id":820982911946154508}' | openssl dgst -sha256 -hmac shpss_test_secret -binary | base64
    private const string ShopifySecret = "shpss_test_secret";
    private const string ShopifyPayload = "{\"id\":820982911946154508}";
    private const string ShopifySignature = "AU5n5C4JV1EbE8g4yEzV+ZHbqkXpM29HXkzNAa5zicA=";

    [Test]
    public void Shopify_preset_accepts_a_base64_signature_of_the_body()
    {
        using var verifier = Verifier(HmacSignaturePreset.Shopify, ShopifySecret);

        var result = verifier.VerifyAllWays(
            Headers(("X-Shopify-Hmac-Sha256", ShopifySignature), ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")),
            Utf8(ShopifyPayload), DateTimeOffset.UnixEpoch);

        result.IsValid.Should().BeTrue();
        result.MessageId.Should().Be("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    }

    [Test]
    public void Shopify_preset_refuses_a_changed_body()
    {
        using var verifier = Verifier(HmacSignaturePreset.Shopify, ShopifySecret);

        verifier.VerifyAllWays(Headers(("X-Shopify-Hmac-Sha256", ShopifySignature)), Utf8("{\"id\":820982911946154509}"), DateTimeOffset.UnixEpoch)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [TestCase("AU5n5C4JV1EbE8g4")]
    [TestCase("!!!!")]
    [TestCase("0155e7e42e09575"  + "11b13c838c84cd5f991dbaa45e9336f475e4ccd01ae7389c0")]
    public void Shopify_preset_refuses_what_is_not_a_base64_sha256(string signature)
    {
        using var verifier = Verifier(HmacSignaturePreset.Shopify, ShopifySecret);

        verifier.VerifyAllWays(Headers(("X-Shopify-Hmac-Sha256", signature)), Utf8(ShopifyPayload), DateTimeOffset.UnixEpoch)
            .Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void A_preset_header_name_can_be_overridden()
    {
        using var verifier = new HmacSignatureVerifier(new HmacSignatureOptions
        {
            Preset = HmacSignaturePreset.Shopify,
            Secrets = [ShopifySecret],
            HeaderName = "X-Forwarded-Hmac",
        });

        verifier.VerifyAllWays(Headers(("x-forwarded-hmac", ShopifySignature)), Utf8(ShopifyPayload), DateTimeOffset.UnixEpoch)
            .IsValid.Should().BeTrue();
    }
}
