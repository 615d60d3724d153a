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

    [TestCase(0)]
    [TestCase(-1)]
    public void Limits_below_one_are_refused(int value)
    {
        var options = new SampleParseOptions();

        ((Action)(() => options.MaxSampleSize = value)).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => options.MaxDepth = value)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
