using System.Globalization;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>The JSON null value inside the evaluator (C# null is JSONata undefined).</summary>
internal sealed class JNull
{
    public static readonly JNull Instance = new();

    private JNull()
    {
    }

    public override string ToString() => "null";
}

/// <summary>An array or a result sequence.</summary>
internal sealed class JList : List<object?>
{
    public JList()
    {
    }

    public JList(int capacity)
        : base(capacity)
    {
    }

    /// <summary>A result sequence (collapses to its single item).</summary>
    public bool Sequence;

    /// <summary>Keep a singleton sequence as an array (the <c>[]</c> operator).</summary>
    public bool KeepSingleton;

    /// <summary>Produced by an array constructor.</summary>
    public bool Cons;

    /// <summary>Wraps the top level input array.</summary>
    public bool OuterWrapper;

    /// <summary>A stream of <see cref="TupleItem"/>.</summary>
    public bool TupleStream;

    public static JList Seq() => new() { Sequence = true };

    public static JList Seq(object? item)
    {
        var l = new JList { Sequence = true };
        if (item != null)
        {
            l.Add(item);
        }

        return l;
    }
}

/// <summary>An object (insertion ordered).</summary>
internal sealed class JMap : Dictionary<string, object?>
{
    public JMap()
        : base(StringComparer.Ordinal)
    {
    }

    public JMap(int capacity)
        : base(capacity, StringComparer.Ordinal)
    {
    }
}

/// <summary>A tuple in a tuple stream: the context value plus bound variables.</summary>
internal sealed class TupleItem
{
    public object? Value;
    public Dictionary<string, object?> Vars;

    public TupleItem(object? value)
    {
        Value = value;
        Vars = new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    public TupleItem(TupleItem copy)
    {
        Value = copy.Value;
        Vars = new Dictionary<string, object?>(copy.Vars, StringComparer.Ordinal);
    }
}

internal static class Values
{
    public static readonly object True = true;
    public static readonly object False = false;

    public static object Bool(bool b) => b ? True : False;

    public static bool IsArray(object? v) => v is JList;

    public static bool IsFunction(object? v) => v is Fn;

    public static bool IsNumber(object? v) => v is double;

    /// <summary>Converts a Newtonsoft token into the evaluator's model.</summary>
    public static object? FromToken(JToken? token)
    {
        switch (token)
        {
            case null:
                return null;
            case JObject o:
                {
                    var m = new JMap(o.Count);
                    foreach (var p in o.Properties())
                    {
                        m[p.Name] = FromToken(p.Value);
                    }

                    return m;
                }

            case JArray a:
                {
                    var l = new JList(a.Count);
                    for (var i = 0; i < a.Count; i++)
                    {
                        l.Add(FromToken(a[i]));
                    }

                    return l;
                }

            case JValue v:
                switch (v.Type)
                {
                    case JTokenType.Null:
                        return JNull.Instance;
                    case JTokenType.Undefined:
                        return null;
                    case JTokenType.Boolean:
                        return Bool((bool)v.Value!);
                    case JTokenType.Integer:
                        return v.Value is System.Numerics.BigInteger bi ? (double)bi : Convert.ToDouble(v.Value, CultureInfo.InvariantCulture);
                    case JTokenType.Float:
                        return Convert.ToDouble(v.Value, CultureInfo.InvariantCulture);
                    case JTokenType.String:
                        return (string)v.Value!;
                    case JTokenType.Date:
                        return v.ToString(CultureInfo.InvariantCulture);
                    case JTokenType.Guid:
                    case JTokenType.Uri:
                    case JTokenType.TimeSpan:
                        return v.ToString(CultureInfo.InvariantCulture);
                    default:
                        return v.Value?.ToString();
                }

            default:
                return token.ToString();
        }
    }

    /// <summary>Converts a value to a Newtonsoft token (functions become undefined inside structures, as JSON.stringify).</summary>
    public static JToken? ToToken(object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case JNull:
                return JValue.CreateNull();
            case string s:
                return new JValue(s);
            case double d:
                return NumberToken(d);
            case bool b:
                return new JValue(b);
            case JList l:
                {
                    var a = new JArray();
                    foreach (var item in l)
                    {
                        var t = ToToken(item);
                        if (t != null)
                        {
                            a.Add(t);
                        }
                    }

                    return a;
                }

            case JMap m:
                {
                    var o = new JObject();
                    foreach (var kv in m)
                    {
                        var t = ToToken(kv.Value);
                        if (t != null)
                        {
                            o.Add(kv.Key, t);
                        }
                    }

                    return o;
                }

            case Fn:
                return new JValue(string.Empty);
            default:
                return new JValue(value.ToString());
        }
    }

    public static JValue NumberToken(double d)
    {
        if (Math.Floor(d) == d && Math.Abs(d) < 9.2e18)
        {
            return new JValue((long)d);
        }

        return new JValue(d);
    }
}
