using Flows.Sdk.Credentials;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Credentials;

public class WebhookCredentialValidatorTests
{
    private static IReadOnlyList<CredentialFieldError> Validate(string json) => WebhookCredentialValidator.Validate(JObject.Parse(json));

    [TestCase("""{"type":"none"}""")]
    [TestCase("""{"type":"basic","username":"u","password":"p"}""")]
    [TestCase("""{"type":"apiKey","headerName":"X-Api_Key-2","headerValue":"aZ09-_.~"}""")]
    [TestCase("""{"type":"hmac","secret":"s"}""")]
    [TestCase("""{"type":"hmac","secrets":["a","b"],"algorithm":"sha512","encoding":"base64","prefix":"sha512=","headerName":"X-Sig","idHeader":"X-Id","toleranceSeconds":60}""")]
    [TestCase("""{"type":"hmac","preset":"github","secret":"s"}""")]
    [TestCase("""{"type":"hmac","preset":"stripe","secret":"whsec_abc","toleranceSeconds":600}""")]
    [TestCase("""{"type":"hmac","preset":"standard-webhooks","secrets":["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}""")]
    [TestCase("""{"type":"hmac","preset":"shopify","secret":"s","headerName":"X-Other"}""")]
    public void Valid_credentials_have_no_errors(string json)
    {
        Validate(json).Should().BeEmpty();
        WebhookAuthenticatorFactory.TryCreate(JObject.Parse(json), "realm", out var authenticator, out _).Should().BeTrue();
        authenticator.Should().NotBeNull();
    }

    [TestCase("""{}""", "type")]
    [TestCase("""{"type":"oauth"}""", "type")]
    [TestCase("""{"type":3}""", "type")]
    [TestCase("""{"type":"basic","password":"p"}""", "username")]
    [TestCase("""{"type":"basic","username":"u"}""", "password")]
    [TestCase("""{"type":"basic","username":"a:b","password":"p"}""", "username")]
    [TestCase("""{"type":"basic","username":"u","password":"p\n"}""", "password")]
    [TestCase("""{"type":"apiKey","headerValue":"v"}""", "headerName")]
    [TestCase("""{"type":"apiKey","headerName":"X-Key"}""", "headerValue")]
    [TestCase("""{"type":"apiKey","headerName":"X Key","headerValue":"v"}""", "headerName")]
    [TestCase("""{"type":"apiKey","headerName":"X-Key:","headerValue":"v"}""", "headerName")]
    [TestCase("""{"type":"apiKey","headerName":"X-Kéy","headerValue":"v"}""", "headerName")]
    [TestCase("""{"type":"apiKey","headerName":"X-Key","headerValue":"a b"}""", "headerValue")]
    [TestCase("""{"type":"apiKey","headerName":"X-Key","headerValue":"a+b"}""", "headerValue")]
    [TestCase("""{"type":"apiKey","headerName":"X-Key","headerValue":"a=b"}""", "headerValue")]
    [TestCase("""{"type":"apiKey","headerName":"X-Key","headerValue":"a\r\nX: y"}""", "headerValue")]
    [TestCase("""{"type":"hmac"}""", "secret")]
    [TestCase("""{"type":"hmac","secret":"a","secrets":["b"]}""", "secrets")]
    [TestCase("""{"type":"hmac","secrets":"a,b"}""", "secrets")]
    [TestCase("""{"type":"hmac","secrets":[]}""", "secrets")]
    [TestCase("""{"type":"hmac","secrets":["a",""]}""", "secrets[1]")]
    [TestCase("""{"type":"hmac","secrets":["a",7]}""", "secrets[1]")]
    [TestCase("""{"type":"hmac","secret":"   "}""", "secret")]
    [TestCase("""{"type":"hmac","secret":"s","algorithm":"md5"}""", "algorithm")]
    [TestCase("""{"type":"hmac","secret":"s","encoding":"base32"}""", "encoding")]
    [TestCase("""{"type":"hmac","secret":"s","prefix":"sha 256="}""", "prefix")]
    [TestCase("""{"type":"hmac","secret":"s","preset":"gitlab"}""", "preset")]
    [TestCase("""{"type":"hmac","secret":"s","preset":"github","algorithm":"sha1"}""", "algorithm")]
    [TestCase("""{"type":"hmac","secret":"s","preset":"stripe","encoding":"base64"}""", "encoding")]
    [TestCase("""{"type":"hmac","secret":"s","preset":"github","prefix":"sha1="}""", "prefix")]
    [TestCase("""{"type":"hmac","secret":"s","headerName":"X Sig"}""", "headerName")]
    [TestCase("""{"type":"hmac","secret":"s","idHeader":"X/Id"}""", "idHeader")]
    [TestCase("""{"type":"hmac","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","preset":"standard-webhooks","idHeader":"X-Id"}""", "idHeader")]
    [TestCase("""{"type":"hmac","secret":"whsec_not*base64","preset":"standard-webhooks"}""", "secret")]
    [TestCase("""{"type":"hmac","secret":"s","toleranceSeconds":0}""", "toleranceSeconds")]
    [TestCase("""{"type":"hmac","secret":"s","toleranceSeconds":86401}""", "toleranceSeconds")]
    [TestCase("""{"type":"hmac","secret":"s","toleranceSeconds":"300"}""", "toleranceSeconds")]
    [TestCase("""{"type":"hmac","secret":"s","toleranceSeconds":1.5}""", "toleranceSeconds")]
    public void Invalid_fields_are_refused_with_a_message_naming_the_field(string json, string field)
    {
        var errors = Validate(json);

        errors.Should().Contain(e => e.Field == field);
        errors.Where(e => e.Field == field).Should().OnlyContain(e => e.Message.Contains(field.Split('[')[0]));
        WebhookAuthenticatorFactory.TryCreate(JObject.Parse(json), "realm", out var authenticator, out _).Should().BeFalse();
        authenticator.Should().BeNull();
    }

    [Test]
    public void Error_messages_never_repeat_a_secret_value()
    {
        var errors = Validate("""{"type":"hmac","secret":"whsec_TOPSECRET*","preset":"standard-webhooks","algorithm":"TOPSECRET"}""")
            .Concat(Validate("""{"type":"apiKey","headerName":"X-Key","headerValue":"TOPSECRET value"}"""))
            .Concat(Validate("""{"type":"basic","username":"TOPSECRET:","password":"TOPSECRET\u0001"}"""));

        errors.Should().NotBeEmpty();
        errors.Should().OnlyContain(e => !e.Message.Contains("TOPSECRET"));
    }

    [Test]
    public void Create_throws_listing_every_problem()
    {
        var act = () => WebhookAuthenticatorFactory.Create(JObject.Parse("""{"type":"apiKey","headerName":"X Key"}"""));

        act.Should().Throw<ArgumentException>().WithMessage("*headerName*headerValue*");
    }

    [Test]
    public void A_single_secret_containing_commas_is_one_secret()
    {
        var options = WebhookCredentialValidator.ToHmacOptions(JObject.Parse("""{"type":"hmac","secret":"a,b"}"""));

        options.Secrets.Should().Equal("a,b");
    }

    [Test]
    public void Hmac_fields_map_to_verifier_options()
    {
        var options = WebhookCredentialValidator.ToHmacOptions(JObject.Parse(
            """{"type":"hmac","secrets":["a","b"],"algorithm":"sha1","encoding":"base64","prefix":"sha1=","headerName":"X-Sig","idHeader":"X-Id","toleranceSeconds":60}"""));

        options.Preset.Should().Be(HmacSignaturePreset.None);
        options.Secrets.Should().Equal("a", "b");
        options.Algorithm.Should().Be(HmacSignatureAlgorithm.Sha1);
        options.Encoding.Should().Be(SignatureEncoding.Base64);
        options.Prefix.Should().Be("sha1=");
        options.HeaderName.Should().Be("X-Sig");
        options.IdHeader.Should().Be("X-Id");
        options.Tolerance.Should().Be(TimeSpan.FromSeconds(60));
    }

    [TestCase("github", HmacSignaturePreset.GitHub)]
    [TestCase("stripe", HmacSignaturePreset.Stripe)]
    [TestCase("standard-webhooks", HmacSignaturePreset.StandardWebhooks)]
    [TestCase("shopify", HmacSignaturePreset.Shopify)]
    public void Preset_names_map_to_presets(string name, HmacSignaturePreset preset)
    {
        var json = new JObject { ["type"] = "hmac", ["preset"] = name, ["secret"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };

        WebhookCredentialValidator.ToHmacOptions(json).Preset.Should().Be(preset);
    }

    [TestCase("X-Api-Key", true)]
    [TestCase("x_api_key", true)]
    [TestCase("", false)]
    [TestCase("X.Api", false)]
    [TestCase("X:Api", false)]
    [TestCase("Ünïcode", false)]
    public void Header_name_rule(string name, bool valid) => WebhookCredentialValidator.IsValidHeaderName(name).Should().Be(valid);

    [TestCase("abc-DEF_123.~", true)]
    [TestCase("", false)]
    [TestCase("a/b", false)]
    [TestCase("a%20b", false)]
    [TestCase("a\"b", false)]
    public void Api_key_value_rule(string value, bool valid) => WebhookCredentialValidator.IsValidApiKeyValue(value).Should().Be(valid);
}
