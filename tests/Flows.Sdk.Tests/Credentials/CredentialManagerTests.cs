using Flows.Sdk.Credentials;
using Flows.Sdk.Tests.Support;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Credentials;

public sealed class CredentialManagerTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost();

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    [Test]
    public async Task Secrets_are_redacted_and_other_fields_kept()
    {
        var credential = await _host.Credentials.CreateAsync("c", TestComponent.Id, new JObject { ["token"] = "t0p-secret", ["region"] = "eu" });

        var redacted = _host.Credentials.Redact(credential);

        redacted["token"]!.ToString().Should().Be("***");
        redacted["region"]!.ToString().Should().Be("eu");
        credential.ToString().Should().NotContain("t0p-secret");
    }

    [Test]
    public async Task A_webhook_basic_credential_hides_its_password()
    {
        var credential = await _host.Credentials.CreateAsync("c", "webhook", new JObject { ["type"] = "basic", ["username"] = "u", ["password"] = "p4ss" });

        _host.Credentials.Redact(credential).ToString().Should().NotContain("p4ss").And.Contain("\"u\"");
    }

    [Test]
    public async Task Required_fields_unknown_fields_and_unknown_components_are_refused()
    {
        var missing = async () => await _host.Credentials.CreateAsync("c", TestComponent.Id, new JObject { ["colour"] = "red" });
        var unknown = async () => await _host.Credentials.CreateAsync("c", "nope", []);

        var error = (await missing.Should().ThrowAsync<CredentialValidationException>()).Which;
        error.Errors.Should().Contain(e => e.Field == "fields.token").And.Contain(e => e.Field == "fields.colour");
        (await unknown.Should().ThrowAsync<CredentialValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "componentId");
    }

    [TestCase("""{"type": "basic", "username": "u"}""", "fields.password")]
    [TestCase("""{"type": "basic", "username": "a:b", "password": "p"}""", "fields.username")]
    [TestCase("""{"type": "kerberos"}""", "fields.type")]
    [TestCase("""{}""", "fields.type")]
    public async Task Invalid_webhook_credentials_are_refused_naming_the_field(string fields, string field)
    {
        var act = async () => await _host.Credentials.CreateAsync("c", "webhook", JObject.Parse(fields));

        (await act.Should().ThrowAsync<CredentialValidationException>()).Which.Errors.Should().Contain(e => e.Field == field);
    }

    [Test]
    public async Task Verification_reports_the_components_answer()
    {
        var good = await _host.TestCredentialAsync("good");
        var bad = await _host.TestCredentialAsync("bad");

        (await _host.Credentials.VerifyAsync(good)).Verified.Should().BeTrue();
        (await _host.Credentials.VerifyAsync(bad)).Should().Be(new global::Flows.Sdk.Components.CredentialVerificationResult(false, "bad token"));
    }

    [Test]
    public async Task Verification_that_throws_is_reported_as_not_verified()
    {
        var id = await _host.TestCredentialAsync("throw");

        var result = await _host.Credentials.VerifyAsync(id);

        result.Verified.Should().BeFalse();
        result.Reason.Should().Contain("the check broke");
    }

    [Test]
    public async Task Verification_that_takes_longer_than_30_seconds_is_reported_as_not_verified()
    {
        var id = await _host.TestCredentialAsync("hang");

        var verify = _host.Credentials.VerifyAsync(id).AsTask();
        await Task.Delay(50);
        verify.IsCompleted.Should().BeFalse();
        _host.Time.Advance(TimeSpan.FromSeconds(30));
        var result = await verify.WaitAsync(TimeSpan.FromSeconds(10));

        result.Verified.Should().BeFalse();
        result.Reason.Should().Contain("30 seconds");
    }
}
