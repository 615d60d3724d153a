using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>
/// JSONata <c>$formatNumber</c>: the XPath F&amp;O 3.1 <c>fn:format-number</c> picture language,
/// with the decimal-format properties taken from an optional options object.
/// </summary>
internal static class NumberPictureFormatter
{
    /// <summary>Formats <paramref name="value"/> per <paramref name="picture"/>.</summary>
    public static string FormatNumber(double value, string picture, JObject? options)
    {
        var format = options is null ? DecimalFormat.Default : DecimalFormat.From(options);
        var (positive, negative) = options is null
            ? Analysed.GetOrAdd(picture, p => Analyse(p, DecimalFormat.Default))
            : Analyse(picture, format);

        var isNegative = value < 0;
        SubPicture pic;
        var minusPrefix = string.Empty;
        if (!isNegative)
        {
            pic = positive;
        }
        else if (negative is not null)
        {
            pic = negative;
        }
        else
        {
            pic = positive;
            minusPrefix = format.MinusSign;
        }

        if (double.IsNaN(value))
        {
            return format.NaN;
        }

        if (double.IsInfinity(value))
        {
            return minusPrefix + pic.Prefix + format.Infinity + pic.Suffix;
        }

        var number = DecimalDigits.FromDouble(Math.Abs(value));
        if (pic.HasPercent)
        {
            number = number.Shift(2);
        }
        else if (pic.HasPerMille)
        {
            number = number.Shift(3);
        }

        var exponent = 0;
        if (pic.HasExponent && !number.IsZero)
        {
            // value = 0.d1d2... x 10^Point; the mantissa keeps ScalingFactor digits before its point.
            exponent = number.Point - pic.ScalingFactor;
            number = new DecimalDigits(number.Digits, pic.ScalingFactor);
        }

        number = number.RoundHalfEven(pic.MaximumFractionalPartSize);
        if (pic.HasExponent && !number.IsZero && number.Point > pic.ScalingFactor)
        {
            // Rounding carried into a new digit (e.g. 9.99 -> 10.0): renormalise.
            exponent += number.Point - pic.ScalingFactor;
            number = new DecimalDigits(number.Digits, pic.ScalingFactor).RoundHalfEven(pic.MaximumFractionalPartSize);
        }

        var (integerDigits, fractionDigits) = number.Split();
        integerDigits = integerDigits.TrimStart('0');
        if (integerDigits.Length < pic.MinimumIntegerPartSize)
        {
            integerDigits = new string('0', pic.MinimumIntegerPartSize - integerDigits.Length) + integerDigits;
        }

        if (fractionDigits.Length > pic.MaximumFractionalPartSize)
        {
            fractionDigits = fractionDigits.Substring(0, pic.MaximumFractionalPartSize);
        }

        fractionDigits = fractionDigits.TrimEnd('0');
        if (fractionDigits.Length < pic.MinimumFractionalPartSize)
        {
            fractionDigits += new string('0', pic.MinimumFractionalPartSize - fractionDigits.Length);
        }

        var sb = new StringBuilder();
        sb.Append(minusPrefix).Append(pic.Prefix);
        for (var i = 0; i < integerDigits.Length; i++)
        {
            sb.Append(format.Digit(integerDigits[i] - '0'));
            var remaining = integerDigits.Length - i - 1;
            if (remaining > 0 && pic.IsIntegerGroupingPosition(remaining))
            {
                sb.Append(format.GroupingSeparator);
            }
        }

        if (fractionDigits.Length > 0)
        {
            sb.Append(format.DecimalSeparator);
            for (var i = 0; i < fractionDigits.Length; i++)
            {
                sb.Append(format.Digit(fractionDigits[i] - '0'));
                if (i + 1 < fractionDigits.Length && pic.FractionalGroupingPositions.Contains(i + 1))
                {
                    sb.Append(format.GroupingSeparator);
                }
            }
        }

        if (pic.HasExponent)
        {
            sb.Append(format.ExponentSeparator);
            if (exponent < 0)
            {
                sb.Append(format.MinusSign);
            }

            var expDigits = Math.Abs(exponent).ToString(CultureInfo.InvariantCulture);
            if (expDigits.Length < pic.MinimumExponentSize)
            {
                expDigits = new string('0', pic.MinimumExponentSize - expDigits.Length) + expDigits;
            }

            foreach (var c in expDigits)
            {
                sb.Append(format.Digit(c - '0'));
            }
        }

        sb.Append(pic.Suffix);
        return sb.ToString();
    }

    /// <summary>Analysed pictures for the default decimal format (pictures are usually literals).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (SubPicture Positive, SubPicture? Negative)> Analysed = new(StringComparer.Ordinal);

    private static (SubPicture Positive, SubPicture? Negative) Analyse(string picture, DecimalFormat format)
    {
        if (Analysed.Count > 256)
        {
            Analysed.Clear();
        }

        var subPictures = SplitSubPictures(picture, format);
        var positive = SubPicture.Analyse(subPictures[0], format);
        var negative = subPictures.Count > 1 ? SubPicture.Analyse(subPictures[1], format) : null;
        return (positive, negative);
    }

    private static List<string> SplitSubPictures(string picture, DecimalFormat format)
    {
        var parts = picture.Split(format.PatternSeparator);
        if (parts.Length > 2)
        {
            throw new MappingException("D3080", "The sub-picture must not contain more than one instance of the 'pattern-separator' character");
        }

        return parts.ToList();
    }

    /// <summary>The decimal-format properties (XPath decimal format), from the JSONata options object.</summary>
    private sealed class DecimalFormat
    {
        public string DecimalSeparator { get; private set; } = ".";

        public string GroupingSeparator { get; private set; } = ",";

        public string ExponentSeparator { get; private set; } = "e";

        public string Percent { get; private set; } = "%";

        public string PerMille { get; private set; } = "\u2030";

        public int ZeroDigit { get; private set; } = '0';

        public string OptionalDigit { get; private set; } = "#";

        public string PatternSeparator { get; private set; } = ";";

        public string MinusSign { get; private set; } = "-";

        public string Infinity { get; private set; } = "Infinity";

        public string NaN { get; private set; } = "NaN";

        public static DecimalFormat Default { get; } = new();

        public string Digit(int value) => char.ConvertFromUtf32(ZeroDigit + value);

        public bool IsFamilyDigit(int codePoint) => codePoint >= ZeroDigit && codePoint <= ZeroDigit + 9;

        public static DecimalFormat From(JObject? options)
        {
            var f = new DecimalFormat();
            if (options is null)
            {
                return f;
            }

            foreach (var property in options.Properties())
            {
                if (property.Value.Type != JTokenType.String)
                {
                    continue;
                }

                var text = (string)property.Value!;
                switch (property.Name)
                {
                    case "decimal-separator":
                        f.DecimalSeparator = text;
                        break;
                    case "grouping-separator":
                        f.GroupingSeparator = text;
                        break;
                    case "exponent-separator":
                        f.ExponentSeparator = text;
                        break;
                    case "percent":
                        f.Percent = text;
                        break;
                    case "per-mille":
                        f.PerMille = text;
                        break;
                    case "zero-digit":
                        if (text.Length > 0)
                        {
                            f.ZeroDigit = char.ConvertToUtf32(text, 0);
                        }

                        break;
                    case "digit":
                        f.OptionalDigit = text;
                        break;
                    case "pattern-separator":
                        f.PatternSeparator = text;
                        break;
                    case "minus-sign":
                        f.MinusSign = text;
                        break;
                    case "infinity":
                        f.Infinity = text;
                        break;
                    case "NaN":
                        f.NaN = text;
                        break;
                }
            }

            return f;
        }
    }

    /// <summary>The result of analysing one sub-picture (F&amp;O 3.1 section 4.7.4).</summary>
    private sealed class SubPicture
    {
        public string Prefix { get; private set; } = string.Empty;

        public string Suffix { get; private set; } = string.Empty;

        public bool HasPercent { get; private set; }

        public bool HasPerMille { get; private set; }

        public bool HasExponent { get; private set; }

        public int MinimumIntegerPartSize { get; private set; }

        public int ScalingFactor { get; private set; }

        public int MinimumFractionalPartSize { get; private set; }

        public int MaximumFractionalPartSize { get; private set; }

        public int MinimumExponentSize { get; private set; }

        public List<int> IntegerGroupingPositions { get; } = new();

        public HashSet<int> FractionalGroupingPositions { get; } = new();

        public int RegularGroupingInterval { get; private set; }

        public bool IsIntegerGroupingPosition(int position)
        {
            if (RegularGroupingInterval > 0)
            {
                return position % RegularGroupingInterval == 0;
            }

            return IntegerGroupingPositions.Contains(position);
        }

        private enum Kind
        {
            Passive,
            Digit,
            Optional,
            Decimal,
            Grouping,
            Exponent,
        }

        public static SubPicture Analyse(string subPicture, DecimalFormat format)
        {
            // Tokenise into symbols (each symbol is one decimal-format property string or one character).
            var symbols = new List<(string Text, Kind Kind)>();
            var i = 0;
            while (i < subPicture.Length)
            {
                if (Matches(subPicture, i, format.DecimalSeparator))
                {
                    symbols.Add((format.DecimalSeparator, Kind.Decimal));
                    i += format.DecimalSeparator.Length;
                }
                else if (Matches(subPicture, i, format.GroupingSeparator))
                {
                    symbols.Add((format.GroupingSeparator, Kind.Grouping));
                    i += format.GroupingSeparator.Length;
                }
                else if (Matches(subPicture, i, format.OptionalDigit))
                {
                    symbols.Add((format.OptionalDigit, Kind.Optional));
                    i += format.OptionalDigit.Length;
                }
                else
                {
                    var cp = char.ConvertToUtf32(subPicture, i);
                    var len = char.IsSurrogatePair(subPicture, i) ? 2 : 1;
                    if (format.IsFamilyDigit(cp))
                    {
                        symbols.Add((subPicture.Substring(i, len), Kind.Digit));
                        i += len;
                    }
                    else if (Matches(subPicture, i, format.ExponentSeparator))
                    {
                        symbols.Add((format.ExponentSeparator, Kind.Exponent));
                        i += format.ExponentSeparator.Length;
                    }
                    else
                    {
                        symbols.Add((subPicture.Substring(i, len), Kind.Passive));
                        i += len;
                    }
                }
            }

            // The exponent separator is active only straight after an active mantissa character
            // (as in the reference implementation; what follows it must then be the exponent digits).
            for (var k = 0; k < symbols.Count; k++)
            {
                if (symbols[k].Kind != Kind.Exponent)
                {
                    continue;
                }

                var before = k > 0 && symbols[k - 1].Kind is Kind.Digit or Kind.Optional or Kind.Decimal or Kind.Grouping;
                if (!before || symbols.Take(k).Any(s => s.Kind == Kind.Exponent))
                {
                    symbols[k] = (symbols[k].Text, Kind.Passive);
                }
            }

            var first = symbols.FindIndex(s => s.Kind != Kind.Passive);
            var last = symbols.FindLastIndex(s => s.Kind != Kind.Passive);
            if (first < 0)
            {
                if (subPicture.Length == 0)
                {
                    throw new MappingException("D3085", "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'");
                }

                throw new MappingException("D3086", "The sub-picture must contain at least one active character");
            }

            var pic = new SubPicture
            {
                Prefix = string.Concat(symbols.Take(first).Select(s => s.Text)),
                Suffix = string.Concat(symbols.Skip(last + 1).Select(s => s.Text)),
            };

            var percentCount = CountOccurrences(subPicture, format.Percent);
            var perMilleCount = CountOccurrences(subPicture, format.PerMille);
            pic.HasPercent = percentCount > 0;
            pic.HasPerMille = perMilleCount > 0;

            var exponentIndex = symbols.FindIndex(s => s.Kind == Kind.Exponent);
            var mantissaEnd = exponentIndex >= 0 ? exponentIndex : last + 1;
            var mantissa = symbols.GetRange(first, mantissaEnd - first);
            var decimalIndex = mantissa.FindIndex(s => s.Kind == Kind.Decimal);
            var integerPart = decimalIndex >= 0 ? mantissa.GetRange(0, decimalIndex) : mantissa;
            var fractionalPart = decimalIndex >= 0 ? mantissa.GetRange(decimalIndex + 1, mantissa.Count - decimalIndex - 1) : new List<(string Text, Kind Kind)>();
            pic.HasExponent = exponentIndex >= 0;
            var exponentPart = pic.HasExponent ? symbols.GetRange(exponentIndex + 1, last - exponentIndex) : new List<(string Text, Kind Kind)>();

            // The rules of F&O 4.7.3, checked in the order the reference reports them when several are broken.
            if (pic.HasExponent && (exponentPart.Count == 0 || exponentPart.Any(s => s.Kind != Kind.Digit)))
            {
                throw new MappingException("D3093", "The exponent part of a sub-picture must consist only of characters from the 'decimal digit family'");
            }

            if (pic.HasExponent && (pic.HasPercent || pic.HasPerMille))
            {
                throw new MappingException("D3092", "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'");
            }

            if (fractionalPart.SkipWhile(s => s.Kind != Kind.Optional).Any(s => s.Kind == Kind.Digit))
            {
                throw new MappingException("D3091", "The fractional part of a sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'");
            }

            if (integerPart.SkipWhile(s => s.Kind != Kind.Digit).Any(s => s.Kind == Kind.Optional))
            {
                throw new MappingException("D3090", "The integer part of a sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'");
            }

            for (var k = 0; k + 1 < mantissa.Count; k++)
            {
                if (mantissa[k].Kind == Kind.Grouping && mantissa[k + 1].Kind == Kind.Grouping)
                {
                    throw new MappingException("D3089", "A sub-picture must not contain two adjacent instances of the 'grouping-separator' character");
                }
            }

            if (decimalIndex < 0 && integerPart.Count > 0 && integerPart[^1].Kind == Kind.Grouping)
            {
                throw new MappingException("D3088", "The integer part of a sub-picture must not end with a 'grouping-separator' character");
            }

            for (var k = 0; k + 1 < mantissa.Count; k++)
            {
                var x = mantissa[k].Kind;
                var y = mantissa[k + 1].Kind;
                if ((x == Kind.Grouping && y == Kind.Decimal) || (x == Kind.Decimal && y == Kind.Grouping))
                {
                    throw new MappingException("D3087", "A 'grouping-separator' character must not appear adjacent to a 'decimal-separator' character");
                }
            }

            if (symbols.Skip(first).Take(last - first + 1).Any(s => s.Kind == Kind.Passive))
            {
                throw new MappingException("D3086", "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character");
            }

            if (!mantissa.Any(s => s.Kind is Kind.Digit or Kind.Optional))
            {
                throw new MappingException("D3085", "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'");
            }

            if (percentCount > 0 && perMilleCount > 0)
            {
                throw new MappingException("D3084", "The sub-picture cannot contain both a 'percent' and a 'per-mille' character");
            }

            if (perMilleCount > 1)
            {
                throw new MappingException("D3083", "The sub-picture must not contain more than one instance of the 'per-mille' character");
            }

            if (percentCount > 1)
            {
                throw new MappingException("D3082", "The sub-picture must not contain more than one instance of the 'percent' character");
            }

            if (mantissa.Count(s => s.Kind == Kind.Decimal) > 1)
            {
                throw new MappingException("D3081", "The sub-picture must not contain more than one instance of the 'decimal-separator' character");
            }

            // Grouping positions.
            var digitsToRight = 0;
            for (var k = integerPart.Count - 1; k >= 0; k--)
            {
                if (integerPart[k].Kind is Kind.Digit or Kind.Optional)
                {
                    digitsToRight++;
                }
                else if (integerPart[k].Kind == Kind.Grouping)
                {
                    pic.IntegerGroupingPositions.Add(digitsToRight);
                }
            }

            if (pic.IntegerGroupingPositions.Count > 0)
            {
                var n = pic.IntegerGroupingPositions[0];
                var regular = n > 0;
                for (var k = 0; k < pic.IntegerGroupingPositions.Count && regular; k++)
                {
                    regular = pic.IntegerGroupingPositions[k] == n * (k + 1);
                }

                if (regular)
                {
                    pic.RegularGroupingInterval = n;
                }
            }

            var digitsToLeft = 0;
            foreach (var s in fractionalPart)
            {
                if (s.Kind is Kind.Digit or Kind.Optional)
                {
                    digitsToLeft++;
                }
                else if (s.Kind == Kind.Grouping)
                {
                    pic.FractionalGroupingPositions.Add(digitsToLeft);
                }
            }

            pic.MinimumIntegerPartSize = integerPart.Count(s => s.Kind == Kind.Digit);
            pic.ScalingFactor = pic.MinimumIntegerPartSize;
            pic.MinimumFractionalPartSize = fractionalPart.Count(s => s.Kind == Kind.Digit);
            pic.MaximumFractionalPartSize = fractionalPart.Count(s => s.Kind is Kind.Digit or Kind.Optional);
            pic.MinimumExponentSize = exponentPart.Count;

            if (pic.MinimumIntegerPartSize == 0 && pic.MaximumFractionalPartSize == 0)
            {
                if (pic.HasExponent)
                {
                    pic.MinimumFractionalPartSize = 1;
                    pic.MaximumFractionalPartSize = 1;
                }
                else
                {
                    pic.MinimumIntegerPartSize = 1;
                }
            }

            if (pic.HasExponent && pic.MinimumIntegerPartSize == 0 && integerPart.Any(s => s.Kind == Kind.Optional))
            {
                pic.MinimumIntegerPartSize = 1;
            }

            if (pic.MinimumIntegerPartSize == 0 && pic.MinimumFractionalPartSize == 0)
            {
                pic.MinimumFractionalPartSize = 1;
            }

            return pic;
        }

        private static bool Matches(string s, int index, string token) =>
            token.Length > 0 && string.CompareOrdinal(s, index, token, 0, token.Length) == 0;

        private static int CountOccurrences(string s, string token)
        {
            if (token.Length == 0)
            {
                return 0;
            }

            var count = 0;
            var index = s.IndexOf(token, StringComparison.Ordinal);
            while (index >= 0)
            {
                count++;
                index = s.IndexOf(token, index + token.Length, StringComparison.Ordinal);
            }

            return count;
        }
    }
}

/// <summary>
/// An exact non-negative decimal: value = 0.<see cref="Digits"/> x 10^<see cref="Point"/>.
/// Built from the shortest round-trip representation of a double, so rounding works on the decimal the user sees.
/// </summary>
internal readonly struct DecimalDigits
{
    public DecimalDigits(string digits, int point)
    {
        var trimmed = digits.TrimStart('0');
        Point = point - (digits.Length - trimmed.Length);
        Digits = trimmed.TrimEnd('0');
        if (Digits.Length == 0)
        {
            Point = 0;
        }
    }

    public string Digits { get; }

    public int Point { get; }

    public bool IsZero => Digits.Length == 0;

    public static DecimalDigits FromDouble(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(new[] { 'E', 'e' });
        if (e >= 0)
        {
            exponent = int.Parse(text.Substring(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text.Substring(0, e);
        }

        var dot = text.IndexOf('.');
        var digits = dot >= 0 ? text.Remove(dot, 1) : text;
        var point = (dot >= 0 ? dot : text.Length) + exponent;
        return new DecimalDigits(digits, point);
    }

    public DecimalDigits Shift(int places) => new(Digits, Point + places);

    /// <summary>Rounds to <paramref name="fractionDigits"/> places, ties to even.</summary>
    public DecimalDigits RoundHalfEven(int fractionDigits)
    {
        var keep = Point + fractionDigits;
        if (IsZero || keep >= Digits.Length)
        {
            return this;
        }

        if (keep < 0)
        {
            return new DecimalDigits(string.Empty, 0);
        }

        var next = Digits[keep];
        var restNonZero = Digits.Length > keep + 1;
        bool roundUp;
        if (next > '5')
        {
            roundUp = true;
        }
        else if (next < '5')
        {
            roundUp = false;
        }
        else if (restNonZero)
        {
            roundUp = true;
        }
        else
        {
            var previous = keep > 0 ? Digits[keep - 1] - '0' : 0;
            roundUp = previous % 2 == 1;
        }

        var kept = Digits.Substring(0, keep).ToCharArray();
        if (!roundUp)
        {
            return new DecimalDigits(new string(kept), Point);
        }

        var idx = kept.Length - 1;
        while (idx >= 0)
        {
            if (kept[idx] == '9')
            {
                kept[idx] = '0';
                idx--;
            }
            else
            {
                kept[idx]++;
                break;
            }
        }

        if (idx < 0)
        {
            return new DecimalDigits("1" + new string(kept), Point + 1);
        }

        return new DecimalDigits(new string(kept), Point);
    }

    /// <summary>Integer digits (may be empty) and fraction digits.</summary>
    public (string Integer, string Fraction) Split()
    {
        if (IsZero)
        {
            return (string.Empty, string.Empty);
        }

        if (Point <= 0)
        {
            return (string.Empty, new string('0', -Point) + Digits);
        }

        if (Point >= Digits.Length)
        {
            return (Digits + new string('0', Point - Digits.Length), string.Empty);
        }

        return (Digits.Substring(0, Point), Digits.Substring(Point));
    }
}
