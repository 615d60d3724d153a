using System.Globalization;
using System.Text;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests.PictureFormatting;

/// <summary>
/// Reads the official JSONata test suite (shared/conformance/jsonata, next to the repository root) and picks the
/// cases of the picture-string function groups whose expression is a single call of one of our functions with
/// literal arguments (plus two small composite shapes: <c>call ~&gt; $fromMillis()</c> and the ISO week-date
/// <c>($ts := $toMillis(..); $fromMillis($ts, ..))</c>). Nothing is copied: the files are read at test time.
/// </summary>
internal static class FormattingSuiteCases
{
    public static readonly string[] Groups =
    {
        "function-formatNumber", "function-formatInteger", "function-parseInteger", "function-fromMillis", "function-tomillis",
    };

    public static string? SuiteDirectory()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Flows.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            return null;
        }

        var suite = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "jsonata", "groups"));
        return Directory.Exists(suite) ? suite : null;
    }

    private static readonly Lazy<List<(string Name, JObject Case)>> Loaded = new(() => LoadCases().ToList());

    /// <summary>Every case in the groups: (name, case object), read once.</summary>
    public static IEnumerable<(string Name, JObject Case)> AllCases() => Loaded.Value;

    private static IEnumerable<(string Name, JObject Case)> LoadCases()
    {
        var suite = SuiteDirectory();
        if (suite is null)
        {
            yield break;
        }

        foreach (var group in Groups)
        {
            var groupDir = Path.Combine(suite, group);
            if (!Directory.Exists(groupDir))
            {
                continue;
            }

            foreach (var file in Directory.GetFiles(groupDir, "*.json").OrderBy(f => f, StringComparer.Ordinal))
            {
                using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(File.ReadAllText(file)))
                {
                    DateParseHandling = Newtonsoft.Json.DateParseHandling.None,
                    FloatParseHandling = Newtonsoft.Json.FloatParseHandling.Double,
                };
                var token = JToken.ReadFrom(reader);
                var baseName = group + "/" + Path.GetFileNameWithoutExtension(file);
                if (token is JArray array)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is JObject o)
                        {
                            yield return (baseName + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", o);
                        }
                    }
                }
                else if (token is JObject o)
                {
                    yield return (baseName, o);
                }
            }
        }
    }

    public static IEnumerable<TestCaseData> SupportedCases()
    {
        var any = false;
        foreach (var (name, c) in AllCases())
        {
            var expr = (string?)c["expr"];
            if (expr is null || TryCompile(expr) is null)
            {
                continue;
            }

            any = true;
            yield return new TestCaseData(name).SetName(name);
        }

        if (!any)
        {
            yield return new TestCaseData("<suite not found>").SetName("SuiteNotFound");
        }
    }

    public static JObject? Find(string name) => AllCases().Where(x => x.Name == name).Select(x => x.Case).FirstOrDefault();

    /// <summary>Returns an evaluator for the expression, or null if it is not one of the supported shapes.</summary>
    public static Func<object?>? TryCompile(string expr)
    {
        var text = expr.Trim();

        // ($ts := $toMillis(a, b); $fromMillis($ts, c) )
        var weekDate = System.Text.RegularExpressions.Regex.Match(
            text, @"^\(\s*\$ts\s*:=\s*(?<first>\$toMillis\(.*\))\s*;\s*\$fromMillis\(\s*\$ts\s*,(?<rest>.*)\)\s*\)$");
        if (weekDate.Success)
        {
            var first = TryCompileCall(weekDate.Groups["first"].Value);
            var rest = TryParseArgs(weekDate.Groups["rest"].Value);
            if (first is null || rest is null || rest.Count < 1)
            {
                return null;
            }

            return () =>
            {
                var ms = first();
                return ms is long l ? DateTimePictureFormatter.FormatDateTime(l, (string?)rest[0], rest.Count > 1 ? (string?)rest[1] : null) : null;
            };
        }

        // call ~> $fromMillis()
        var pipe = text.IndexOf("~>", StringComparison.Ordinal);
        if (pipe > 0 && text.EndsWith("$fromMillis()", StringComparison.Ordinal) && text.IndexOf("~>", pipe + 2, StringComparison.Ordinal) < 0)
        {
            var first = TryCompileCall(text.Substring(0, pipe).Trim());
            if (first is null)
            {
                return null;
            }

            return () =>
            {
                var ms = first();
                return ms is long l ? DateTimePictureFormatter.FormatDateTime(l, null, null) : null;
            };
        }

        return TryCompileCall(text);
    }

    private static Func<object?>? TryCompileCall(string text)
    {
        var open = text.IndexOf('(');
        if (!text.StartsWith('$') || open < 0 || !text.EndsWith(')'))
        {
            return null;
        }

        var name = text.Substring(1, open - 1);
        var args = TryParseArgs(text.Substring(open + 1, text.Length - open - 2));
        if (args is null)
        {
            return null;
        }

        object? Arg(int i) => i < args.Count ? args[i] : null;
        switch (name)
        {
            case "formatNumber" when args.Count is 2 or 3 && Arg(0) is double && Arg(1) is string && (args.Count == 2 || Arg(2) is JObject):
                return () => NumberPictureFormatter.FormatNumber((double)Arg(0)!, (string)Arg(1)!, Arg(2) as JObject);
            case "formatInteger" when args.Count == 2 && Arg(0) is double && Arg(1) is string:
                return () => IntegerPictureFormatter.FormatInteger((double)Arg(0)!, (string)Arg(1)!);
            case "parseInteger" when args.Count == 2 && Arg(0) is string && Arg(1) is string:
                return () => IntegerPictureFormatter.ParseInteger((string)Arg(0)!, (string)Arg(1)!);
            case "fromMillis" when args.Count is >= 1 and <= 3 && Arg(0) is double && (Arg(1) is null or string) && (Arg(2) is null or string):
                return () => DateTimePictureFormatter.FormatDateTime((long)(double)Arg(0)!, (string?)Arg(1), (string?)Arg(2));
            case "toMillis" when args.Count is 1 or 2 && Arg(0) is string && (Arg(1) is null or string):
                return () => DateTimePictureFormatter.ParseDateTime((string)Arg(0)!, (string?)Arg(1));
            default:
                return null;
        }
    }

    /// <summary>Parses a comma-separated list of literal arguments: strings, numbers (and products of numbers), objects, ().</summary>
    private static List<object?>? TryParseArgs(string text)
    {
        var result = new List<object?>();
        var i = 0;
        SkipWs(text, ref i);
        if (i >= text.Length)
        {
            return result;
        }

        while (true)
        {
            SkipWs(text, ref i);
            if (i >= text.Length)
            {
                return null;
            }

            object? value;
            var c = text[i];
            if (c is '"' or '\'')
            {
                var s = ReadString(text, ref i);
                if (s is null)
                {
                    return null;
                }

                value = s;
            }
            else if (c == '{')
            {
                var end = FindMatchingBrace(text, i);
                if (end < 0)
                {
                    return null;
                }

                try
                {
                    value = JObject.Parse(text.Substring(i, end - i + 1));
                }
                catch (Newtonsoft.Json.JsonException)
                {
                    return null;
                }

                i = end + 1;
            }
            else if (c == '(' && i + 1 < text.Length && text[i + 1] == ')')
            {
                value = null;
                i += 2;
            }
            else
            {
                var product = ReadNumber(text, ref i);
                if (product is null)
                {
                    return null;
                }

                SkipWs(text, ref i);
                while (i < text.Length && text[i] == '*')
                {
                    i++;
                    var factor = ReadNumber(text, ref i);
                    if (factor is null)
                    {
                        return null;
                    }

                    product *= factor;
                    SkipWs(text, ref i);
                }

                value = product.Value;
            }

            result.Add(value);
            SkipWs(text, ref i);
            if (i >= text.Length)
            {
                return result;
            }

            if (text[i] != ',')
            {
                return null;
            }

            i++;
        }
    }

    private static void SkipWs(string text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }
    }

    private static double? ReadNumber(string text, ref int i)
    {
        SkipWs(text, ref i);
        if (i < text.Length && text[i] == '(')
        {
            i++;
            var inner = ReadNumber(text, ref i);
            SkipWs(text, ref i);
            if (inner is null || i >= text.Length || text[i] != ')')
            {
                return null;
            }

            i++;
            return inner;
        }

        var start = i;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        while (i < text.Length && (char.IsDigit(text[i]) || text[i] is '.' or 'e' or 'E' || (text[i] is '+' or '-' && text[i - 1] is 'e' or 'E')))
        {
            i++;
        }

        return double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    private static string? ReadString(string text, ref int i)
    {
        var quote = text[i];
        i++;
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == quote)
            {
                i++;
                return sb.ToString();
            }

            if (c == '\\' && i + 1 < text.Length)
            {
                var e = text[i + 1];
                i += 2;
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'u' when i + 4 <= text.Length:
                        sb.Append((char)int.Parse(text.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: sb.Append(e); break;
                }

                continue;
            }

            sb.Append(c);
            i++;
        }

        return null;
    }

    private static int FindMatchingBrace(string text, int start)
    {
        var depth = 0;
        char? quote = null;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth--;
                if (depth == 0)
                {
                    return i;
                }
            }
        }

        return -1;
    }
}
