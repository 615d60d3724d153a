using Flows.Sdk.Mapping;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests.PictureFormatting;

[TestFixture]
public class FormattingSuiteTests
{
    private static IEnumerable<TestCaseData> Cases() => FormattingSuiteCases.SupportedCases();

    [TestCaseSource(nameof(Cases))]
    public void SuiteCase(string name)
    {
        var c = FormattingSuiteCases.Find(name);
        if (c is null)
        {
            Assert.Fail("The JSONata conformance suite was not found at ../shared/conformance/jsonata next to the repository root.");
            return;
        }

        var evaluate = FormattingSuiteCases.TryCompile((string)c["expr"]!)!;
        var expectedCode = (string?)c["code"];
        if (expectedCode is not null)
        {
            var act = () => evaluate();
            act.Should().Throw<MappingException>().Which.Code.Should().Be(expectedCode);
            return;
        }

        var actual = evaluate();
        if (c["undefinedResult"]?.Value<bool>() == true)
        {
            actual.Should().BeNull();
            return;
        }

        var expected = c["result"]!;
        switch (expected.Type)
        {
            case JTokenType.String:
                actual.Should().Be((string)expected!);
                break;
            case JTokenType.Integer:
            case JTokenType.Float:
                actual.Should().NotBeNull();
                Convert.ToDouble(actual, System.Globalization.CultureInfo.InvariantCulture).Should().Be((double)expected);
                break;
            default:
                Assert.Fail("Unsupported expected result type " + expected.Type);
                break;
        }
    }

    [Test]
    public void ReportCoverage()
    {
        var all = FormattingSuiteCases.AllCases().ToList();
        if (all.Count == 0)
        {
            Assert.Fail("The JSONata conformance suite was not found at ../shared/conformance/jsonata next to the repository root.");
        }

        var supported = all.Where(x => x.Case["expr"] is not null && FormattingSuiteCases.TryCompile((string)x.Case["expr"]!) is not null).ToList();
        TestContext.Out.WriteLine($"Suite cases in groups: {all.Count}; evaluated here: {supported.Count}");
        foreach (var (name, c) in all.Except(supported))
        {
            TestContext.Out.WriteLine($"  not evaluated: {name}: {c["expr"]}");
        }

        supported.Should().NotBeEmpty();
    }
}
