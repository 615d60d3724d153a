using System.Text;
using Flows.Sdk.Credentials;
using Newtonsoft.Json.Linq;
using static Flows.Sdk.Tests.Credentials.SignatureTestData;

namespace Flows.Sdk.Tests.Credentials;

public class WebhookAuthenticatorTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static WebhookAuthenticationResult Authenticate(IWebhookAuthenticator authenticator, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> headers, string body = "{}") =>
        authenticator.Authenticate(headers, new System.Buffers.ReadOnlySequence<byte>(Utf8(body)), Now);

    private static string BasicHeader(string userColonPassword) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userColonPassword));

    // ---- none ----

    [Test]
    public void None_accepts_any_request()
    {
        var authenticator = WebhookAuthenticatorFactory.Create(new JObject { ["type"] = "none" });

        using var session = authenticator.Begin(Headers(), Now);

        session.IsDecided.Should().BeTrue();
        session.Complete().Succeeded.Should().BeTrue();
    }

    // ---- basic ----

    private static IWebhookAuthenticator Basic() =>
        WebhookAuthenticatorFactory.Create(new JObject { ["type"] = "basic", ["username"] = "flows", ["password"] = "pa:ss wörd" }, "Pet \"store\"");

    [Test]
    public void Basic_accepts_the_right_username_and_password()
    {
        var result = Authenticate(Basic(), Headers(("Authorization", BasicHeader("flows:pa:ss wörd"))));

        result.Succeeded.Should().BeTrue();
        result.StatusCode.Should().Be(200);
    }

    [Test]
    public void Basic_scheme_name_is_case_insensitive()
    {
        var header = "bAsIc " + Convert.ToBase64String(Encoding.UTF8.GetBytes("flows:pa:ss wörd"));

        Authenticate(Basic(), Headers(("authorization", header))).Succeeded.Should().BeTrue();
    }

    [Test]
    public void Basic_without_authorization_header_is_401_with_a_challenge()
    {
        var result = Authenticate(Basic(), Headers());

        result.StatusCode.Should().Be(401);
        result.WwwAuthenticate.Should().Be("Basic realm=\"Pet \\\"store\\\"\", charset=\"UTF-8\"");
        result.Message.Should().Contain("Authorization");
    }

    [TestCase("Bearer abc")]
    [TestCase("Basic")]
    [TestCase("Basic ")]
    [TestCase("Basic not-base64!")]
    [TestCase("Digest username=\"flows\"")]
    public void Basic_refuses_a_wrong_scheme_or_garbage(string header)
    {
        var result = Authenticate(Basic(), Headers(("Authorization", header)));

        result.StatusCode.Should().Be(401);
        result.WwwAuthenticate.Should().StartWith("Basic realm=");
    }

    [Test]
    public void Basic_refuses_credentials_without_a_colon()
    {
        Authenticate(Basic(), Headers(("Authorization", BasicHeader("flowspa:ss wörd"[..5])))).StatusCode.Should().Be(401);
    }

    [TestCase("flows:wrong")]
    [TestCase("flows:pa:ss wörd ")]
    [TestCase("flows:")]
    [TestCase("Flows:pa:ss wörd")]
    [TestCase("other:pa:ss wörd")]
    [TestCase(":pa:ss wörd")]
    public void Basic_refuses_a_wrong_username_or_password(string credentials)
    {
        var result = Authenticate(Basic(), Headers(("Authorization", BasicHeader(credentials))));

        result.StatusCode.Should().Be(401);
        result.Message.Should().NotContain("wörd").And.NotContain("wrong");
    }

    [Test]
    public void Basic_refuses_two_authorization_headers()
    {
        var good = BasicHeader("flows:pa:ss wörd");

        Authenticate(Basic(), Headers(("Authorization", good), ("Authorization", good))).StatusCode.Should().Be(401);
    }

    [Test]
    public void Basic_handles_a_very_long_header()
    {
        Authenticate(Basic(), Headers(("Authorization", BasicHeader("flows:" + new string('x', 5000))))).StatusCode.Should().Be(401);
    }

    // ---- apiKey ----

    private static IWebhookAuthenticator ApiKey() =>
        WebhookAuthenticatorFactory.Create(new JObject { ["type"] = "apiKey", ["headerName"] = "X-Api-Key", ["headerValue"] = "k-123_abc.~" });

    [Test]
    public void ApiKey_accepts_the_right_key_in_its_header_whatever_the_header_case()
    {
        Authenticate(ApiKey(), Headers(("x-api-key", "k-123_abc.~"))).Succeeded.Should().BeTrue();
    }

    [TestCase("k-123_abc.")]
    [TestCase("k-123_abc.~~")]
    [TestCase("K-123_ABC.~")]
    [TestCase("")]
    public void ApiKey_refuses_another_key(string key)
    {
        var result = Authenticate(ApiKey(), Headers(("X-Api-Key", key)));

        result.StatusCode.Should().Be(401);
        result.WwwAuthenticate.Should().BeNull();
    }

    [Test]
    public void ApiKey_without_its_header_is_401_naming_the_header()
    {
        var result = Authenticate(ApiKey(), Headers(("Authorization", "k-123_abc.~")));

        result.StatusCode.Should().Be(401);
        result.Message.Should().Be("The request is expected to carry an API key. Please send it using the X-Api-Key HTTP header");
    }

    // ---- hmac ----

    private static IWebhookAuthenticator Hmac() =>
        WebhookAuthenticatorFactory.Create(new JObject { ["type"] = "hmac", ["preset"] = "github", ["secrets"] = new JArray("It's a Secret to Everybody") });

    [Test]
    public void Hmac_accepts_a_valid_signature_and_reports_the_message_id()
    {
        var result = Authenticate(Hmac(),
            Headers(("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"), ("X-GitHub-Delivery", "d-1")),
            "Hello, World!");

        result.Succeeded.Should().BeTrue();
        result.MessageId.Should().Be("d-1");
        result.SignatureStatus.Should().Be(SignatureVerificationStatus.Valid);
    }

    [Test]
    public void Hmac_without_signature_is_400_before_the_body_is_needed()
    {
        using var session = Hmac().Begin(Headers(), Now);

        session.IsDecided.Should().BeTrue();
        var result = session.Complete();
        result.StatusCode.Should().Be(400);
        result.Message.Should().Be("The request is expected to be signed. Please send the signature using the X-Hub-Signature-256 HTTP header");
    }

    [TestCase("sha256=xyz", TestName = "Hmac_with_a_signature_that_is_not_hex_is_401")]
    [TestCase("sha256=abcd", TestName = "Hmac_with_a_signature_of_the_wrong_length_is_401")]
    [TestCase("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", TestName = "Hmac_with_a_signature_without_its_prefix_is_401")]
    public void Hmac_with_a_malformed_signature_is_a_wrong_signature(string signature)
    {
        var result = Authenticate(Hmac(), Headers(("X-Hub-Signature-256", signature)), "Hello, World!");

        result.StatusCode.Should().Be(401);
        result.SignatureStatus.Should().Be(SignatureVerificationStatus.MalformedSignature);
        result.Message.Should().Be("The signature in the X-Hub-Signature-256 HTTP header is not well formed.");
    }

    [Test]
    public void Hmac_with_a_malformed_timestamp_is_401_and_a_missing_one_is_400()
    {
        var authenticator = WebhookAuthenticatorFactory.Create(new JObject
        {
            ["type"] = "hmac",
            ["preset"] = "standard-webhooks",
            ["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        });
        var body = new System.Buffers.ReadOnlySequence<byte>(Utf8("{\"test\": 2432232314}"));
        const string Signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

        var malformed = authenticator.Authenticate(
            Headers(("webhook-id", "msg_1"), ("webhook-timestamp", "yesterday"), ("webhook-signature", Signature)), body, Now);
        var missing = authenticator.Authenticate(Headers(("webhook-id", "msg_1"), ("webhook-signature", Signature)), body, Now);

        malformed.StatusCode.Should().Be(401);
        malformed.SignatureStatus.Should().Be(SignatureVerificationStatus.MalformedTimestamp);
        missing.StatusCode.Should().Be(400);
        missing.SignatureStatus.Should().Be(SignatureVerificationStatus.MissingTimestamp);
    }

    [Test]
    public void Hmac_with_a_wrong_signature_is_401()
    {
        var result = Authenticate(Hmac(), Headers(("X-Hub-Signature-256", "sha256=" + new string('0', 64))), "Hello, World!");

        result.StatusCode.Should().Be(401);
        result.SignatureStatus.Should().Be(SignatureVerificationStatus.Mismatch);
    }

    [Test]
    public void Hmac_with_an_expired_timestamp_is_401()
    {
        var authenticator = WebhookAuthenticatorFactory.Create(new JObject
        {
            ["type"] = "hmac",
            ["preset"] = "standard-webhooks",
            ["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        });
        var headers = Headers(("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), ("webhook-timestamp", "1614265330"), ("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));

        var result = authenticator.Authenticate(headers, new System.Buffers.ReadOnlySequence<byte>(Utf8("{\"test\": 2432232314}")), Now);

        result.StatusCode.Should().Be(401);
        result.SignatureStatus.Should().Be(SignatureVerificationStatus.Expired);
    }

    [Test]
    public void Hmac_session_takes_the_body_in_segments()
    {
        using var session = Hmac().Begin(Headers(("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")), Now);

        session.NeedsBody.Should().BeTrue();
        session.Append(Utf8("Hello, "));
        session.Append(Segmented(Utf8("World!"), 2, 4));
        session.Complete().Succeeded.Should().BeTrue();
    }
}

/// <summary>What the receiver learns from any authenticator, without knowing its type.</summary>
public class WebhookAuthenticatorPortTests
{
    [Test]
    public void An_hmac_authenticator_asks_replay_ids_to_be_kept_for_twice_its_tolerance()
    {
        using var authenticator = (IDisposable)WebhookAuthenticatorFactory.Create(new JObject
        {
            ["type"] = "hmac", ["preset"] = "standard-webhooks", ["secret"] = "whsec_" + Convert.ToBase64String(new byte[24]), ["toleranceSeconds"] = 90,
        });

        ((IWebhookAuthenticator)authenticator).ReplayWindow.Should().Be(TimeSpan.FromSeconds(180));
        ((IWebhookAuthenticator)authenticator).SecretHeaders.Should().BeEmpty();
    }

    [Test]
    public void An_api_key_authenticator_names_its_header_as_holding_a_secret()
    {
        var authenticator = WebhookAuthenticatorFactory.Create(new JObject { ["type"] = "apiKey", ["headerName"] = "X-Api-Key", ["headerValue"] = "k3y" });

        authenticator.SecretHeaders.Should().Equal("x-api-key");
    }

    [TestCase("none")]
    [TestCase("basic")]
    public void Header_only_schemes_need_no_more_redaction_than_the_defaults_and_keep_the_default_window(string type)
    {
        var fields = new JObject { ["type"] = type, ["username"] = "u", ["password"] = "p" };
        if (type == "none")
        {
            fields = new JObject { ["type"] = "none" };
        }

        var authenticator = WebhookAuthenticatorFactory.Create(fields);

        authenticator.SecretHeaders.Should().BeEmpty("Authorization is always redacted");
        authenticator.ReplayWindow.Should().Be(IWebhookAuthenticator.ReplayWindowFor(HmacSignatureOptions.DefaultTolerance));
    }
}
