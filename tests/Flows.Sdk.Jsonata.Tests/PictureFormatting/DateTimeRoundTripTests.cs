using Flows.Sdk.Mapping.Jsonata;

namespace Flows.Sdk.Jsonata.Tests.PictureFormatting;

/// <summary>FormatDateTime then ParseDateTime with the same picture gives back the same instant.</summary>
[TestFixture]
public class DateTimeRoundTripTests
{
    private static readonly long[] Instants =
    {
        0L,
        1L,
        1521801216617L, // 2018-03-23T10:33:36.617Z
        1204405500000L, // 2008-03-01T21:05:00Z
        1199664000000L, // 2008-01-07T00:00:00Z (midnight)
        951825600123L, // 2000-02-29T12:00:00.123Z (leap day)
        1546300799999L, // 2018-12-31T23:59:59.999Z
        -1000000000000L, // 1938-04-24T22:13:20Z
        -2777932800000L, // 1881-12-21
        253402214400000L, // 9999-12-31T00:00:00Z (a 4-digit year picture truncates year 10000, as the reference does)
        1767225600000L, // 2026-01-01T00:00:00Z
        1783512000500L, // 2026-07-08T12:00:00.500Z (noon)
    };

    private static readonly string[] Pictures =
    {
        "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]",
        "[Y0001][M01][D01][H01][m01][s01][f001]",
        "[D1o] [MNn] [Y0001], [h]:[m01]:[s01].[f001] [P]",
        "[FNn], [D] [MNn,3-3] [Y] [H01]:[m01]:[s01].[f001] [z]",
        "[Y0001]-[d001] [H01]:[m01]:[s01].[f001]",
        "[Dwo] [MNn] [Yw] at [H]:[m]:[s].[f001]",
        "[YI]-[Mi]-[D] [H]:[m]:[s].[f001] [Z0000]",
        "[Da]/[MA]/[Y] [H01]h[m01]m[s01]s[f001]",
        "[DWwo] of [MN], [Y9,999] [hw]:[m01]:[s01].[f001] [PN]",
        "[D01].[M01].[Y0001] [H01]:[m01]:[s01],[f001] [Z]",
    };

    private static readonly string?[] Timezones = { null, "+0530", "-0800", "+1400", "-0030" };

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var picture in Pictures)
        {
            foreach (var timezone in Timezones)
            {
                // Pictures without a timezone component can only round-trip at UTC.
                if (timezone is not null && !picture.Contains("[Z", StringComparison.Ordinal) && !picture.Contains("[z", StringComparison.Ordinal))
                {
                    continue;
                }

                yield return new TestCaseData(picture, timezone);
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Format_then_parse_gives_the_same_millis(string picture, string? timezone)
    {
        foreach (var millis in Instants)
        {
            var text = DateTimePictureFormatter.FormatDateTime(millis, picture, timezone);
            DateTimePictureFormatter.ParseDateTime(text, picture).Should().Be(millis, $"'{text}' was formatted from {millis}");
        }
    }

    [Test]
    public void Iso_format_then_iso_parse_gives_the_same_millis()
    {
        foreach (var millis in Instants)
        {
            foreach (var timezone in Timezones)
            {
                var text = DateTimePictureFormatter.FormatDateTime(millis, null, timezone);
                DateTimePictureFormatter.ParseDateTime(text, null).Should().Be(millis, text);
            }
        }
    }
}
