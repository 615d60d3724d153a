using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

internal static class JsonAssert
{
    /// <summary>Compares JSON by its compact text, so a failure shows both documents.</summary>
    public static void ShouldBeJson(this JToken? actual, string expected)
    {
        actual.Should().NotBeNull();
        var expectedToken = JToken.Parse(expected, new JsonLoadSettings { CommentHandling = CommentHandling.Ignore });
        actual!.ToString(Formatting.None).Should().Be(expectedToken.ToString(Formatting.None));
    }
}
