using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests.PictureFormatting;

[TestFixture]
public class NumberPictureFormatterTests
{
    // Rounding is half-to-even on the decimal the user sees (shortest round-trip form), like the reference.
    [TestCase(0.125, "0.00", "0.12")]
    [TestCase(0.135, "0.00", "0.14")]
    [TestCase(2.5, "0", "2")]
    [TestCase(3.5, "0", "4")]
    [TestCase(1.005, "0.00", "1.00")]
    [TestCase(1.015, "0.00", "1.02")]
    [TestCase(0.5, "#", "0")]
    [TestCase(1234.5678, "#,##0.00", "1,234.57")]
    [TestCase(3.14159, "0.00###", "3.14159")]
    [TestCase(12, "0000.0000", "0012.0000")]
    public void Rounds_half_to_even(double value, string picture, string expected) =>
        NumberPictureFormatter.FormatNumber(value, picture, null).Should().Be(expected);

    [TestCase(1234567, "#,##,##0", "12,34,567")] // irregular grouping: only the given positions
    [TestCase(1234, "0,0", "1,2,3,4")]
    [TestCase(1e20, "#,######", "100,000000,000000,000000")]
    [TestCase(12345, "#,##,###", "12,345")]
    [TestCase(1.23, "#,##0.#,#", "1.2,3")]
    [TestCase(0.4, "#,###", "0")]
    public void Groups_digits(double value, string picture, string expected) =>
        NumberPictureFormatter.FormatNumber(value, picture, null).Should().Be(expected);

    [TestCase(123456, "##0.###e0", "1.235e5")]
    [TestCase(0.000123, "##0.###e0", "1.23e-4")]
    [TestCase(12345, "00.##e00", "12.34e03")]
    [TestCase(-0.000123, "0.0e0", "-1.2e-4")]
    [TestCase(1e-10, "0.0e0", "1.0e-10")]
    [TestCase(1.5e300, "0.0e0", "1.5e300")]
    [TestCase(1234, "#,##0.00e0", "1.23e3")]
    [TestCase(0, "0.00e0", "0.00e0")]
    [TestCase(9.99, "0.0e0", "1.0e1")] // the mantissa is renormalised when rounding carries
    public void Formats_exponents(double value, string picture, string expected) =>
        NumberPictureFormatter.FormatNumber(value, picture, null).Should().Be(expected);

    [TestCase(0.5, "0%", "50%")]
    [TestCase(0.005, "0%", "0%")]
    [TestCase(2, "0‰", "2000‰")]
    [TestCase(12, "#.##", "12.0")]
    [TestCase(0.5, "#.##", ".5")]
    [TestCase(0.1, ".0", ".1")]
    [TestCase(7, "x0x", "x7x")]
    [TestCase(-1234.5678, "$#,##0.00", "-$1,234.57")]
    [TestCase(-1234.5, "#,##0.00;(#,##0.00)", "(1,234.50)")]
    [TestCase(1234.5, "#,##0.00;(#,##0.00)", "1,234.50")]
    [TestCase(-0.4, "0", "-0")]
    public void Handles_percent_prefix_suffix_and_negative_pictures(double value, string picture, string expected) =>
        NumberPictureFormatter.FormatNumber(value, picture, null).Should().Be(expected);

    [Test]
    public void Uses_decimal_format_options()
    {
        NumberPictureFormatter.FormatNumber(1234.5, "#.##0,00", JObject.Parse("{'decimal-separator': ',', 'grouping-separator': '.'}"))
            .Should().Be("1.234,50");
        NumberPictureFormatter.FormatNumber(-5, "0", JObject.Parse("{'minus-sign': '~'}")).Should().Be("~5");
        NumberPictureFormatter.FormatNumber(0.25, "0pc", JObject.Parse("{'percent': 'pc'}")).Should().Be("25pc");
        NumberPictureFormatter.FormatNumber(7, "٠٠", JObject.Parse("{'zero-digit': '٠'}")).Should().Be("٠٧");
        NumberPictureFormatter.FormatNumber(1234, "0.0E0", JObject.Parse("{'exponent-separator': 'E'}")).Should().Be("1.2E3");
        NumberPictureFormatter.FormatNumber(double.NaN, "0", JObject.Parse("{'NaN': 'n/a'}")).Should().Be("n/a");
        NumberPictureFormatter.FormatNumber(double.PositiveInfinity, "0", JObject.Parse("{'infinity': 'inf'}")).Should().Be("inf");
    }

    [TestCase("0.0e0", "D3086")] // with exponent-separator 'E' the 'e' is passive, between active characters
    [TestCase("#0;", "D3085")]
    [TestCase("0e", "D3093")]
    [TestCase("abc", "D3086")]
    public void Reports_picture_errors(string picture, string code)
    {
        var options = picture == "0.0e0" ? JObject.Parse("{'exponent-separator': 'E'}") : null;
        var act = () => NumberPictureFormatter.FormatNumber(-12, picture, options);
        act.Should().Throw<MappingException>().Which.Code.Should().Be(code);
    }
}
