using Flows.Sdk.Samples;

namespace Flows.Sdk.Tests.Samples;

public class SampleParseOptionsTests
{
    [Test]
    public void Defaults_are_256_KiB_and_64_levels()
    {
        var options = new SampleParseOptions();

        options.MaxSampleSize.Should().Be(262_144);
        options.MaxDepth.Should().Be(64);
    }

    [Test]
    public void The_validator_accepts_the_defaults()
    {
        new SampleParseOptionsValidator().Validate(null, new SampleParseOptions()).Succeeded.Should().BeTrue();
    }

    [TestCase(0, 64, "MaxSampleSize")]
    [TestCase(1024, -1, "MaxDepth")]
    public void The_validator_names_a_limit_below_one(int size, int depth, string setting)
    {
        var result = new SampleParseOptionsValidator().Validate(null, new SampleParseOptions { MaxSampleSize = size, MaxDepth = depth });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(setting);
    }

    [TestCase(0, 64, "MaxSampleSize")]
    [TestCase(1024, 0, "MaxDepth")]
    public void Every_parser_refuses_a_limit_below_one(int size, int depth, string setting)
    {
        foreach (var parser in new ISampleParser[] { new JsonSampleParser(), new XmlSampleParser(), new PropertyListSampleParser() })
        {
            var act = () => parser.Parse("{}", new SampleParseOptions { MaxSampleSize = size, MaxDepth = depth });

            act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*{setting}*");
        }
    }
}
