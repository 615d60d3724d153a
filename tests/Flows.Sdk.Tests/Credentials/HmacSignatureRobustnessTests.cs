using Flows.Sdk.Credentials;
using static Flows.Sdk.Tests.Credentials.SignatureTestData;

namespace Flows.Sdk.Tests.Credentials;

public class HmacSignatureRobustnessTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static HmacSignatureVerifier Verifier(HmacSignaturePreset preset) => new(new HmacSignatureOptions
    {
        Preset = preset,
        Secrets = [preset == HmacSignaturePreset.StandardWebhooks ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : "s3cret"],
    });

    [Test]
    public void Garbage_headers_never_throw_and_never_verify([Values] HmacSignaturePreset preset)
    {
        using var verifier = Verifier(preset);
        var random = new Random(1234 + (int)preset);
        const string alphabet = "t=v1,0123456789abcdefABCDEF+/= .,;:\"'\\-_\u00e9\u0000\r\n";
        string Garbage() => new(Enumerable.Range(0, random.Next(0, 120)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());

        for (var i = 0; i < 2000; i++)
        {
            var headers = Headers(
                (verifier.SignatureHeaderName, Garbage()),
                ("webhook-id", Garbage()),
                ("webhook-timestamp", random.Next(3) == 0 ? "1700000000" : Garbage()));
            var body = Utf8(Garbage());

            var result = verifier.VerifyAllWays(headers, body, Now);

            result.IsValid.Should().BeFalse();
        }
    }

    [Test]
    public void Stripe_header_tolerates_spaces_and_several_header_values()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe);
        var v1 = HexHmacSha256("s3cret", "1700000000.body");

        verifier.VerifyAllWays(Headers(("Stripe-Signature", $" t=1700000000 , v1={v1} ")), Utf8("body"), Now).IsValid.Should().BeTrue();
        verifier.VerifyAllWays(Headers(("Stripe-Signature", "t=1700000000"), ("Stripe-Signature", $"v1={v1}")), Utf8("body"), Now).IsValid.Should().BeTrue();
    }

    [Test]
    public void A_huge_timestamp_is_expired_not_an_overflow()
    {
        using var verifier = Verifier(HmacSignaturePreset.Stripe);

        verifier.VerifyAllWays(Headers(("Stripe-Signature", $"t={long.MaxValue},v1={new string('0', 64)}")), Utf8("body"), Now)
            .Status.Should().Be(SignatureVerificationStatus.Expired);
        verifier.VerifyAllWays(Headers(("Stripe-Signature", $"t=99999999999999999999999,v1={new string('0', 64)}")), Utf8("body"), Now)
            .Status.Should().Be(SignatureVerificationStatus.MalformedTimestamp);
    }

    [Test]
    public void A_disposed_verification_cannot_be_used()
    {
        using var verifier = Verifier(HmacSignaturePreset.None);
        var verification = verifier.Begin(Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc"))), Now);
        verification.Dispose();

        verification.Invoking(v => v.Append(Utf8("abc"))).Should().Throw<ObjectDisposedException>();
        verification.Invoking(v => v.Complete()).Should().Throw<ObjectDisposedException>();
    }

    [Test]
    public void Verifications_from_many_threads_at_once_agree()
    {
        using var verifier = Verifier(HmacSignaturePreset.None);
        var good = Headers(("x-eio-signature", HexHmacSha256("s3cret", "abc")));
        var bad = Headers(("x-eio-signature", HexHmacSha256("s3cret", "abd")));
        var wrong = 0;

        Parallel.For(0, 20_000, i =>
        {
            var expected = i % 2 == 0;
            if (verifier.Verify(expected ? good : bad, Utf8("abc"), Now).IsValid != expected)
            {
                Interlocked.Increment(ref wrong);
            }
        });

        wrong.Should().Be(0);
    }
}
