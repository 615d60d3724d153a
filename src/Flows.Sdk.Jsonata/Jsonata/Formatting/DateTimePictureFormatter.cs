using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>
/// JSONata <c>$fromMillis</c> and <c>$toMillis</c>: the XPath F&amp;O 3.1 <c>fn:format-dateTime</c> picture
/// language, used both to format a timestamp and (as JSONata 2.x does) to parse one.
/// </summary>
internal static class DateTimePictureFormatter
{
    private const int MaxWidthModifier = 1000;

    private const int CacheLimit = 256;

    private const int MaxFieldValue = 1_000_000_000;

    private const string IsoPicture = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";

    private static readonly string[] MonthNames =
    {
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    };

    private static readonly string[] DayNames =
    {
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    };

    private static readonly ConcurrentDictionary<string, IReadOnlyList<Part>> Pictures = new(StringComparer.Ordinal);

    private static readonly ConcurrentDictionary<string, ParsePlan> ParsePlans = new(StringComparer.Ordinal);

    private static readonly Regex IsoTimestamp = new(
        @"^(?<Y>[0-9]{4})(?:-(?<M>[0-9]{2})(?:-(?<D>[0-9]{2})(?:T(?<H>[0-9]{2}):(?<m>[0-9]{2}):(?<s>[0-9]{2})(?:\.(?<f>[0-9]+))?(?<tz>Z|[+-][0-9]{2}:?[0-9]{2})?)?)?)?$",
        RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

    /// <summary>
    /// Formats epoch milliseconds. A null picture gives ISO 8601; <paramref name="timezone"/> is an offset
    /// such as <c>-0500</c> (null means UTC).
    /// </summary>
    public static string FormatDateTime(long millis, string? picture, string? timezone)
    {
        var offsetMinutes = ParseTimezoneArgument(timezone);
        var parts = GetPicture(picture ?? IsoPicture);
        var local = new CivilTime(millis + (offsetMinutes * 60_000L));
        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            if (part.Marker is null)
            {
                sb.Append(part.Literal);
            }
            else
            {
                sb.Append(FormatComponent(part.Marker, local, offsetMinutes));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Parses a timestamp to epoch milliseconds. A null picture means ISO 8601 (error D3110 when it is not);
    /// otherwise the timestamp is parsed per the picture, and null is returned when it does not match.
    /// </summary>
    public static long? ParseDateTime(string timestamp, string? picture)
    {
        if (picture is null)
        {
            return ParseIso(timestamp);
        }

        return ParseWithPicture(timestamp, picture);
    }

    // ---------------------------------------------------------------- picture analysis

    private sealed class Part
    {
        public string Literal { get; init; } = string.Empty;

        public Marker? Marker { get; init; }

        public string? RawMarker { get; init; }
    }

    private sealed class Marker
    {
        public char Component { get; init; }

        public string Presentation { get; init; } = string.Empty;

        public bool ExplicitPresentation { get; init; }

        public char? Modifier { get; init; }

        public int? MinWidth { get; init; }

        public int? MaxWidth { get; init; }

        public bool HasWidth { get; init; }

        public bool IsName => Presentation is "N" or "n" or "Nn";

        /// <summary>The numeric presentation for formatting, analysed once per (cached) picture; never mutated after.</summary>
        public IntegerFormatSpec FormatSpec => _formatSpec ??= NumericSpec(this);

        private IntegerFormatSpec? _formatSpec;

        public bool IsDecimal() => !IsName && Presentation.Any(ch => IntegerFormatSpec.DigitValue(ch) >= 0);
    }

    private static IReadOnlyList<Part> GetPicture(string picture) => Cached(Pictures, picture, ParsePicture);

    /// <summary>A small bounded cache: pictures are usually literals repeated across evaluations.</summary>
    private static T Cached<T>(ConcurrentDictionary<string, T> cache, string key, Func<string, T> build)
    {
        if (cache.TryGetValue(key, out var value))
        {
            return value;
        }

        value = build(key);
        if (cache.Count >= CacheLimit)
        {
            cache.Clear();
        }

        cache[key] = value;
        return value;
    }

    private static List<Part> ParsePicture(string picture)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < picture.Length)
        {
            var c = picture[i];
            if (c == '[')
            {
                if (i + 1 < picture.Length && picture[i + 1] == '[')
                {
                    literal.Append('[');
                    i += 2;
                    continue;
                }

                var end = picture.IndexOf(']', i + 1);
                if (end < 0)
                {
                    throw new MappingException("D3135", "No matching closing bracket ']' in date/time picture string");
                }

                if (literal.Length > 0)
                {
                    parts.Add(new Part { Literal = literal.ToString() });
                    literal.Clear();
                }

                var content = new string(picture.Substring(i + 1, end - i - 1).Where(ch => !char.IsWhiteSpace(ch)).ToArray());
                parts.Add(new Part { RawMarker = content });
                i = end + 1;
            }
            else if (c == ']')
            {
                literal.Append(']');
                i += i + 1 < picture.Length && picture[i + 1] == ']' ? 2 : 1;
            }
            else
            {
                literal.Append(c);
                i++;
            }
        }

        if (literal.Length > 0)
        {
            parts.Add(new Part { Literal = literal.ToString() });
        }

        // Second pass: analyse the variable markers (structure errors are reported first).
        for (var k = 0; k < parts.Count; k++)
        {
            if (parts[k].RawMarker is string raw)
            {
                parts[k] = new Part { Marker = AnalyseMarker(raw) };
            }
        }

        return parts;
    }

    private static Marker AnalyseMarker(string content)
    {
        if (content.Length == 0)
        {
            throw new MappingException("D3132", "Unknown component specifier in date/time picture string");
        }

        var component = content[0];
        if ("YMDdFWwXxHhPmsfZzCE".IndexOf(component) < 0)
        {
            throw new MappingException("D3132", $"Unknown component specifier {component} in date/time picture string");
        }

        var rest = content.Substring(1);
        int? min = null;
        int? max = null;
        var hasWidth = false;
        var comma = rest.LastIndexOf(',');
        if (comma >= 0)
        {
            var width = rest.Substring(comma + 1);
            rest = rest.Substring(0, comma);
            hasWidth = true;
            var dash = width.IndexOf('-');
            var minText = dash >= 0 ? width.Substring(0, dash) : width;
            var maxText = dash >= 0 ? width.Substring(dash + 1) : string.Empty;
            min = ParseWidth(minText);
            max = ParseWidth(maxText);
        }

        var semicolon = rest.LastIndexOf(';');
        if (semicolon >= 0)
        {
            // A format-integer style modifier (";o") has no meaning here; like the reference, drop it.
            rest = rest.Substring(0, semicolon);
        }

        char? modifier = null;
        if (rest.Length >= 2 && rest[^1] is 'o' or 'c' or 't')
        {
            modifier = rest[^1];
            rest = rest.Substring(0, rest.Length - 1);
        }

        var explicitPresentation = rest.Length > 0;
        if (!explicitPresentation)
        {
            rest = component switch
            {
                'F' or 'P' or 'C' or 'E' => "n",
                'm' or 's' => "01",
                'Z' or 'z' => "01:01",
                _ => "1",
            };
        }

        if (component is 'Z' or 'z')
        {
            var digitCount = rest.Count(ch => IntegerFormatSpec.DigitValue(ch) >= 0);
            if (digitCount > 4 || digitCount == 0)
            {
                throw new MappingException("D3134", "The timezone integer format specifier cannot have more than four digits");
            }
        }

        if (rest is "N" or "n" or "Nn" && "MxFPCE".IndexOf(component) < 0)
        {
            throw new MappingException("D3133", $"The 'name' modifier can only be applied to months and days in the date/time picture string, not {component}");
        }

        if (!(rest is "N" or "n" or "Nn") && "ZzPCE".IndexOf(component) < 0)
        {
            // Reject an unusable numeric presentation here, so errors come in picture order.
            IntegerFormatSpec.ParsePrimary(rest);
        }

        return new Marker
        {
            Component = component,
            Presentation = rest,
            ExplicitPresentation = explicitPresentation,
            Modifier = modifier,
            MinWidth = min,
            MaxWidth = max,
            HasWidth = hasWidth,
        };
    }

    private static int? ParseWidth(string text)
    {
        if (text.Length == 0 || text == "*")
        {
            return null;
        }

        // Widths beyond this would only build enormous strings of padding.
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, MaxWidthModifier) : MaxWidthModifier;
    }

    private static IntegerFormatSpec NumericSpec(Marker marker)
    {
        var spec = IntegerFormatSpec.ParsePrimary(marker.Presentation);
        spec.Ordinal = marker.Modifier == 'o';
        return spec;
    }

    // ---------------------------------------------------------------- formatting

    private static string FormatComponent(Marker marker, CivilTime local, int offsetMinutes)
    {
        switch (marker.Component)
        {
            case 'Z':
                return FormatTimezone(marker, offsetMinutes, gmt: false);
            case 'z':
                return FormatTimezone(marker, offsetMinutes, gmt: true);
            case 'C':
            case 'E':
                return "ISO";
            case 'P':
                var ampm = local.Hour < 12 ? "am" : "pm";
                return marker.Presentation == "N" ? ampm.ToUpperInvariant() : ampm;
            case 'f':
                if (!marker.IsName && marker.FormatSpec.Style == IntegerStyle.Decimal)
                {
                    return FormatFraction(marker, local.Millisecond);
                }

                break;
        }

        if (marker.IsName)
        {
            var name = marker.Component switch
            {
                'M' => MonthNames[local.Month - 1],
                'x' => MonthNames[local.ThursdayOfWeek().Month - 1],
                'F' => DayNames[local.IsoDayOfWeek - 1],
                'P' => local.Hour < 12 ? "am" : "pm",
                _ => string.Empty,
            };
            name = marker.Presentation switch
            {
                "N" => name.ToUpperInvariant(),
                "n" => name.ToLowerInvariant(),
                _ => name,
            };
            if (marker.MaxWidth is int max && name.Length > max)
            {
                name = name.Substring(0, max);
            }

            return name;
        }

        double value = marker.Component switch
        {
            'Y' => local.Year,
            'M' => local.Month,
            'D' => local.Day,
            'd' => local.DayOfYear,
            'F' => local.IsoDayOfWeek,
            'W' => ((local.ThursdayOfWeek().DayOfYear - 1) / 7) + 1,
            'X' => local.ThursdayOfWeek().Year,
            'w' => ((local.ThursdayOfWeek().Day - 1) / 7) + 1,
            'x' => local.ThursdayOfWeek().Month,
            'H' => local.Hour,
            'h' => local.Hour % 12 == 0 ? 12 : local.Hour % 12,
            'P' => local.Hour < 12 ? 0 : 1,
            'm' => local.Minute,
            's' => local.Second,
            'f' => local.Millisecond,
            _ => 0,
        };

        var spec = marker.FormatSpec;
        int? minWidth = null;
        if (spec.Style == IntegerStyle.Decimal)
        {
            // The width modifier can only widen what the digit pattern asks for.
            minWidth = Math.Max(spec.MandatoryDigits, marker.MinWidth ?? 0);
        }

        if (marker.Component == 'Y')
        {
            // Only the year is truncated: to the maximum width, else (digit patterns) to the digits asked for
            // when that is two or more, so [Y01] and [Y,2] give 18 while [Y1] and [Y0001] give 2018.
            int? truncate = marker.MaxWidth;
            if (truncate is null && spec.Style == IntegerStyle.Decimal)
            {
                var asked = Math.Max(spec.TotalDigits, marker.MinWidth ?? 0);
                truncate = asked >= 2 ? asked : null;
            }

            if (truncate is int digits && digits < 16)
            {
                value %= Math.Pow(10, digits);
                minWidth = minWidth is null ? null : digits;
            }
        }

        return spec.Format(value, minWidth);
    }

    private static string FormatFraction(Marker marker, int millisecond)
    {
        // Fractional seconds are digits of a decimal fraction: three by default (as the reference prints
        // them), padded on the right to the minimum width, cut to the maximum width.
        var spec = IntegerFormatSpec.ParsePrimary(marker.Presentation);
        var min = Math.Max(1, marker.HasWidth ? marker.MinWidth ?? 1 : spec.MandatoryDigits);
        var max = marker.MaxWidth ?? (spec.HasOptionalDigits ? spec.TotalDigits : (int?)null);
        var digits = millisecond.ToString("000", CultureInfo.InvariantCulture);
        if (digits.Length < min)
        {
            digits = digits.PadRight(min, '0');
        }

        if (max is int mx && digits.Length > Math.Max(mx, min))
        {
            digits = digits.Substring(0, Math.Max(mx, min));
        }

        if (spec.HasOptionalDigits)
        {
            while (digits.Length > min && digits[^1] == '0')
            {
                digits = digits.Substring(0, digits.Length - 1);
            }
        }

        var sb = new StringBuilder();
        foreach (var d in digits)
        {
            sb.Append(char.ConvertFromUtf32(spec.Zero + (d - '0')));
        }

        return sb.ToString();
    }

    private static string FormatTimezone(Marker marker, int offsetMinutes, bool gmt)
    {
        if (offsetMinutes == 0 && marker.Modifier == 't')
        {
            return "Z";
        }

        var pattern = marker.Presentation;
        var sign = offsetMinutes < 0 ? "-" : "+";
        var abs = Math.Abs(offsetMinutes);
        var hours = abs / 60;
        var minutes = abs % 60;
        var digitChars = pattern.Where(ch => IntegerFormatSpec.DigitValue(ch) >= 0).ToList();
        var zero = digitChars.Count > 0 ? digitChars[0] - IntegerFormatSpec.DigitValue(digitChars[0]) : '0';
        string D(int value, int width)
        {
            var text = value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            return new string(text.Select(ch => (char)(zero + (ch - '0'))).ToArray());
        }

        var separatorIndex = -1;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (IntegerFormatSpec.DigitValue(pattern[i]) < 0)
            {
                separatorIndex = i;
                break;
            }
        }

        string text;
        if (separatorIndex > 0 && separatorIndex < pattern.Length - 1)
        {
            var hourWidth = separatorIndex;
            text = sign + D(hours, hourWidth) + pattern[separatorIndex] + D(minutes, 2);
        }
        else if (digitChars.Count >= 3)
        {
            text = sign + D(hours, digitChars.Count - 2) + D(minutes, 2);
        }
        else
        {
            text = sign + D(hours, Math.Max(1, digitChars.Count));
            if (minutes != 0)
            {
                text += ":" + D(minutes, 2);
            }
        }

        return gmt ? "GMT" + text : text;
    }

    /// <summary>Proleptic Gregorian calendar fields of a (local) epoch-millisecond instant, any year.</summary>
    private readonly struct CivilTime
    {
        public CivilTime(long millis)
        {
            Days = FloorDiv(millis, 86_400_000L);
            var msOfDay = millis - (Days * 86_400_000L);
            (Year, Month, Day) = CivilFromDays(Days);
            Hour = (int)(msOfDay / 3_600_000L);
            Minute = (int)(msOfDay / 60_000L % 60);
            Second = (int)(msOfDay / 1000L % 60);
            Millisecond = (int)(msOfDay % 1000L);
        }

        public long Days { get; }

        public long Year { get; }

        public int Month { get; }

        public int Day { get; }

        public int Hour { get; }

        public int Minute { get; }

        public int Second { get; }

        public int Millisecond { get; }

        public int DayOfYear => (int)(Days - DaysFromCivil(Year, 1, 1)) + 1;

        /// <summary>1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday).</summary>
        public int IsoDayOfWeek => (int)(((Days % 7) + 7 + 3) % 7) + 1;

        /// <summary>The Thursday of this ISO week: it decides the week's year and month.</summary>
        public CivilTime ThursdayOfWeek() => new((Days + (4 - IsoDayOfWeek)) * 86_400_000L);
    }

    private static long FloorDiv(long a, long b) => (a / b) - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);

    private static (long Year, int Month, int Day) CivilFromDays(long days)
    {
        var z = days + 719468;
        var era = FloorDiv(z, 146097);
        var doe = z - (era * 146097);
        var yoe = (doe - (doe / 1460) + (doe / 36524) - (doe / 146096)) / 365;
        var doy = doe - ((365 * yoe) + (yoe / 4) - (yoe / 100));
        var mp = ((5 * doy) + 2) / 153;
        var day = (int)(doy - (((153 * mp) + 2) / 5) + 1);
        var month = (int)(mp < 10 ? mp + 3 : mp - 9);
        var year = yoe + (era * 400) + (month <= 2 ? 1 : 0);
        return (year, month, day);
    }

    private static int ParseTimezoneArgument(string? timezone)
    {
        if (string.IsNullOrEmpty(timezone))
        {
            return 0;
        }

        var text = timezone.Trim();
        if (text.Length < 3)
        {
            return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var h) ? h * 60 : 0;
        }

        var hoursText = text.Substring(0, text.Length - 2);
        var minutesText = text.Substring(text.Length - 2);
        if (!int.TryParse(hoursText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var hours)
            || !int.TryParse(minutesText, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes))
        {
            return 0;
        }

        var negative = hoursText.StartsWith('-');
        return (hours * 60) + (negative ? -minutes : minutes);
    }

    // ---------------------------------------------------------------- parsing

    private static long? ParseIso(string timestamp)
    {
        var match = IsoTimestamp.Match(timestamp);
        if (!match.Success)
        {
            throw InvalidIso(timestamp);
        }

        int Group(string name, int fallback) =>
            match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : fallback;

        var year = Group("Y", 0);
        var month = Group("M", 1);
        var day = Group("D", 1);
        var hour = Group("H", 0);
        var minute = Group("m", 0);
        var second = Group("s", 0);
        var ms = 0;
        if (match.Groups["f"].Success)
        {
            ms = int.Parse(match.Groups["f"].Value.PadRight(3, '0').Substring(0, 3), CultureInfo.InvariantCulture);
        }

        if (hour > 24 || minute > 59 || second > 59)
        {
            throw InvalidIso(timestamp);
        }

        if (month is < 1 or > 12 || day is < 1 or > 31)
        {
            // Well-formed but not a date: undefined, as the reference gives no number here.
            return null;
        }

        var offset = 0;
        if (match.Groups["tz"].Success && match.Groups["tz"].Value != "Z")
        {
            var tz = match.Groups["tz"].Value.Replace(":", string.Empty, StringComparison.Ordinal);
            offset = ParseTimezoneArgument(tz);
        }

        return ToMillis(year, month, day, hour, minute, second, ms) - (offset * 60_000L);
    }

    private static MappingException InvalidIso(string timestamp) =>
        new("D3110", $"The timestamp {timestamp} cannot be parsed as an ISO 8601 date/time string");

    /// <summary>What parsing with one picture needs: the markers, the pattern built from it, the run of components.</summary>
    private sealed class ParsePlan
    {
        public ParsePlan(IReadOnlyList<Marker> markers, Regex? regex, bool useDayOfYear, int firstSet)
        {
            Markers = markers;
            Regex = regex;
            UseDayOfYear = useDayOfYear;
            FirstSet = firstSet;
        }

        public IReadOnlyList<Marker> Markers { get; }

        /// <summary>Null when the picture has no variable marker (nothing to parse: undefined).</summary>
        public Regex? Regex { get; }

        public bool UseDayOfYear { get; }

        /// <summary>Index in the component run of the most significant component given, or -1.</summary>
        public int FirstSet { get; }
    }

    private static ParsePlan BuildParsePlan(IReadOnlyList<Part> parts)
    {
        var markers = parts.Where(p => p.Marker is not null).Select(p => p.Marker!).ToList();
        var present = new HashSet<char>(markers.Select(m => m.Component));
        if (present.Contains('X') || present.Contains('x') || present.Contains('W') || present.Contains('w'))
        {
            // Week-based dates are not supported for parsing (as in the reference).
            throw Underspecified();
        }

        // The significant components must form an unbroken run (Y M D H m s f, or Y d H m s f).
        var useDayOfYear = present.Contains('d');
        var order = useDayOfYear ? "YdHmsf" : "YMDHmsf";
        var mask = order.Select(c => present.Contains(c) || (c == 'H' && present.Contains('h') && present.Contains('P'))).ToArray();
        var firstSet = Array.IndexOf(mask, true);
        var lastSet = Array.LastIndexOf(mask, true);
        if (firstSet >= 0)
        {
            for (var i = firstSet; i <= lastSet; i++)
            {
                if (!mask[i])
                {
                    throw Underspecified();
                }
            }
        }

        if (markers.Count == 0)
        {
            return new ParsePlan(markers, null, useDayOfYear, firstSet);
        }

        var pattern = new StringBuilder("^");
        var groupIndex = 0;
        for (var k = 0; k < parts.Count; k++)
        {
            var part = parts[k];
            if (part.Marker is null)
            {
                pattern.Append(Regex.Escape(part.Literal));
                continue;
            }

            var adjacent = k + 1 < parts.Count && parts[k + 1].Marker is not null;
            pattern.Append("(?<g").Append(groupIndex.ToString(CultureInfo.InvariantCulture)).Append('>')
                .Append(ComponentRegex(part.Marker, adjacent)).Append(')');
            groupIndex++;
        }

        pattern.Append('$');
        var regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, IntegerPictureFormatter.RegexTimeout);
        return new ParsePlan(markers, regex, useDayOfYear, firstSet);
    }

    private static long? ParseWithPicture(string timestamp, string picture)
    {
        var plan = Cached(ParsePlans, picture, p => BuildParsePlan(GetPicture(p)));
        if (plan.Regex is null)
        {
            return null;
        }

        Match match;
        try
        {
            match = plan.Regex.Match(timestamp);
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }

        if (!match.Success)
        {
            return null;
        }

        var markers = plan.Markers;
        var useDayOfYear = plan.UseDayOfYear;
        var firstSet = plan.FirstSet;
        for (var g = 0; g < markers.Count; g++)
        {
            var marker = markers[g];
            if (marker.Component is 'Y' or 'M' or 'D' or 'd' or 'H' or 'h' or 'm' or 's' && !marker.IsName
                && ParseNumber(marker, match.Groups["g" + g.ToString(CultureInfo.InvariantCulture)].Value) >= MaxFieldValue)
            {
                // No calendar field is this large: the text is not a date.
                return null;
            }
        }

        int? year = null, month = null, day = null, dayOfYear = null, hour = null, hour12 = null, minute = null, second = null, ms = null;
        bool? pm = null;
        var offset = 0;
        for (var g = 0; g < markers.Count; g++)
        {
            var marker = markers[g];
            var text = match.Groups["g" + g.ToString(CultureInfo.InvariantCulture)].Value;
            switch (marker.Component)
            {
                case 'Y':
                    year = ParseNumber(marker, text);
                    if (year is >= 0 and <= 99 && marker.IsDecimal() && DigitCount(text) <= 2)
                    {
                        // A two-digit year is taken as 19xx, as the reference (JavaScript Date.UTC) does.
                        year += 1900;
                    }

                    break;
                case 'M':
                    month = marker.IsName ? NameIndex(MonthNames, text) + 1 : ParseNumber(marker, text);
                    break;
                case 'D':
                    day = ParseNumber(marker, text);
                    break;
                case 'd':
                    dayOfYear = ParseNumber(marker, text);
                    break;
                case 'H':
                    hour = ParseNumber(marker, text);
                    break;
                case 'h':
                    hour12 = ParseNumber(marker, text);
                    break;
                case 'P':
                    pm = text.StartsWith('p') || text.StartsWith('P');
                    break;
                case 'm':
                    minute = ParseNumber(marker, text);
                    break;
                case 's':
                    second = ParseNumber(marker, text);
                    break;
                case 'f':
                    var digits = new string(text.Where(char.IsDigit).ToArray());
                    ms = digits.Length == 0 ? 0 : int.Parse(digits.PadRight(3, '0').Substring(0, 3), CultureInfo.InvariantCulture);
                    break;
                case 'Z':
                case 'z':
                    offset = ParseOffset(text);
                    break;
            }
        }

        if (hour12 is int h12)
        {
            var h = h12 % 12;
            hour = pm == true ? h + 12 : h;
        }

        // Components more significant than the first supplied one default to now; less significant to their minimum.
        var now = DateTime.UtcNow;
        var defaults = useDayOfYear
            ? new[] { now.Year, now.DayOfYear, now.Hour, now.Minute, now.Second, now.Millisecond }
            : new[] { now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, now.Millisecond };
        var minimums = useDayOfYear ? new[] { 0, 1, 0, 0, 0, 0 } : new[] { 0, 1, 1, 0, 0, 0, 0 };
        // With no date or time component at all (only a timezone or a day name, say), everything is now.
        int Pick(int index, int? value) => value ?? (firstSet < 0 || index < firstSet ? defaults[index] : minimums[index]);

        long result;
        if (useDayOfYear)
        {
            var y = Pick(0, year);
            var start = ToMillis(y, 1, 1, 0, 0, 0, 0);
            result = start + ((Pick(1, dayOfYear) - 1) * 86_400_000L)
                + (Pick(2, hour) * 3_600_000L) + (Pick(3, minute) * 60_000L) + (Pick(4, second) * 1000L) + Pick(5, ms);
        }
        else
        {
            result = ToMillis(Pick(0, year), Pick(1, month), Pick(2, day), Pick(3, hour), Pick(4, minute), Pick(5, second), Pick(6, ms));
        }

        return result - (offset * 60_000L);
    }

    private static int DigitCount(string text) => text.Count(char.IsDigit);

    private static MappingException Underspecified() =>
        new("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");

    private static int ParseNumber(Marker marker, string text)
    {
        if (marker.IsName)
        {
            return 0;
        }

        return (int)Math.Min(NumericSpec(marker).ParseValue(text), MaxFieldValue);
    }

    private static int NameIndex(string[] names, string text)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (text.Length > 0 && names[i].StartsWith(text, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return 0;
    }

    private static int ParseOffset(string text)
    {
        var t = text.StartsWith("GMT", StringComparison.OrdinalIgnoreCase) ? text.Substring(3) : text;
        if (t.Length == 0 || t == "Z")
        {
            return 0;
        }

        var negative = t[0] == '-';
        var body = t.TrimStart('+', '-');
        int hours;
        var minutes = 0;
        var colon = body.IndexOf(':');
        if (colon >= 0)
        {
            hours = int.Parse(body.Substring(0, colon), CultureInfo.InvariantCulture);
            minutes = int.Parse(body.Substring(colon + 1), CultureInfo.InvariantCulture);
        }
        else if (body.Length > 2)
        {
            hours = int.Parse(body.Substring(0, body.Length - 2), CultureInfo.InvariantCulture);
            minutes = int.Parse(body.Substring(body.Length - 2), CultureInfo.InvariantCulture);
        }
        else
        {
            hours = int.Parse(body, CultureInfo.InvariantCulture);
        }

        var total = (hours * 60) + minutes;
        return negative ? -total : total;
    }

    private static string ComponentRegex(Marker marker, bool adjacent)
    {
        switch (marker.Component)
        {
            case 'Z':
            case 'z':
                return @"(?:GMT)?(?:Z|[+-][0-9]{1,2}(?::?[0-9]{2})?)";
            case 'C':
            case 'E':
                return "[A-Za-z]+";
        }

        if (marker.IsName)
        {
            var names = marker.Component switch
            {
                'M' or 'x' => MonthNames,
                'F' => DayNames,
                _ => new[] { "am", "pm" },
            };
            var alternatives = names.Concat(names.Where(n => n.Length > 3).Select(n => n.Substring(0, 3)))
                .OrderByDescending(n => n.Length)
                .Select(Regex.Escape);
            return "(?i:" + string.Join("|", alternatives) + ")";
        }

        var spec = NumericSpec(marker);
        if (marker.Component == 'f' && spec.Style == IntegerStyle.Decimal)
        {
            spec.Ordinal = false;
        }

        int? fixedDigits = null;
        if (spec.Style == IntegerStyle.Decimal && adjacent && marker.MaxWidth is null)
        {
            fixedDigits = marker.HasWidth && marker.MinWidth is int w ? w : spec.TotalDigits;
        }

        return spec.BuildRegex(fixedDigits, marker.MinWidth, marker.MaxWidth);
    }

    /// <summary>Epoch milliseconds for a proleptic Gregorian UTC date-time; out-of-range parts roll over.</summary>
    private static long ToMillis(int year, int month, int day, int hour, int minute, int second, int millisecond)
    {
        var m0 = month - 1;
        var y = year + (int)Math.Floor(m0 / 12.0);
        var m = ((m0 % 12) + 12) % 12;
        var days = DaysFromCivil(y, m + 1, 1) + (day - 1);
        return (days * 86_400_000L) + (hour * 3_600_000L) + (minute * 60_000L) + (second * 1000L) + millisecond;
    }

    private static long DaysFromCivil(long y, int m, int d)
    {
        y -= m <= 2 ? 1 : 0;
        var era = (y >= 0 ? y : y - 399) / 400;
        var yoe = y - (era * 400);
        var doy = ((153 * (m + (m > 2 ? -3 : 9))) + 2) / 5 + d - 1;
        var doe = (yoe * 365) + (yoe / 4) - (yoe / 100) + doy;
        return (era * 146097) + doe - 719468;
    }
}
