using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>Value helpers shared by the evaluator and the built-in functions.</summary>
internal static partial class Functions
{
    public static bool ToBoolean(object? v) => BooleanOf(v) ?? false;

    public static bool? BooleanOf(object? v)
    {
        switch (v)
        {
            case null:
                return null;
            case bool b:
                return b;
            case double d:
                return d != 0;
            case string s:
                return s.Length > 0;
            case JNull:
                return false;
            case JList l:
                if (l.Count == 0)
                {
                    return false;
                }

                if (l.Count == 1)
                {
                    return BooleanOf(l[0]) ?? false;
                }

                foreach (var item in l)
                {
                    if (BooleanOf(item) == true)
                    {
                        return true;
                    }
                }

                return false;
            case JMap m:
                return m.Count > 0;
            case Fn:
                return false;
            default:
                return true;
        }
    }

    public static bool DeepEquals(object? a, object? b)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();

        if (ReferenceEquals(a, b))
        {
            return true;
        }

        switch (a)
        {
            case null:
                return b == null;
            case double da:
                return b is double db && da == db;
            case string sa:
                return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
            case bool ba:
                return b is bool bb && ba == bb;
            case JNull:
                return b is JNull;
            case JList la:
                {
                    if (b is not JList lb || la.Count != lb.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < la.Count; i++)
                    {
                        if (!DeepEquals(la[i], lb[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            case JMap ma:
                {
                    if (b is not JMap mb || ma.Count != mb.Count)
                    {
                        return false;
                    }

                    foreach (var kv in ma)
                    {
                        if (!mb.TryGetValue(kv.Key, out var v) || !DeepEquals(kv.Value, v))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                return false;
        }
    }

    /// <summary>A deep copy; every array item and object property copied counts against the evaluation's size limit.</summary>
    public static object? DeepClone(object? v, Evaluator ev, int position)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        ev.Tick(position);

        switch (v)
        {
            case JList l:
                {
                    ev.Produce(l.Count, position);
                    var c = new JList(l.Count) { Sequence = l.Sequence, KeepSingleton = l.KeepSingleton, Cons = l.Cons };
                    foreach (var item in l)
                    {
                        c.Add(DeepClone(item, ev, position));
                    }

                    return c;
                }

            case JMap m when m.LazySource is { } src:
                {
                    // the input object is never changed: share it, copying only what has been converted
                    List<KeyValuePair<string, object?>>? held = null;
                    for (var i = 0; i < m.HeldCount; i++)
                    {
                        var kv = m.HeldAt(i);
                        ev.Produce(1, position);
                        (held ??= []).Add(new(kv.Key, DeepClone(kv.Value, ev, position)));
                    }

                    return JMap.LazyCopy(src, held);
                }

            case JMap m:
                {
                    ev.Produce(m.Count, position);
                    var c = new JMap(m.Count);
                    foreach (var kv in m)
                    {
                        c[kv.Key] = DeepClone(kv.Value, ev, position);
                    }

                    return c;
                }

            default:
                return v;
        }
    }

    /// <summary>String form used by <c>&amp;</c> (undefined becomes empty); JSON text counts against the size limit.</summary>
    public static string StringOf(object? v, Evaluator ev, int position)
    {
        return v switch
        {
            null => string.Empty,
            string s => s,
            double d when double.IsFinite(d) => FormatNumber(d),
            _ => Stringify(v, false, ev, position),
        };
    }

    /// <summary>The longest value text put in an error message; longer is cut short with an ellipsis.</summary>
    private const int ErrorValueMaxLength = 1000;

    public static string StringifyForError(object? v)
    {
        if (v == null)
        {
            return "undefined";
        }

        if (v is string s)
        {
            return "\"" + (s.Length > ErrorValueMaxLength ? s[..ErrorValueMaxLength] + "..." : s) + "\"";
        }

        var sb = new StringBuilder();
        WriteJson(sb, v, false, 0, null, 0, ErrorValueMaxLength);
        if (sb.Length > ErrorValueMaxLength)
        {
            sb.Length = ErrorValueMaxLength;
            sb.Append("...");
        }

        return sb.ToString();
    }

    /// <summary>JSON text of <paramref name="v"/>; its characters count against the evaluation's size limit as they are written.</summary>
    public static string Stringify(object? v, bool pretty, Evaluator ev, int position)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v, pretty, 0, ev, position, int.MaxValue);
        ev.Produce(sb.Length, position);
        return sb.ToString();
    }

    /// <summary>
    /// Writes JSON. With an evaluator, checks the time limit and that the text so far still fits the size limit at every
    /// value (a value reached many times over shared references can make a short expression's text huge). Stops once
    /// the text is longer than <paramref name="cap"/>.
    /// </summary>
    private static void WriteJson(StringBuilder sb, object? v, bool pretty, int indent, Evaluator? ev, int position, int cap)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (sb.Length > cap)
        {
            return;
        }

        if (ev != null)
        {
            ev.Tick(position);
            ev.EnsureRoom(sb.Length, position);
        }

        switch (v)
        {
            case null:
                sb.Append("null");
                break;
            case JNull:
                sb.Append("null");
                break;
            case Fn:
                sb.Append("\"\"");
                break;
            case string s:
                WriteJsonString(sb, s);
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case double d:
                if (!double.IsFinite(d))
                {
                    throw new MappingException("D1001", "Number out of range", -1);
                }

                sb.Append(FormatNumber(d));
                break;
            case JList l:
                {
                    if (l.Count == 0)
                    {
                        sb.Append("[]");
                        break;
                    }

                    sb.Append('[');
                    var first = true;
                    foreach (var item in l)
                    {
                        if (!first)
                        {
                            sb.Append(',');
                        }

                        first = false;
                        if (pretty)
                        {
                            sb.Append('\n').Append(' ', (indent + 1) * 2);
                        }

                        WriteJson(sb, item, pretty, indent + 1, ev, position, cap);
                    }

                    if (pretty)
                    {
                        sb.Append('\n').Append(' ', indent * 2);
                    }

                    sb.Append(']');
                    break;
                }

            case JMap m:
                {
                    var first = true;
                    sb.Append('{');
                    foreach (var kv in m)
                    {
                        if (kv.Value == null)
                        {
                            continue;
                        }

                        if (!first)
                        {
                            sb.Append(',');
                        }

                        first = false;
                        if (pretty)
                        {
                            sb.Append('\n').Append(' ', (indent + 1) * 2);
                        }

                        WriteJsonString(sb, kv.Key);
                        sb.Append(pretty ? ": " : ":");
                        WriteJson(sb, kv.Value, pretty, indent + 1, ev, position, cap);
                    }

                    if (pretty && !first)
                    {
                        sb.Append('\n').Append(' ', indent * 2);
                    }

                    sb.Append('}');
                    break;
                }

            default:
                WriteJsonString(sb, v.ToString() ?? string.Empty);
                break;
        }
    }

    private static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>Formats a number as the reference: 15 significant digits, then JavaScript number-to-string rules.</summary>
    public static string FormatNumber(double d)
    {
        if (Math.Floor(d) == d)
        {
            return Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : JsNumberToString(d);
        }

        var rounded = double.Parse(d.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return JsNumberToString(rounded);
    }

    /// <summary>JavaScript Number.prototype.toString() for finite doubles.</summary>
    public static string JsNumberToString(double d)
    {
        if (d == 0)
        {
            return "0";
        }

        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "Infinity" : "-Infinity";
        }

        var shortest = d.ToString("R", CultureInfo.InvariantCulture);

        // Extract digits and exponent from the shortest round-trip representation.
        var neg = shortest[0] == '-';
        var body = neg ? shortest[1..] : shortest;
        var exp = 0;
        var ePos = body.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exp = int.Parse(body.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..ePos];
        }

        var dot = body.IndexOf('.', StringComparison.Ordinal);
        string digits;
        int pointPos;
        if (dot >= 0)
        {
            digits = body[..dot] + body[(dot + 1)..];
            pointPos = dot;
        }
        else
        {
            digits = body;
            pointPos = body.Length;
        }

        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..];
        pointPos -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var n = pointPos + exp; // value = 0.digits * 10^n
        var k = digits.Length;
        var sb = new StringBuilder();
        if (neg)
        {
            sb.Append('-');
        }

        if (k <= n && n <= 21)
        {
            sb.Append(digits).Append('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        }
        else if (-6 < n && n <= 0)
        {
            sb.Append("0.").Append('0', -n).Append(digits);
        }
        else
        {
            var e = n - 1;
            sb.Append(digits[0]);
            if (k > 1)
            {
                sb.Append('.').Append(digits, 1, k - 1);
            }

            sb.Append('e').Append(e >= 0 ? "+" : "-").Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    /// <summary>Builds the match object returned by a regex function (with a <c>next</c> function).</summary>
    public static object? RegexMatchObject(Evaluator ev, Regex regex, object? arg, int start, int position)
    {
        if (arg is not string s)
        {
            return null;
        }

        var m = regex.Match(s, Math.Min(start, s.Length));
        if (!m.Success)
        {
            return null;
        }

        return MatchToMap(ev, regex, s, m, position, true);
    }

    private static JMap MatchToMap(Evaluator ev, Regex regex, string s, Match m, int position, bool withNext)
    {
        var groups = new JList();
        for (var g = 1; g < m.Groups.Count; g++)
        {
            groups.Add(m.Groups[g].Success ? m.Groups[g].Value : null);
        }

        var map = new JMap
        {
            ["match"] = m.Value,
            ["start"] = (double)m.Index,
            ["end"] = (double)(m.Index + m.Length),
            ["groups"] = groups,
        };
        if (withNext)
        {
            var nextStart = m.Index + Math.Max(m.Length, 1);
            if (m.Length == 0 && m.Index >= s.Length)
            {
                map["next"] = new BuiltinFn("next", null, (_, _, _, _) => null);
            }
            else
            {
                map["next"] = new BuiltinFn("next", null, (e, _, _, p) => RegexMatchObject(e, regex, s, nextStart, p));
            }
        }

        return map;
    }
}
