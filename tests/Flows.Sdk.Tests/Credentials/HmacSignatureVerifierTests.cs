using System.Security.Cryptography;
using Flows.Sdk.Credentials;
using static Flows.Sdk.Tests.Credentials.SignatureTestData;

namespace Flows.Sdk.Tests.Credentials;

public class HmacSignatureVerifierTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static HmacSignatureVerifier Plain(Action<HmacSignatureOptions>? configure = null, params string[] secrets)
    {
        var options = new HmacSignatureOptions { Secrets = secrets.Length == 0 ? ["s3cret"] : secrets };
        configure?.Invoke(options);
        return new HmacSignatureVerifier(options);
    }

    // ---- plain scheme ----

    [Test]
    public void Plain_scheme_accepts_a_hex_hmac_sha256_of_the_body_in_x_eio_signature()
    {
        using var verifier = Plain();
        var body = Utf8("{\"petname\":\"Rex\"}");

        var result = verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("s3cret", "{\"petname\":\"Rex\"}"))), body, Now);

        result.Status.Should().Be(SignatureVerificationStatus.Valid);
        result.HeaderName.Should().Be("x-eio-signature");
    }

    [Test]
    public void Plain_scheme_accepts_upper_case_hex()
    {
        using var verifier = Plain();
        var signature = HexHmacSha256("s3cret", "abc").ToUpperInvariant();

        verifier.VerifyAllWays(Headers(("X-EIO-SIGNATURE", signature)), Utf8("abc"), Now).IsValid.Should().BeTrue();
    }

    [Test]
    public void Plain_scheme_refuses_a_signature_of_another_body()
    {
        using var verifier = Plain();

        var result = verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc"))), Utf8("abd"), Now);

        result.Status.Should().Be(SignatureVerificationStatus.Mismatch);
        result.MessageId.Should().BeNull();
    }

    [Test]
    public void Plain_scheme_refuses_a_signature_made_with_another_secret()
    {
        using var verifier = Plain();

        verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("other", "abc"))), Utf8("abc"), Now)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void Missing_signature_names_the_header_in_its_message()
    {
        using var verifier = Plain();

        var result = verifier.VerifyAllWays(Headers(("content-type", "application/json")), Utf8("abc"), Now);

        result.Status.Should().Be(SignatureVerificationStatus.MissingSignature);
        result.Message.Should().Be("The request is expected to be signed. Please send the signature using the x-eio-signature HTTP header");
    }

    [Test]
    public void An_empty_signature_header_counts_as_missing()
    {
        using var verifier = Plain();

        verifier.VerifyAllWays(Headers(("x-eio-signature", "  ")), Utf8("abc"), Now)
            .Status.Should().Be(SignatureVerificationStatus.MissingSignature);
    }

    [TestCase("zz")]
    [TestCase("not hex at all")]
    [TestCase("abc")]
    [TestCase("0011")]
    public void Plain_scheme_reports_bad_hex_or_a_wrong_length_as_malformed(string signature)
    {
        using var verifier = Plain();

        var result = verifier.VerifyAllWays(Headers(("x-eio-signature", signature)), Utf8("abc"), Now);

        result.Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Plain_scheme_with_a_prefix_requires_it()
    {
        using var verifier = Plain(o => o.Prefix = "sha256=");
        var hex = HexHmacSha256("s3cret", "abc");

        verifier.VerifyAllWays(Headers(("x-eio-signature", "sha256=" + hex)), Utf8("abc"), Now).IsValid.Should().BeTrue();
        verifier.VerifyAllWays(Headers(("x-eio-signature", hex)), Utf8("abc"), Now).Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Plain_scheme_supports_sha512()
    {
        using var verifier = Plain(o => o.Algorithm = HmacSignatureAlgorithm.Sha512, "k1");
        // openssl dgst -sha512 -hmac k1 over "hello"
        const string expected = "c4e53168ffcb1383c7331e2b887a8ce5ffef636d628db8ce04f0732f5db037f0872e99de5938bb4f990587c6fb974be6c2d0043d36d15bf821b3bac7535a1366";

        verifier.VerifyAllWays(Headers(("x-eio-signature", expected)), Utf8("hello"), Now).IsValid.Should().BeTrue();
    }

    [Test]
    public void Plain_scheme_supports_sha1_for_legacy_senders()
    {
        using var verifier = Plain(o => o.Algorithm = HmacSignatureAlgorithm.Sha1, "k1");
        // openssl dgst -sha1 -hmac k1 over "hello"
        verifier.VerifyAllWays(Headers(("x-eio-signature", "4c250fed12e3571a29a32917139ac5d39a28a66c")), Utf8("hello"), Now)
            .IsValid.Should().BeTrue();
    }

    [Test]
    public void A_sha256_signature_is_malformed_for_a_sha512_verifier()
    {
        using var verifier = Plain(o => o.Algorithm = HmacSignatureAlgorithm.Sha512);

        verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc"))), Utf8("abc"), Now)
            .Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Plain_scheme_supports_base64()
    {
        using var verifier = Plain(o => o.Encoding = SignatureEncoding.Base64);

        verifier.VerifyAllWays(Headers(("x-eio-signature", Base64HmacSha256(Utf8("s3cret"), "abc"))), Utf8("abc"), Now)
            .IsValid.Should().BeTrue();
        verifier.VerifyAllWays(Headers(("x-eio-signature", "***not base64***")), Utf8("abc"), Now)
            .Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Plain_scheme_uses_the_configured_header_and_id_header()
    {
        using var verifier = Plain(o =>
        {
            o.HeaderName = "X-Signature";
            o.IdHeader = "X-Delivery";
        });

        var result = verifier.VerifyAllWays(
            Headers(("x-signature", HexHmacSha256("s3cret", "abc")), ("x-delivery", "d-1")), Utf8("abc"), Now);

        result.IsValid.Should().BeTrue();
        result.MessageId.Should().Be("d-1");
        result.HeaderName.Should().Be("X-Signature");
    }

    [Test]
    public void Plain_scheme_without_the_id_header_is_still_valid_but_has_no_message_id()
    {
        using var verifier = Plain(o => o.IdHeader = "X-Delivery");

        var result = verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc"))), Utf8("abc"), Now);

        result.IsValid.Should().BeTrue();
        result.MessageId.Should().BeNull();
    }

    [Test]
    public void An_empty_body_can_be_verified()
    {
        using var verifier = Plain();

        verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("s3cret", ""))), [], Now).IsValid.Should().BeTrue();
    }

    [Test]
    public void A_large_body_split_anywhere_gives_the_same_result()
    {
        using var verifier = Plain();
        var body = new byte[100_003];
        new Random(42).NextBytes(body);
        var signature = Convert.ToHexString(HMACSHA256.HashData(Utf8("s3cret"), body));

        foreach (var cuts in new[] { new[] { 1 }, new[] { 4096, 8192, 50_000 }, new[] { 99_999, 100_002 } })
        {
            verifier.Verify(Headers(("x-eio-signature", signature)), Segmented(body, cuts), Now).IsValid.Should().BeTrue();
        }
    }

    // ---- rotation ----

    [Test]
    public void Any_of_several_secrets_may_match_so_secrets_can_be_rotated()
    {
        using var verifier = Plain(null, "old-secret", "new-secret");

        verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("old-secret", "abc"))), Utf8("abc"), Now).IsValid.Should().BeTrue();
        verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("new-secret", "abc"))), Utf8("abc"), Now).IsValid.Should().BeTrue();
        verifier.VerifyAllWays(Headers(("x-eio-signature", HexHmacSha256("retired", "abc"))), Utf8("abc"), Now)
            .Status.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void Several_header_values_are_each_tried()
    {
        using var verifier = Plain();

        var headers = Headers(("x-eio-signature", HexHmacSha256("other", "abc")), ("x-eio-signature", HexHmacSha256("s3cret", "abc")));

        verifier.VerifyAllWays(headers, Utf8("abc"), Now).IsValid.Should().BeTrue();
    }

    // ---- headers ----

    [Test]
    public void Headers_of_a_case_sensitive_dictionary_are_found_case_insensitively()
    {
        using var verifier = Plain();
        var headers = new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>(StringComparer.Ordinal)
        {
            ["X-Eio-Signature"] = HexHmacSha256("s3cret", "abc"),
        };

        verifier.Verify(headers, Utf8("abc"), Now).IsValid.Should().BeTrue();
    }

    // ---- incremental ----

    [Test]
    public void Begin_rejects_a_request_without_signature_before_the_body_is_read()
    {
        using var verifier = Plain();
        using var verification = verifier.Begin(Headers(), Now);

        verification.IsRejected.Should().BeTrue();
        verification.Append(Utf8("ignored"));
        verification.Complete().Status.Should().Be(SignatureVerificationStatus.MissingSignature);
    }

    [Test]
    public void Begin_rejects_a_malformed_signature_before_the_body_is_read()
    {
        using var verifier = Plain();
        using var verification = verifier.Begin(Headers(("x-eio-signature", "xyz")), Now);

        verification.IsRejected.Should().BeTrue();
        verification.Complete().Status.Should().Be(SignatureVerificationStatus.MalformedSignature);
    }

    [Test]
    public void Complete_returns_the_same_result_when_called_again_and_append_afterwards_throws()
    {
        using var verifier = Plain();
        using var verification = verifier.Begin(Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc"))), Now);
        verification.IsRejected.Should().BeFalse();
        verification.Append(Utf8("ab"));
        verification.Append(Utf8("c"));

        verification.Complete().IsValid.Should().BeTrue();
        verification.Complete().IsValid.Should().BeTrue();
        verification.Invoking(v => v.Append(Utf8("d"))).Should().Throw<InvalidOperationException>();
    }

    [Test]
    public void An_abandoned_verification_does_not_poison_the_next_one()
    {
        using var verifier = Plain();
        var headers = Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc")));
        using (var abandoned = verifier.Begin(headers, Now))
        {
            abandoned.Append(Utf8("garbage"));
        }

        verifier.VerifyAllWays(headers, Utf8("abc"), Now).IsValid.Should().BeTrue();
    }

    // ---- options ----

    [Test]
    public void Options_without_secrets_are_refused()
    {
        var act = () => new HmacSignatureVerifier(new HmacSignatureOptions());

        act.Should().Throw<ArgumentException>().WithMessage("*Secrets*");
    }

    [Test]
    public void Options_with_an_empty_secret_are_refused()
    {
        var act = () => new HmacSignatureVerifier(new HmacSignatureOptions { Secrets = ["ok", ""] });

        act.Should().Throw<ArgumentException>().WithMessage("*Secrets[1]*");
    }

    [Test]
    public void Options_with_a_tolerance_under_a_second_are_refused()
    {
        var act = () => new HmacSignatureVerifier(new HmacSignatureOptions { Secrets = ["s"], Tolerance = TimeSpan.Zero });

        act.Should().Throw<ArgumentException>().WithMessage("*Tolerance*");
    }

    [Test]
    public void A_bad_standard_webhooks_secret_is_refused_without_echoing_it()
    {
        var act = () => new HmacSignatureVerifier(new HmacSignatureOptions
        {
            Preset = HmacSignaturePreset.StandardWebhooks,
            Secrets = ["whsec_%%%topsecret%%%"],
        });

        act.Should().Throw<ArgumentException>().Which.Message.Should().NotContain("topsecret");
    }

    [Test]
    public void Results_never_carry_the_signature_or_the_secret()
    {
        using var verifier = Plain(null, "topsecret");
        var signature = HexHmacSha256("topsecret", "abc");

        foreach (var body in new[] { "abc", "abd" })
        {
            var result = verifier.Verify(Headers(("x-eio-signature", signature)), Utf8(body), Now);
            result.ToString().Should().NotContain("topsecret").And.NotContain(signature);
            result.Message.Should().NotContain("topsecret").And.NotContain(signature);
        }
    }

    // ---- allocations ----

    [TestCase(HmacSignaturePreset.None)]
    [TestCase(HmacSignaturePreset.GitHub)]
    [TestCase(HmacSignaturePreset.StandardWebhooks)]
    [TestCase(HmacSignaturePreset.Shopify)]
    public void Verifying_a_contiguous_body_allocates_nothing(HmacSignaturePreset preset)
    {
        var key = new byte[32];
        using var verifier = new HmacSignatureVerifier(new HmacSignatureOptions
        {
            Preset = preset,
            Secrets = [preset == HmacSignaturePreset.StandardWebhooks ? "whsec_" + Convert.ToBase64String(key) : "s3cret"],
        });
        var body = new byte[1024];
        var ts = Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var headers = preset switch
        {
            HmacSignaturePreset.None => Headers(("x-eio-signature", Convert.ToHexString(HMACSHA256.HashData(Utf8("s3cret"), body)))),
            HmacSignaturePreset.GitHub => Headers(("X-Hub-Signature-256", "sha256=" + Convert.ToHexString(HMACSHA256.HashData(Utf8("s3cret"), body)))),
            HmacSignaturePreset.Shopify => Headers(("X-Shopify-Hmac-SHA256", Convert.ToBase64String(HMACSHA256.HashData(Utf8("s3cret"), body)))),
            _ => Headers(("webhook-id", "msg_1"), ("webhook-timestamp", ts),
                ("webhook-signature", "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Utf8($"msg_1.{ts}.").Concat(body).ToArray())))),
        };

        for (var i = 0; i < 10; i++)
        {
            verifier.Verify(headers, body, Now).IsValid.Should().BeTrue();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            verifier.Verify(headers, body, Now);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }
}
