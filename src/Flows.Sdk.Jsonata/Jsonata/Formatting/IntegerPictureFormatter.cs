using System.Globalization;
using System.Text;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>
/// JSONata <c>$formatInteger</c> and <c>$parseInteger</c>: the XPath F&amp;O 3.1 <c>fn:format-integer</c>
/// picture language (decimal digit patterns with grouping, alphabetic, roman numerals, words, ordinals).
/// </summary>
internal static class IntegerPictureFormatter
{
    /// <summary>Bound on matching a value against a picture-derived pattern.</summary>
    internal static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Formats <paramref name="value"/> (floored to an integer, as the reference does) per the picture.</summary>
    public static string FormatInteger(double value, string picture)
    {
        var spec = IntegerFormatSpec.ParsePicture(picture);
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        return spec.Format(Math.Floor(value));
    }

    /// <summary>Parses <paramref name="value"/> per the picture; <c>null</c> when it does not match.</summary>
    public static double? ParseInteger(string value, string picture)
    {
        var spec = IntegerFormatSpec.ParsePicture(picture);
        var pattern = "^(?:" + spec.BuildRegex(fixedDigits: null, allowMinus: true) + ")$";
        try
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(value, pattern, System.Text.RegularExpressions.RegexOptions.CultureInvariant, RegexTimeout))
            {
                return null;
            }
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return null;
        }

        return spec.ParseValue(value);
    }
}

/// <summary>The kinds of integer presentation in a format-integer primary token.</summary>
internal enum IntegerStyle
{
    Decimal,
    LowerAlpha,
    UpperAlpha,
    LowerRoman,
    UpperRoman,
    LowerWords,
    UpperWords,
    TitleWords,
}

/// <summary>An analysed format-integer picture (primary format token plus modifier).</summary>
internal sealed class IntegerFormatSpec
{
    private IntegerFormatSpec(IntegerStyle style)
    {
        Style = style;
    }

    public IntegerStyle Style { get; }

    public bool Ordinal { get; set; }

    /// <summary>For decimal patterns: the code point of the digit zero of the digit family.</summary>
    public int Zero { get; private set; } = '0';

    /// <summary>For decimal patterns: the number of mandatory digits (minimum width).</summary>
    public int MandatoryDigits { get; private set; }

    /// <summary>For decimal patterns: mandatory plus optional digit signs.</summary>
    public int TotalDigits { get; private set; }

    /// <summary>Whether the decimal pattern contained optional digit signs.</summary>
    public bool HasOptionalDigits { get; private set; }

    /// <summary>Grouping separators: (position counted in digits from the right, separator text).</summary>
    public List<(int Position, string Separator)> Grouping { get; } = new();

    /// <summary>Whether the grouping repeats (every <see cref="RegularInterval"/> digits).</summary>
    public bool RegularGrouping { get; private set; }

    public int RegularInterval { get; private set; }

    public string RegularSeparator { get; private set; } = ",";

    /// <summary>Analyses a full $formatInteger picture: primary token, optionally ';' and a modifier.</summary>
    public static IntegerFormatSpec ParsePicture(string picture)
    {
        var primary = picture;
        var modifier = string.Empty;
        var semi = picture.LastIndexOf(';');
        if (semi >= 0)
        {
            primary = picture.Substring(0, semi);
            modifier = picture.Substring(semi + 1);
        }

        var spec = ParsePrimary(primary);
        if (modifier.Length > 0 && modifier[0] == 'o')
        {
            spec.Ordinal = true;
        }

        return spec;
    }

    /// <summary>Analyses a primary format token (no modifier).</summary>
    public static IntegerFormatSpec ParsePrimary(string primary)
    {
        switch (primary)
        {
            case "a":
                return new IntegerFormatSpec(IntegerStyle.LowerAlpha);
            case "A":
                return new IntegerFormatSpec(IntegerStyle.UpperAlpha);
            case "i":
                return new IntegerFormatSpec(IntegerStyle.LowerRoman);
            case "I":
                return new IntegerFormatSpec(IntegerStyle.UpperRoman);
            case "w":
                return new IntegerFormatSpec(IntegerStyle.LowerWords);
            case "W":
                return new IntegerFormatSpec(IntegerStyle.UpperWords);
            case "Ww":
                return new IntegerFormatSpec(IntegerStyle.TitleWords);
        }

        return ParseDecimalPattern(primary);
    }

    private static IntegerFormatSpec ParseDecimalPattern(string pattern)
    {
        var spec = new IntegerFormatSpec(IntegerStyle.Decimal);
        int? zero = null;
        var mandatory = 0;
        var optional = 0;
        var separators = new List<(int IndexInDigits, string Separator)>();
        var runes = ToCodePoints(pattern);
        foreach (var cp in runes)
        {
            var digitValue = DigitValue(cp);
            if (digitValue >= 0)
            {
                var familyZero = cp - digitValue;
                if (zero is null)
                {
                    zero = familyZero;
                }
                else if (zero != familyZero)
                {
                    throw new MappingException("D3131", "In a decimal digit pattern, all digits must be from the same decimal group");
                }

                mandatory++;
            }
            else if (cp == '#')
            {
                // F&O only allows '#' before the mandatory digits; like the reference we tolerate it anywhere.
                optional++;
            }
            else if (IsLetterOrDigit(cp))
            {
                throw Unsupported(pattern);
            }
            else
            {
                separators.Add((mandatory + optional, char.ConvertFromUtf32(cp)));
            }
        }

        if (zero is null)
        {
            throw Unsupported(pattern);
        }

        var total = mandatory + optional;
        spec.Zero = zero.Value;
        spec.MandatoryDigits = mandatory;
        spec.TotalDigits = total;
        spec.HasOptionalDigits = optional > 0;
        foreach (var (index, sep) in separators)
        {
            var position = total - index;
            if (position > 0 && position < total + 1 && index > 0)
            {
                spec.Grouping.Add((position, sep));
            }
        }

        spec.Grouping.Sort((x, y) => x.Position.CompareTo(y.Position));
        if (spec.Grouping.Count > 0)
        {
            var interval = spec.Grouping[0].Position;
            var regular = interval > 0;
            for (var i = 0; i < spec.Grouping.Count && regular; i++)
            {
                if (spec.Grouping[i].Position != interval * (i + 1) || spec.Grouping[i].Separator != spec.Grouping[0].Separator)
                {
                    regular = false;
                }
            }

            spec.RegularGrouping = regular;
            spec.RegularInterval = interval;
            spec.RegularSeparator = spec.Grouping[0].Separator;
        }

        return spec;
    }

    /// <summary>Above this, roman numerals (a run of M's) fall back to decimal digits.</summary>
    private const double MaxRoman = 1_000_000;

    private static MappingException Unsupported(string token) =>
        new("D3130", $"Formatting or parsing an integer as a sequence starting with {token} is not supported by this implementation");

    /// <summary>Formats a whole number (already truncated) in this style.</summary>
    /// <param name="value">The whole number to format.</param>
    /// <param name="minWidth">For decimal patterns, the minimum number of digits (default: the mandatory digits).</param>
    public string Format(double value, int? minWidth = null)
    {
        var negative = value < 0;
        var abs = Math.Abs(value);
        string text;
        switch (Style)
        {
            case IntegerStyle.LowerAlpha:
            case IntegerStyle.UpperAlpha:
                text = ToAlphabetic((long)abs, Style == IntegerStyle.UpperAlpha);
                break;
            case IntegerStyle.LowerRoman when abs <= MaxRoman:
            case IntegerStyle.UpperRoman when abs <= MaxRoman:
                text = ToRoman((long)abs);
                if (Style == IntegerStyle.LowerRoman)
                {
                    text = text.ToLowerInvariant();
                }

                break;
            case IntegerStyle.LowerWords:
            case IntegerStyle.UpperWords:
            case IntegerStyle.TitleWords:
                text = NumberWords.ToWords(abs, Ordinal);
                text = Style switch
                {
                    IntegerStyle.UpperWords => text.ToUpperInvariant(),
                    IntegerStyle.TitleWords => NumberWords.TitleCase(text),
                    _ => text,
                };
                break;
            default:
                text = FormatDecimal(abs, minWidth);
                break;
        }

        return negative ? "-" + text : text;
    }

    private string FormatDecimal(double abs, int? minWidth)
    {
        // Whole numbers below 2^53 print exactly as a long; larger ones go through the exact decimal expansion.
        var floor = Math.Floor(abs);
        var digits = floor < 9007199254740992d
            ? ((long)floor).ToString(CultureInfo.InvariantCulture)
            : DecimalDigits.FromDouble(floor).Split().Integer;
        if (digits.Length == 0)
        {
            digits = "0";
        }
        var min = minWidth ?? MandatoryDigits;
        if (digits.Length < min)
        {
            digits = digits.PadLeft(min, '0');
        }

        if (Zero == '0' && Grouping.Count == 0)
        {
            return Ordinal ? digits + OrdinalSuffix(digits) : digits;
        }

        var sb = new StringBuilder();
        for (var i = 0; i < digits.Length; i++)
        {
            var fromRight = digits.Length - i;
            sb.Append(char.ConvertFromUtf32(Zero + (digits[i] - '0')));
            var posAfter = fromRight - 1;
            if (posAfter > 0)
            {
                var sep = SeparatorAt(posAfter);
                if (sep is not null)
                {
                    sb.Append(sep);
                }
            }
        }

        var result = sb.ToString();
        if (Ordinal)
        {
            result += OrdinalSuffix(digits);
        }

        return result;
    }

    private string? SeparatorAt(int position)
    {
        if (Grouping.Count == 0)
        {
            return null;
        }

        if (RegularGrouping)
        {
            return position % RegularInterval == 0 ? RegularSeparator : null;
        }

        foreach (var (pos, sep) in Grouping)
        {
            if (pos == position)
            {
                return sep;
            }
        }

        return null;
    }

    internal static string OrdinalSuffix(string digits)
    {
        var last = digits[^1];
        var tensDigit = digits.Length > 1 ? digits[^2] : '0';
        if (tensDigit == '1')
        {
            return "th";
        }

        return last switch
        {
            '1' => "st",
            '2' => "nd",
            '3' => "rd",
            _ => "th",
        };
    }

    /// <summary>A regular expression fragment (no capturing groups) that matches a value in this style.</summary>
    public string BuildRegex(int? fixedDigits, int? minDigits = null, int? maxDigits = null, bool allowMinus = false)
    {
        switch (Style)
        {
            case IntegerStyle.LowerAlpha:
                return "[a-z]*";
            case IntegerStyle.UpperAlpha:
                return "[A-Z]*";
            case IntegerStyle.LowerRoman:
                return "[ivxlcdm]*";
            case IntegerStyle.UpperRoman:
                return "[IVXLCDM]*";
            case IntegerStyle.LowerWords:
            case IntegerStyle.UpperWords:
            case IntegerStyle.TitleWords:
                return NumberWords.WordsRegex;
            default:
                var digitClass = "[" + EscapeForClass(char.ConvertFromUtf32(Zero)) + "-" + EscapeForClass(char.ConvertFromUtf32(Zero + 9)) + "]";
                string body;
                if (Grouping.Count > 0 && fixedDigits is null && maxDigits is null)
                {
                    var seps = new StringBuilder();
                    foreach (var g in Grouping.Select(g => g.Separator).Distinct())
                    {
                        seps.Append(EscapeForClass(g));
                    }

                    body = digitClass + "(?:[" + seps + "]?" + digitClass + ")*";
                }
                else if (fixedDigits is int n)
                {
                    body = digitClass + "{" + n.ToString(CultureInfo.InvariantCulture) + "}";
                }
                else if (maxDigits is int mx)
                {
                    var mn = Math.Max(1, minDigits ?? 1);
                    body = digitClass + "{" + mn.ToString(CultureInfo.InvariantCulture) + "," + Math.Max(mn, mx).ToString(CultureInfo.InvariantCulture) + "}";
                }
                else
                {
                    body = digitClass + "+";
                }

                return (allowMinus ? "-?" : string.Empty) + body + (Ordinal ? "(?:st|nd|rd|th)" : string.Empty);
        }
    }

    private static string EscapeForClass(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s)
        {
            if (c is '\\' or ']' or '[' or '^' or '-')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Converts text already matched by <see cref="BuildRegex"/> to its value.</summary>
    public double ParseValue(string text)
    {
        switch (Style)
        {
            case IntegerStyle.LowerAlpha:
            case IntegerStyle.UpperAlpha:
                return FromAlphabetic(text);
            case IntegerStyle.LowerRoman:
            case IntegerStyle.UpperRoman:
                return FromRoman(text);
            case IntegerStyle.LowerWords:
            case IntegerStyle.UpperWords:
            case IntegerStyle.TitleWords:
                return NumberWords.FromWords(text);
            default:
                double result = 0;
                foreach (var cp in ToCodePoints(text))
                {
                    var d = cp - Zero;
                    if (d is >= 0 and <= 9)
                    {
                        result = (result * 10) + d;
                    }
                }

                return text.StartsWith('-') ? -result : result;
        }
    }

    internal static string ToAlphabetic(long value, bool upper)
    {
        if (value <= 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        var n = value;
        while (n > 0)
        {
            n--;
            sb.Insert(0, (char)((upper ? 'A' : 'a') + (int)(n % 26)));
            n /= 26;
        }

        return sb.ToString();
    }

    internal static double FromAlphabetic(string text)
    {
        double result = 0;
        foreach (var c in text)
        {
            var lower = char.ToLowerInvariant(c);
            if (lower is >= 'a' and <= 'z')
            {
                result = (result * 26) + (lower - 'a' + 1);
            }
        }

        return result;
    }

    private static readonly (int Value, string Numeral)[] RomanTable =
    {
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    };

    internal static string ToRoman(long value)
    {
        var sb = new StringBuilder();
        var n = value;
        foreach (var (v, numeral) in RomanTable)
        {
            while (n >= v)
            {
                sb.Append(numeral);
                n -= v;
            }
        }

        return sb.ToString();
    }

    internal static double FromRoman(string text)
    {
        double total = 0;
        var upper = text.ToUpperInvariant();
        for (var i = 0; i < upper.Length; i++)
        {
            var v = RomanValue(upper[i]);
            var next = i + 1 < upper.Length ? RomanValue(upper[i + 1]) : 0;
            total += v < next ? -v : v;
        }

        return total;
    }

    private static int RomanValue(char c) => c switch
    {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        'C' => 100,
        'D' => 500,
        'M' => 1000,
        _ => 0,
    };

    internal static List<int> ToCodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                list.Add(s[i]);
            }
        }

        return list;
    }

    /// <summary>The decimal digit value (0-9) of a Unicode Nd code point, or -1.</summary>
    internal static int DigitValue(int codePoint)
    {
        var s = char.ConvertFromUtf32(codePoint);
        if (CharUnicodeInfo.GetUnicodeCategory(s, 0) != UnicodeCategory.DecimalDigitNumber)
        {
            return -1;
        }

        return CharUnicodeInfo.GetDecimalDigitValue(s, 0);
    }

    private static bool IsLetterOrDigit(int codePoint)
    {
        var s = char.ConvertFromUtf32(codePoint);
        return char.IsLetterOrDigit(s, 0);
    }
}

/// <summary>English cardinal and ordinal number words, as JSONata renders them.</summary>
internal static class NumberWords
{
    private static readonly string[] Small =
    {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    };

    private static readonly string[] Tens =
    {
        string.Empty, string.Empty, "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    };

    private static readonly (double Value, string Name)[] Scales =
    {
        (1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"),
    };

    private static readonly Dictionary<string, double> CardinalValues = BuildCardinalValues();
    private static readonly Dictionary<string, string> OrdinalToCardinal = BuildOrdinalMap();

    /// <summary>Regex (no capturing groups) matching a run of number words, case-insensitive.</summary>
    public static readonly string WordsRegex = BuildWordsRegex();

    public static string ToWords(double value, bool ordinal)
    {
        var words = Cardinal(Math.Floor(value));
        return ordinal ? ToOrdinal(words) : words;
    }

    private static string Cardinal(double n)
    {
        if (n < 20)
        {
            return Small[(int)n];
        }

        if (n < 100)
        {
            var t = (int)(n / 10);
            var u = (int)(n % 10);
            return u == 0 ? Tens[t] : Tens[t] + "-" + Small[u];
        }

        if (n < 1000)
        {
            var h = (int)(n / 100);
            var rem = n % 100;
            return Small[h] + " hundred" + (rem == 0 ? string.Empty : " and " + Cardinal(rem));
        }

        foreach (var (scale, name) in Scales)
        {
            if (n >= scale)
            {
                var head = Math.Floor(n / scale);
                var rem = Math.Floor(n - (head * scale));
                var text = Cardinal(head) + " " + name;
                if (rem >= 1)
                {
                    text += (rem < 100 ? " and " : ", ") + Cardinal(rem);
                }

                return text;
            }
        }

        return Small[0];
    }

    private static string ToOrdinal(string cardinal)
    {
        var cut = Math.Max(cardinal.LastIndexOf(' '), cardinal.LastIndexOf('-'));
        var head = cardinal.Substring(0, cut + 1);
        var last = cardinal.Substring(cut + 1);
        return head + OrdinalWord(last);
    }

    private static string OrdinalWord(string word) => word switch
    {
        "one" => "first",
        "two" => "second",
        "three" => "third",
        "five" => "fifth",
        "eight" => "eighth",
        "nine" => "ninth",
        "twelve" => "twelfth",
        _ when word.EndsWith('y') => word.Substring(0, word.Length - 1) + "ieth",
        _ => word + "th",
    };

    /// <summary>Capitalises each word except "and" (for the 'Ww' presentation).</summary>
    public static string TitleCase(string text)
    {
        var sb = new StringBuilder(text.Length);
        var atStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetter(c))
            {
                if (atStart && !IsAndAt(text, i))
                {
                    sb.Append(char.ToUpperInvariant(c));
                }
                else
                {
                    sb.Append(c);
                }

                atStart = false;
            }
            else
            {
                sb.Append(c);
                atStart = true;
            }
        }

        return sb.ToString();
    }

    private static bool IsAndAt(string text, int i) =>
        string.CompareOrdinal(text, i, "and", 0, 3) == 0 && (i + 3 == text.Length || !char.IsLetter(text[i + 3]));

    /// <summary>Parses English number words (cardinal or ordinal, any case) to a value.</summary>
    public static double FromWords(string text)
    {
        var tokens = text.ToLowerInvariant()
            .Split(new[] { ' ', ',', '-' }, StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t != "and")
            .Select(t => OrdinalToCardinal.TryGetValue(t, out var c) ? c : t)
            .ToList();
        return ParseTokens(tokens);
    }

    private static double ParseTokens(List<string> tokens)
    {
        if (tokens.Count == 0)
        {
            return 0;
        }

        foreach (var (scale, name) in Scales)
        {
            var index = tokens.IndexOf(name);
            if (index < 0)
            {
                continue;
            }

            var head = index == 0 ? 1 : ParseTokens(tokens.GetRange(0, index));
            var value = head * scale;
            var j = index + 1;
            while (j < tokens.Count && tokens[j] == name)
            {
                value *= scale;
                j++;
            }

            return value + ParseTokens(tokens.GetRange(j, tokens.Count - j));
        }

        double current = 0;
        foreach (var token in tokens)
        {
            if (token == "hundred")
            {
                current = (current == 0 ? 1 : current) * 100;
            }
            else if (CardinalValues.TryGetValue(token, out var v))
            {
                current += v;
            }
        }

        return current;
    }

    private static Dictionary<string, double> BuildCardinalValues()
    {
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < Small.Length; i++)
        {
            map[Small[i]] = i;
        }

        for (var i = 2; i < Tens.Length; i++)
        {
            map[Tens[i]] = i * 10;
        }

        return map;
    }

    private static Dictionary<string, string> BuildOrdinalMap()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var w in AllCardinalWords())
        {
            map[OrdinalWord(w)] = w;
        }

        return map;
    }

    private static IEnumerable<string> AllCardinalWords() =>
        Small.Concat(Tens.Where(t => t.Length > 0)).Append("hundred").Concat(Scales.Select(s => s.Name));

    private static string BuildWordsRegex()
    {
        var words = AllCardinalWords().SelectMany(w => new[] { w, OrdinalWord(w) }).Append("and")
            .Distinct()
            .OrderByDescending(w => w.Length)
            .ToList();
        var alternation = string.Join("|", words);
        return "(?i:(?:" + alternation + ")(?:(?:,? |-)(?:" + alternation + "))*)";
    }
}
