using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

internal static partial class Functions
{
    public static readonly IReadOnlyDictionary<string, Fn> Builtins = CreateBuiltins();

    private static void Add(Dictionary<string, Fn> d, string name, string? sig, BuiltinImpl impl) => d[name] = new BuiltinFn(name, sig, impl);

    private static object? Arg(List<object?> a, int i) => i < a.Count ? a[i] : null;

    /// <summary>The optional limit argument of split, match and replace: absent means no limit; negative is an error.</summary>
    private static int Limit(object? argument, string code, string which, int position)
    {
        if (argument is not double limit)
        {
            return int.MaxValue;
        }

        return limit < 0
            ? throw new MappingException(code, which + " must evaluate to a positive number", position)
            : (int)Math.Min(Math.Floor(limit), int.MaxValue);
    }

    private static Dictionary<string, Fn> CreateBuiltins()
    {
        var d = new Dictionary<string, Fn>(StringComparer.Ordinal);

        // aggregation
        Add(d, "sum", "<a<n>:n>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var total = 0.0;
            foreach (var v in l)
            {
                ev.Tick(p);
                total += (double)v!;
            }

            return total;
        });
        Add(d, "count", "<a:n>", (ev, a, i, p) => Arg(a, 0) is JList l ? (double)l.Count : 0.0);
        Add(d, "max", "<a<n>:n>", (ev, a, i, p) => MinMax(Arg(a, 0), true, ev, p));
        Add(d, "min", "<a<n>:n>", (ev, a, i, p) => MinMax(Arg(a, 0), false, ev, p));
        Add(d, "average", "<a<n>:n>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l || l.Count == 0)
            {
                return null;
            }

            var total = 0.0;
            foreach (var v in l)
            {
                ev.Tick(p);
                total += (double)v!;
            }

            return total / l.Count;
        });

        // strings
        Add(d, "string", "<x-b?:s>", (ev, a, i, p) =>
        {
            var v = Arg(a, 0);
            if (v == null)
            {
                return null;
            }

            var pretty = Arg(a, 1) is true;
            if (v is string s)
            {
                return s;
            }

            if (v is Fn)
            {
                return string.Empty;
            }

            if (v is double dd && !double.IsFinite(dd))
            {
                throw new MappingException("D3001", "Attempting to invoke string function on Infinity or NaN", p);
            }

            if (v is double num)
            {
                return FormatNumber(num);
            }

            return Stringify(v, pretty, ev, p);
        });
        Add(d, "substring", "<s-nn?:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            // without surrogate pairs, code points are chars: no code point array needed
            var cps = HasSurrogates(s) ? CodePoints(s) : null;
            var len = cps?.Length ?? s.Length;
            var start = Trunc((double)a[1]!);
            if (len + start < 0)
            {
                start = 0;
            }

            if (start < 0)
            {
                start = len + start;
            }

            if (start > len)
            {
                start = len;
            }

            var end = len;
            if (Arg(a, 2) is double ld)
            {
                if (ld <= 0)
                {
                    return string.Empty;
                }

                var e2 = start + ld;
                end = e2 > len ? len : (int)Math.Floor(e2);
            }

            if (end <= start)
            {
                return string.Empty;
            }

            return cps is null ? s.Substring(start, end - start) : FromCodePoints(cps, start, end - start);
        });
        Add(d, "substringBefore", "<s-s:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var c = (string)Arg(a, 1)!;
            if (c == null)
            {
                return s;
            }

            var idx = s.IndexOf(c, StringComparison.Ordinal);
            return idx > -1 ? s[..idx] : s;
        });
        Add(d, "substringAfter", "<s-s:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var c = (string)Arg(a, 1)!;
            if (c == null)
            {
                return s;
            }

            var idx = s.IndexOf(c, StringComparison.Ordinal);
            return idx > -1 ? s[(idx + c.Length)..] : s;
        });
        Add(d, "lowercase", "<s-:s>", (ev, a, i, p) => (Arg(a, 0) as string)?.ToLowerInvariant());
        Add(d, "uppercase", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? ToUpper(s) : null);
        Add(d, "length", "<s-:n>", (ev, a, i, p) => Arg(a, 0) is string s ? (double)CodePointCount(s) : null);
        Add(d, "trim", "<s-:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            return Trim(s);
        });
        Add(d, "pad", "<s-ns?:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var width = Trunc((double)a[1]!);
            var ch = Arg(a, 2) as string;
            if (string.IsNullOrEmpty(ch))
            {
                ch = " ";
            }

            var padLength = (long)Math.Abs((long)width) - CodePointCount(s);
            if (padLength <= 0)
            {
                return s;
            }

            // the padding repeats the pad string's code points; its size is known, so it is counted before it is built
            var unit = HasSurrogates(ch) ? CodePoints(ch) : null;
            var unitLength = unit?.Length ?? ch.Length;
            var full = padLength / unitLength;
            var rest = (int)(padLength % unitLength);
            var restChars = unit is null ? rest : FromCodePoints(unit, 0, rest).Length;
            var padChars = (full * ch.Length) + restChars;
            ev.Produce(s.Length + padChars, p);
            var sb = new StringBuilder(Capacity(s.Length + padChars));
            if (width < 0)
            {
                // padding goes first: built below, then the string
            }
            else
            {
                sb.Append(s);
            }

            for (var k = 0L; k < full; k++)
            {
                ev.Tick(p);
                sb.Append(ch);
            }

            sb.Append(ch, 0, restChars);
            if (width < 0)
            {
                sb.Append(s);
            }

            return sb.ToString();
        });
        Add(d, "contains", "<s-(sf):b>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var t = Arg(a, 1);
            if (t == null)
            {
                return null;
            }

            if (t is string ts)
            {
                return Values.Bool(s.Contains(ts, StringComparison.Ordinal));
            }

            return Values.Bool(FindMatches(ev, t, s, 1, p).Count > 0);
        });
        Add(d, "split", "<s-(sf)n?:a<s>>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var limit = Limit(Arg(a, 2), "D3020", "Third argument of split function", p);

            var result = new JList();
            var sep = Arg(a, 1);
            if (sep is string ss)
            {
                if (ss.Length == 0)
                {
                    // one item per character: counted before they are made
                    var n = Math.Min(s.Length, limit);
                    ev.Produce(n, p);
                    result = new JList(n);
                    for (var k = 0; k < n; k++)
                    {
                        result.Add(s[k].ToString());
                    }
                }
                else
                {
                    foreach (var part in s.Split(ss))
                    {
                        result.Add(part);
                    }
                }
            }
            else
            {
                var matches = FindMatches(ev, sep, s, int.MaxValue, p);
                var start = 0;
                foreach (var m in matches)
                {
                    result.Add(s[start..m.Start]);
                    start = m.End;
                }

                result.Add(s[start..]);
            }

            result.Truncate(limit);
            if (sep is not string { Length: 0 })
            {
                ev.Produce(result.Count, p);
            }

            return result;
        });
        Add(d, "join", "<a<s>s?:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var sep = Arg(a, 1) as string ?? string.Empty;

            // the length of the result is known: count it before building it
            var total = l.Count > 0 ? (long)sep.Length * (l.Count - 1) : 0;
            for (var k = 0; k < l.Count; k++)
            {
                ev.Tick(p);
                total += ((string)l[k]!).Length;
            }

            ev.Produce(total, p);
            var sb = new StringBuilder(Capacity(total));
            for (var k = 0; k < l.Count; k++)
            {
                if (k > 0)
                {
                    sb.Append(sep);
                }

                sb.Append((string)l[k]!);
            }

            return sb.ToString();
        });
        Add(d, "match", "<s-f<s:o>n?:a<o>>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var limit = Limit(Arg(a, 2), "D3040", "Third argument of match function", p);

            var result = JList.Seq();
            foreach (var m in FindMatches(ev, Arg(a, 1), s, limit, p))
            {
                ev.Produce(1, p);
                result.Add(new JMap { ["match"] = m.Match, ["index"] = (double)m.Start, ["groups"] = m.Groups });
            }

            return result;
        });
        Add(d, "replace", "<s-(sf)(sf)n?:s>", (ev, a, i, p) => Replace(ev, a, p));
        // as the reference: the string's characters are taken as bytes (Latin-1), and decoded bytes become characters
        Add(d, "base64encode", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? Convert.ToBase64String(Latin1Bytes(s)) : null);
        Add(d, "base64decode", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? Base64Decode(s) : null);
        Add(d, "encodeUrlComponent", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? UrlEncode(s, false, p) : null);
        Add(d, "encodeUrl", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? UrlEncode(s, true, p) : null);
        Add(d, "decodeUrlComponent", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? UrlDecode(s, false, p) : null);
        Add(d, "decodeUrl", "<s-:s>", (ev, a, i, p) => Arg(a, 0) is string s ? UrlDecode(s, true, p) : null);
        Add(d, "eval", "<sx?:x>", (ev, a, i, p) => EvalFn(ev, a, i, p));
        Add(d, "formatBase", "<n-n?:s>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not double v)
            {
                return null;
            }

            v = RoundHalfEven(v, 0);
            var radix = Arg(a, 1) is double r ? (int)Math.Floor(r) : 10;
            if (radix < 2 || radix > 36)
            {
                throw new MappingException("D3100", "The radix of the formatBase function must be between 2 and 36.  It was given " + radix, p);
            }

            return ToRadix(v, radix);
        });

        // numbers
        Add(d, "number", "<(nsb)-:n>", (ev, a, i, p) =>
        {
            var v = Arg(a, 0);
            switch (v)
            {
                case null:
                    return null;
                case double:
                    return v;
                case bool b:
                    return b ? 1.0 : 0.0;
                case string s:
                    {
                        var n = ParseNumber(s);
                        if (n == null)
                        {
                            throw new MappingException("D3030", "Unable to cast value to a number: " + StringifyForError(v), p);
                        }

                        return n.Value;
                    }

                default:
                    throw new MappingException("D3030", "Unable to cast value to a number: " + StringifyForError(v), p);
            }
        });
        Add(d, "abs", "<n-:n>", (ev, a, i, p) => Arg(a, 0) is double v ? Math.Abs(v) : null);
        Add(d, "floor", "<n-:n>", (ev, a, i, p) => Arg(a, 0) is double v ? Math.Floor(v) : null);
        Add(d, "ceil", "<n-:n>", (ev, a, i, p) => Arg(a, 0) is double v ? Math.Ceiling(v) : null);
        Add(d, "round", "<n-n?:n>", (ev, a, i, p) => Arg(a, 0) is double v ? RoundHalfEven(v, Arg(a, 1) is double pr ? (int)pr : 0) : null);
        Add(d, "sqrt", "<n-:n>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not double v)
            {
                return null;
            }

            if (v < 0)
            {
                throw new MappingException("D3060", "The sqrt function cannot be applied to a negative number: " + FormatNumber(v), p);
            }

            return Math.Sqrt(v);
        });
        Add(d, "power", "<n-n:n>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not double b)
            {
                return null;
            }

            var r = Math.Pow(b, (double)a[1]!);
            if (!double.IsFinite(r))
            {
                throw new MappingException("D3061", "The power function has resulted in a value that cannot be represented as a JSON number", p);
            }

            return r;
        });
        Add(d, "random", "<:n>", (ev, a, i, p) => Random.Shared.NextDouble());

        // boolean
        Add(d, "boolean", "<x-:b>", (ev, a, i, p) =>
        {
            var b = BooleanOf(Arg(a, 0));
            return b == null ? null : Values.Bool(b.Value);
        });
        Add(d, "not", "<x-:b>", (ev, a, i, p) =>
        {
            var b = BooleanOf(Arg(a, 0));
            return b == null ? null : Values.Bool(!b.Value);
        });
        Add(d, "exists", "<x:b>", (ev, a, i, p) => Values.Bool(Arg(a, 0) != null));

        // arrays
        Add(d, "append", "<xx:a>", (ev, a, i, p) =>
        {
            var x = Arg(a, 0);
            var y = Arg(a, 1);
            if (x == null)
            {
                return y;
            }

            if (y == null)
            {
                return x;
            }

            ev.Produce((x is JList xc ? xc.Count : 1) + (y is JList yc ? yc.Count : 1), p);
            var r = new JList();
            if (x is JList xl)
            {
                r.AddRange(xl);
            }
            else
            {
                r.Add(x);
            }

            if (y is JList yl)
            {
                r.AddRange(yl);
            }
            else
            {
                r.Add(y);
            }

            return r;
        });
        Add(d, "reverse", "<a:a>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            ev.Produce(l.Count, p);
            var r = new JList(l.Count);
            for (var k = l.Count - 1; k >= 0; k--)
            {
                r.Add(l[k]);
            }

            return r;
        });
        Add(d, "shuffle", "<a:a>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            ev.Produce(l.Count, p);
            var r = new JList(l.Count);
            r.AddRange(l);
            for (var k = r.Count - 1; k > 0; k--)
            {
                var j = Random.Shared.Next(k + 1);
                (r[k], r[j]) = (r[j], r[k]);
            }

            return r;
        });
        Add(d, "distinct", "<x:x>", (ev, a, i, p) =>
        {
            var v = Arg(a, 0);
            if (v is not JList l)
            {
                return v;
            }

            if (l.Count <= 1)
            {
                return l;
            }

            var r = JList.Seq();
            foreach (var item in l)
            {
                var found = false;
                foreach (var e in r)
                {
                    ev.Tick(p);
                    if (DeepEquals(e, item))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    ev.Produce(1, p);
                    r.Add(item);
                }
            }

            return r;
        });
        Add(d, "sort", "<af?:a>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            if (l.Count <= 1)
            {
                return l;
            }

            // the sorted copy is counted before it is made
            ev.Produce(l.Count, p);
            var arr = l.ToArray();
            if (Arg(a, 1) is Fn f)
            {
                Evaluator.MergeSort(arr, (x, y) => ToBoolean(ev.Apply(f, new List<object?> { x, y }, null, p)) ? 1 : 0);
            }
            else
            {
                if (arr.All(x => x is double))
                {
                    Evaluator.MergeSort(arr, (x, y) =>
                    {
                        ev.Tick(p);
                        return ((double)x!).CompareTo((double)y!);
                    });
                }
                else if (arr.All(x => x is string))
                {
                    Evaluator.MergeSort(arr, (x, y) =>
                    {
                        ev.Tick(p);
                        return string.CompareOrdinal((string)x!, (string)y!);
                    });
                }
                else
                {
                    throw new MappingException("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function", p);
                }
            }

            var r = new JList(arr.Length);
            r.AddRange(arr);
            return r;
        });
        Add(d, "zip", "<a+>", (ev, a, i, p) =>
        {
            var min = int.MaxValue;
            foreach (var x in a)
            {
                var len = x is JList xl ? xl.Count : 0;
                min = Math.Min(min, len);
            }

            if (a.Count == 0)
            {
                min = 0;
            }

            ev.Produce((long)min * (a.Count + 1), p);
            var r = new JList();
            for (var k = 0; k < min; k++)
            {
                ev.Tick(p);
                var tuple = new JList();
                foreach (var x in a)
                {
                    tuple.Add(((JList)x!)[k]);
                }

                r.Add(tuple);
            }

            return r;
        });

        // objects
        Add(d, "keys", "<x-:a<s>>", (ev, a, i, p) =>
        {
            var v = Arg(a, 0);
            var r = JList.Seq();
            if (v is JList l)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in l)
                {
                    if (item is JMap im)
                    {
                        foreach (var k in im.Keys)
                        {
                            ev.Tick(p);
                            if (seen.Add(k))
                            {
                                ev.Produce(1, p);
                                r.Add(k);
                            }
                        }
                    }
                }
            }
            else if (v is JMap m)
            {
                ev.Produce(m.Count, p);
                foreach (var k in m.Keys)
                {
                    r.Add(k);
                }
            }

            return r;
        });
        Add(d, "lookup", "<x-s:x>", (ev, a, i, p) => Evaluator.LookupField(Arg(a, 0), (string)Arg(a, 1)!, ev, p));
        Add(d, "spread", "<x-:a<o>>", (ev, a, i, p) => Spread(Arg(a, 0), ev, p));
        Add(d, "merge", "<a<o>:o>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var r = new JMap();
            foreach (var item in l)
            {
                foreach (var kv in (JMap)item!)
                {
                    ev.Tick(p);
                    r[kv.Key] = kv.Value;
                }
            }

            return r;
        });
        Add(d, "sift", "<o-f?:o>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JMap m)
            {
                return null;
            }

            var f = (Fn)Arg(a, 1)!;
            var r = new JMap();
            foreach (var kv in m)
            {
                if (ToBoolean(ev.Apply(f, HofArgs(f, kv.Value, kv.Key, m), null, p)))
                {
                    ev.Produce(1, p);
                    r[kv.Key] = kv.Value;
                }
            }

            return r.Count == 0 ? null : r;
        });
        Add(d, "each", "<o-f:a>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JMap m)
            {
                return null;
            }

            var f = (Fn)Arg(a, 1)!;
            var r = JList.Seq();
            foreach (var kv in m)
            {
                var v = ev.Apply(f, HofArgs(f, kv.Value, kv.Key, m), null, p);
                if (v != null)
                {
                    ev.Produce(1, p);
                    r.Add(v);
                }
            }

            return r;
        });
        Add(d, "error", "<s?:x>", (ev, a, i, p) => throw new MappingException("D3137", Arg(a, 0) as string ?? "$error() function evaluated", p));
        Add(d, "assert", "<bs?:x>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not true)
            {
                throw new MappingException("D3141", Arg(a, 1) as string ?? "$assert() statement failed", p);
            }

            return null;
        });
        Add(d, "type", "<x:s>", (ev, a, i, p) => Arg(a, 0) switch
        {
            null => null,
            JNull => "null",
            double => "number",
            string => "string",
            bool => "boolean",
            JList => "array",
            Fn => "function",
            _ => "object",
        });
        Add(d, "clone", "<(oa)-:o>", (ev, a, i, p) => DeepClone(Arg(a, 0), ev, p));

        // higher order
        Add(d, "map", "<af>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var f = (Fn)a[1]!;
            var r = JList.Seq();
            for (var k = 0; k < l.Count; k++)
            {
                var v = ev.Apply(f, HofArgs(f, l[k], (double)k, l), null, p);
                if (v != null)
                {
                    ev.Produce(1, p);
                    r.Add(v);
                }
            }

            return r;
        });
        Add(d, "filter", "<af>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var f = (Fn)a[1]!;
            var r = JList.Seq();
            for (var k = 0; k < l.Count; k++)
            {
                if (ToBoolean(ev.Apply(f, HofArgs(f, l[k], (double)k, l), null, p)))
                {
                    ev.Produce(1, p);
                    r.Add(l[k]);
                }
            }

            return r;
        });
        Add(d, "single", "<af?>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var f = Arg(a, 1) as Fn;
            var found = false;
            object? result = null;
            for (var k = 0; k < l.Count; k++)
            {
                var ok = f == null || ToBoolean(ev.Apply(f, HofArgs(f, l[k], (double)k, l), null, p));
                if (ok)
                {
                    if (found)
                    {
                        throw new MappingException("D3138", "The $single() function expected exactly 1 matching result.  Instead it matched more.", p);
                    }

                    found = true;
                    result = l[k];
                }
            }

            if (!found)
            {
                throw new MappingException("D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.", p);
            }

            return result;
        });
        Add(d, "reduce", "<afj?:j>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not JList l)
            {
                return null;
            }

            var f = (Fn)a[1]!;
            if (f.Arity < 2)
            {
                throw new MappingException("D3050", "The second argument of reduce function must be a function with at least two arguments", p);
            }

            object? acc;
            var k = 0;
            if (Arg(a, 2) == null && l.Count > 0)
            {
                acc = l[0];
                k = 1;
            }
            else
            {
                acc = Arg(a, 2);
            }

            for (; k < l.Count; k++)
            {
                var args = new List<object?> { acc, l[k] };
                if (f.Arity >= 3)
                {
                    args.Add((double)k);
                }

                if (f.Arity >= 4)
                {
                    args.Add(l);
                }

                acc = ev.Apply(f, args, null, p);
            }

            return acc;
        });

        // date/time
        Add(d, "millis", "<:n>", (ev, a, i, p) => (double)ev.NowMillis);
        Add(d, "now", "<s?s?:s>", (ev, a, i, p) => FromMillis(ev.NowMillis, Arg(a, 0) as string, Arg(a, 1) as string, p));
        Add(d, "fromMillis", "<n-s?s?:s>", (ev, a, i, p) => Arg(a, 0) is double ms ? FromMillis((long)Math.Floor(ms), Arg(a, 1) as string, Arg(a, 2) as string, p) : null);
        Add(d, "toMillis", "<s-s?:n>", (ev, a, i, p) => Arg(a, 0) is string s ? ToMillis(s, Arg(a, 1) as string, p) : null);
        RegisterFormatting(d);
        return d;
    }


    /// <summary>Upper case with the unconditional special casings JavaScript applies (ß → SS, ligatures).</summary>
    private static string ToUpper(string s)
    {
        var upper = s.ToUpperInvariant();
        foreach (var c in upper)
        {
            if (c == 'ß' || (c >= '\uFB00' && c <= '\uFB06') || c == 'ŉ')
            {
                var sb = new StringBuilder(upper.Length + 4);
                foreach (var ch in upper)
                {
                    sb.Append(ch switch
                    {
                        'ß' => "SS",
                        'ŉ' => "\u02BCN",
                        '\uFB00' => "FF",
                        '\uFB01' => "FI",
                        '\uFB02' => "FL",
                        '\uFB03' => "FFI",
                        '\uFB04' => "FFL",
                        '\uFB05' => "ST",
                        '\uFB06' => "ST",
                        _ => ch.ToString(),
                    });
                }

                return sb.ToString();
            }
        }

        return upper;
    }

    private static byte[] Latin1Bytes(string s)
    {
        var bytes = new byte[s.Length];
        for (var k = 0; k < s.Length; k++)
        {
            bytes[k] = (byte)s[k];
        }

        return bytes;
    }

    private static string Base64Decode(string s)
    {
        var t = s.Trim().TrimEnd('=');
        t = t.PadRight(t.Length + ((4 - (t.Length % 4)) % 4), '=');
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(t);
        }
        catch (FormatException)
        {
            bytes = [];
        }

        var chars = new char[bytes.Length];
        for (var k = 0; k < bytes.Length; k++)
        {
            chars[k] = (char)bytes[k];
        }

        return new string(chars);
    }

    public static List<object?> HofArgs(Fn f, object? a1, object? a2, object? a3)
    {
        var arity = f.Arity;
        var args = new List<object?>(3) { a1 };
        if (arity >= 2)
        {
            args.Add(a2);
        }

        if (arity >= 3)
        {
            args.Add(a3);
        }

        return args;
    }

    private static object? MinMax(object? v, bool max, Evaluator ev, int p)
    {
        if (v is not JList l || l.Count == 0)
        {
            return null;
        }

        var r = (double)l[0]!;
        foreach (var x in l)
        {
            ev.Tick(p);
            var dx = (double)x!;
            r = max ? Math.Max(r, dx) : Math.Min(r, dx);
        }

        return r;
    }

    /// <summary>A builder's initial capacity for a result of <paramref name="length"/> characters (already counted against the size limit).</summary>
    private static int Capacity(long length) => (int)Math.Min(length, 1 << 24);

    private static int Trunc(double d) => d >= int.MaxValue ? int.MaxValue : d <= int.MinValue ? int.MinValue : (int)Math.Truncate(d);

    /// <summary>Whether <paramref name="s"/> holds any surrogate char (then chars and code points differ).</summary>
    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>The number of code points, without building them.</summary>
    public static int CodePointCount(string s) => HasSurrogates(s) ? CodePoints(s).Length : s.Length;

    /// <summary>
    /// <c>$trim</c>: every run of space, tab, newline and carriage return becomes one space, then a leading and a trailing
    /// space go. Returns <paramref name="s"/> itself when there is nothing to change.
    /// </summary>
    public static string Trim(string s)
    {
        var span = s.AsSpan();
        var needsWork = false;
        for (var k = 0; k < span.Length && !needsWork; k++)
        {
            var c = span[k];
            if (c is '\t' or '\n' or '\r')
            {
                needsWork = true;
            }
            else if (c == ' ' && (k == 0 || k == span.Length - 1 || span[k + 1] is ' ' or '\t' or '\n' or '\r'))
            {
                needsWork = true;
            }
        }

        if (!needsWork)
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        var pendingSpace = false;
        foreach (var c in span)
        {
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace && sb.Length > 0)
            {
                sb.Append(' ');
            }

            pendingSpace = false;
            sb.Append(c);
        }

        return sb.ToString();
    }

    public static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (var k = 0; k < s.Length; k++)
        {
            if (char.IsHighSurrogate(s[k]) && k + 1 < s.Length && char.IsLowSurrogate(s[k + 1]))
            {
                list.Add(char.ConvertToUtf32(s[k], s[k + 1]));
                k++;
            }
            else
            {
                list.Add(s[k]);
            }
        }

        return list.ToArray();
    }

    public static string FromCodePoints(int[] cps, int start, int count)
    {
        var sb = new StringBuilder(count);
        for (var k = start; k < start + count && k < cps.Length; k++)
        {
            if (cps[k] > 0xFFFF)
            {
                sb.Append(char.ConvertFromUtf32(cps[k]));
            }
            else
            {
                sb.Append((char)cps[k]);
            }
        }

        return sb.ToString();
    }

    private static object? Spread(object? v, Evaluator ev, int p)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        ev.Tick(p);

        if (v is JList l)
        {
            var r = JList.Seq();
            foreach (var item in l)
            {
                var s = Spread(item, ev, p);
                if (s is JList sl)
                {
                    ev.Produce(sl.Count, p);
                    r.AddRange(sl);
                }
                else if (s != null)
                {
                    ev.Produce(1, p);
                    r.Add(s);
                }
            }

            return r;
        }

        if (v is JMap m)
        {
            ev.Produce(m.Count, p);
            var r = JList.Seq();
            foreach (var kv in m)
            {
                r.Add(new JMap { [kv.Key] = kv.Value });
            }

            return r;
        }

        return v;
    }

    private static readonly Regex JsonNumber = new(@"^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$", RegexOptions.CultureInvariant);

    public static double? ParseNumber(string s)
    {
        var t = s;
        if (t.Length == 0)
        {
            return null;
        }

        if (t.Length > 2 && t[0] == '0' && (t[1] is 'x' or 'X' or 'b' or 'B' or 'o' or 'O'))
        {
            var radix = t[1] is 'x' or 'X' ? 16 : t[1] is 'b' or 'B' ? 2 : 8;
            double acc = 0;
            foreach (var c in t[2..])
            {
                var dv = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
                if (dv >= radix)
                {
                    return null;
                }

                acc = (acc * radix) + dv;
            }

            return acc;
        }

        if (!JsonNumber.IsMatch(t))
        {
            return null;
        }

        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && double.IsFinite(r))
        {
            return r;
        }

        return null;
    }

    /// <summary>
    /// Rounds half to even at <paramref name="precision"/> decimal places the way the reference does: the decimal
    /// point is shifted in the number's shortest text form (not by multiplying), so results match it exactly.
    /// </summary>
    public static double RoundHalfEven(double value, int precision)
    {
        var arg = precision != 0 ? ShiftDecimal(value, precision) : value;
        var result = Math.Floor(arg);
        if (arg - result >= 0.5)
        {
            result += 1;
        }

        var diff = result - arg;
        if (Math.Abs(diff) == 0.5 && Math.Abs(result % 2) == 1)
        {
            result -= 1;
        }

        if (precision != 0)
        {
            result = ShiftDecimal(result, -precision);
        }

        return result == 0 ? 0 : result;
    }

    private static double ShiftDecimal(double value, int places)
    {
        if (!double.IsFinite(value))
        {
            return value;
        }

        var text = JsNumberToString(value);
        var e = text.IndexOf('e', StringComparison.Ordinal);
        var mantissa = e < 0 ? text : text[..e];
        var exponent = e < 0 ? 0 : int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return double.Parse(mantissa + "e" + (exponent + places).ToString(CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string ToRadix(double v, int radix)
    {
        var neg = v < 0;
        var n = (long)Math.Abs(v);
        if (n == 0)
        {
            return "0";
        }

        var sb = new StringBuilder();
        while (n > 0)
        {
            var dgt = (int)(n % radix);
            sb.Insert(0, (char)(dgt < 10 ? '0' + dgt : 'a' + dgt - 10));
            n /= radix;
        }

        if (neg)
        {
            sb.Insert(0, '-');
        }

        return sb.ToString();
    }

    private static string UrlEncode(string s, bool full, int p)
    {
        const string unreserved = "-_.!~*'()";
        const string reserved = ";,/?:@&=+$#";
        var sb = new StringBuilder();
        for (var k = 0; k < s.Length; k++)
        {
            var c = s[k];
            if (char.IsAsciiLetterOrDigit(c) || unreserved.Contains(c, StringComparison.Ordinal) || (full && reserved.Contains(c, StringComparison.Ordinal)))
            {
                sb.Append(c);
                continue;
            }

            string chunk;
            if (char.IsHighSurrogate(c))
            {
                if (k + 1 >= s.Length || !char.IsLowSurrogate(s[k + 1]))
                {
                    throw new MappingException("D3140", "Malformed URL passed to $encodeUrl" + (full ? string.Empty : "Component") + "(): " + s, p);
                }

                chunk = s.Substring(k, 2);
                k++;
            }
            else if (char.IsLowSurrogate(c))
            {
                throw new MappingException("D3140", "Malformed URL passed to $encodeUrl" + (full ? string.Empty : "Component") + "(): " + s, p);
            }
            else
            {
                chunk = c.ToString();
            }

            foreach (var b in Encoding.UTF8.GetBytes(chunk))
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string UrlDecode(string s, bool full, int p)
    {
        const string reserved = ";,/?:@&=+$#";
        var sb = new StringBuilder();
        var utf8 = new UTF8Encoding(false, true);
        var k = 0;
        while (k < s.Length)
        {
            if (s[k] != '%')
            {
                sb.Append(s[k++]);
                continue;
            }

            var bytes = new List<byte>();
            var startK = k;
            while (k < s.Length && s[k] == '%')
            {
                if (k + 2 >= s.Length + 0 && k + 2 > s.Length - 1 + 1)
                {
                    throw Malformed();
                }

                if (k + 3 > s.Length || !byte.TryParse(s.AsSpan(k + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
                {
                    throw Malformed();
                }

                bytes.Add(b);
                k += 3;
            }

            string decoded;
            try
            {
                decoded = utf8.GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException)
            {
                throw Malformed();
            }

            if (full)
            {
                // keep escapes for reserved characters
                var pos = startK;
                foreach (var ch in decoded)
                {
                    if (ch < 128 && reserved.Contains(ch, StringComparison.Ordinal))
                    {
                        sb.Append(s, pos, 3);
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    pos += ch < 128 ? 3 : 0;
                }
            }
            else
            {
                sb.Append(decoded);
            }
        }

        return sb.ToString();

        MappingException Malformed() => new("D3140", "Malformed URL passed to $decodeUrl" + (full ? string.Empty : "Component") + "(): " + s, p);
    }

    private static object? EvalFn(Evaluator ev, List<object?> a, object? input, int p)
    {
        if (Arg(a, 0) is not string expr)
        {
            return null;
        }

        var env = ev.CallerFrame ?? ev.RootFrame!;
        Node ast;
        try
        {
            ast = Parser.Parse(expr, ev.RegexTimeout);
        }
        catch (MappingException ex)
        {
            throw new MappingException("D3120", "Syntax error in expression passed to function eval: " + ex.Message, p, null, ex);
        }

        var focus = Arg(a, 1) ?? input;
        if (focus is JList { Sequence: false } fl)
        {
            var wrapped = JList.Seq();
            wrapped.Add(fl);
            wrapped.OuterWrapper = true;
            focus = wrapped;
        }

        try
        {
            return ev.Eval(ast, focus, env);
        }
        catch (MappingException ex) when (ex.Code is not ("U1001" or "U1002"))
        {
            throw new MappingException("D3121", "Dynamic error evaluating the expression passed to function eval: " + ex.Message, p, null, ex);
        }
    }

    private sealed class MatchInfo
    {
        public string Match = string.Empty;
        public int Start;
        public int End;
        public JList Groups = [];
    }

    private static List<MatchInfo> FindMatches(Evaluator ev, object? matcher, string s, int limit, int p)
    {
        var result = new List<MatchInfo>();
        if (matcher is RegexFn rf)
        {
            var m = rf.Regex.Match(s);
            while (m.Success && result.Count < limit)
            {
                ev.Tick(p);
                if (m.Length == 0 && (result.Count > 0 || limit > 1))
                {
                    throw new MappingException("D1004", "Regular expression matches zero length string", p);
                }

                var g = new JList();
                for (var k = 1; k < m.Groups.Count; k++)
                {
                    g.Add(m.Groups[k].Success ? m.Groups[k].Value : null);
                }

                result.Add(new MatchInfo { Match = m.Value, Start = m.Index, End = m.Index + m.Length, Groups = g });
                m = m.NextMatch();
            }

            return result;
        }

        if (matcher is Fn f)
        {
            var mo = ev.Apply(f, new List<object?> { s }, null, p);
            while (mo is JMap mm && result.Count < limit)
            {
                if (!mm.TryGetValue("match", out var mv) || mv is not string ms || mm.GetValueOrDefault("start") is not double st)
                {
                    throw new MappingException("T1010", "The matcher function argument passed to function does not return the correct object structure", p);
                }

                result.Add(new MatchInfo
                {
                    Match = ms,
                    Start = (int)st,
                    End = mm.GetValueOrDefault("end") is double en ? (int)en : (int)st + ms.Length,
                    Groups = mm.GetValueOrDefault("groups") as JList ?? [],
                });
                if (mm.GetValueOrDefault("next") is Fn next)
                {
                    mo = ev.Apply(next, [], null, p);
                }
                else
                {
                    break;
                }
            }

            if (mo != null && mo is not JMap)
            {
                throw new MappingException("T1010", "The matcher function argument passed to function does not return the correct object structure", p);
            }
        }

        return result;
    }

    private static object? Replace(Evaluator ev, List<object?> a, int p)
    {
        if (Arg(a, 0) is not string s)
        {
            return null;
        }

        var pattern = Arg(a, 1);
        var replacement = Arg(a, 2);
        if (pattern is string ps && ps.Length == 0)
        {
            throw new MappingException("D3010", "Second argument of replace function cannot be an empty string", p);
        }

        var limit = Limit(Arg(a, 3), "D3011", "Fourth argument of replace function", p);

        List<MatchInfo> matches;
        if (pattern is string pstr)
        {
            matches = [];
            var idx = 0;
            while (matches.Count < limit)
            {
                var found = s.IndexOf(pstr, idx, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                ev.Tick(p);
                matches.Add(new MatchInfo { Match = pstr, Start = found, End = found + pstr.Length });
                idx = found + pstr.Length;
            }
        }
        else
        {
            matches = FindMatches(ev, pattern, s, limit, p);
        }

        var sb = new StringBuilder();
        var pos = 0;
        foreach (var m in matches)
        {
            // the result is counted when done; until then, check that what is built so far still fits
            ev.Tick(p);
            ev.EnsureRoom(sb.Length, p);
            sb.Append(s, pos, m.Start - pos);
            if (replacement is string rs)
            {
                // group references ($0, $1, $$) only apply to regex patterns; a string pattern replaces literally
                sb.Append(pattern is string ? rs : SubstituteGroups(rs, m));
            }
            else if (replacement is Fn rf)
            {
                // the matcher's object, as the reference passes it: match, start, end, groups
                var mo = new JMap { ["match"] = m.Match, ["start"] = (double)m.Start, ["end"] = (double)m.End, ["groups"] = m.Groups };
                var r = ev.Apply(rf, new List<object?> { mo }, null, p);
                if (r is not string rstr)
                {
                    throw new MappingException("D3012", "Attempted to replace a matched string with a non-string value", p);
                }

                sb.Append(rstr);
            }

            pos = m.End;
        }

        sb.Append(s, pos, s.Length - pos);
        ev.Produce(sb.Length, p);
        return sb.ToString();
    }

    private static string SubstituteGroups(string rs, MatchInfo m)
    {
        var sb = new StringBuilder();
        var k = 0;
        while (k < rs.Length)
        {
            var c = rs[k];
            if (c == '$' && k + 1 < rs.Length)
            {
                var n = rs[k + 1];
                if (n == '$')
                {
                    sb.Append('$');
                    k += 2;
                    continue;
                }

                if (char.IsAsciiDigit(n))
                {
                    // greedy but limited to the number of groups
                    var j = k + 1;
                    var num = 0;
                    var used = 0;
                    while (j < rs.Length && char.IsAsciiDigit(rs[j]))
                    {
                        var candidate = (num * 10) + (rs[j] - '0');
                        if (used > 0 && candidate > m.Groups.Count)
                        {
                            break;
                        }

                        num = candidate;
                        used++;
                        j++;
                    }

                    if (num == 0)
                    {
                        sb.Append(m.Match);
                    }
                    else if (num <= m.Groups.Count)
                    {
                        sb.Append(m.Groups[num - 1] as string);
                    }

                    k = j;
                    continue;
                }
            }

            sb.Append(c);
            k++;
        }

        return sb.ToString();
    }

    private static object? FromMillis(long millis, string? picture, string? tz, int p) => WithPosition(p, () => DateTimePictureFormatter.FormatDateTime(millis, picture, tz));

    private static object? ToMillis(string s, string? picture, int p)
    {
        var r = WithPosition(p, () => DateTimePictureFormatter.ParseDateTime(s, picture));
        return r is long l ? (double)l : null;
    }

    private static T WithPosition<T>(int p, Func<T> f)
    {
        try
        {
            return f();
        }
        catch (MappingException ex) when (ex.Position < 0)
        {
            throw new MappingException(ex.Code, ex.Message, p, ex.Token, ex);
        }
    }

    private static void RegisterFormatting(Dictionary<string, Fn> d)
    {
        Add(d, "formatNumber", "<n-so?:s>", (ev, a, i, p) =>
            Arg(a, 0) is double v ? WithPosition(p, () => NumberPictureFormatter.FormatNumber(v, (string)Arg(a, 1)!, ToJObject(Arg(a, 2)))) : null);
        Add(d, "formatInteger", "<n-s:s>", (ev, a, i, p) =>
            Arg(a, 0) is double v ? WithPosition(p, () => IntegerPictureFormatter.FormatInteger(v, (string)Arg(a, 1)!)) : null);
        Add(d, "parseInteger", "<s-s:n>", (ev, a, i, p) =>
        {
            if (Arg(a, 0) is not string s)
            {
                return null;
            }

            var r = WithPosition(p, () => IntegerPictureFormatter.ParseInteger(s, (string)Arg(a, 1)!));
            return r is double dr ? dr : null;
        });
    }

    private static Newtonsoft.Json.Linq.JObject? ToJObject(object? v) => v is JMap ? (Newtonsoft.Json.Linq.JObject?)Values.ToToken(v) : null;
}
