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

/// <summary>
/// An object, insertion ordered. Small objects are two parallel arrays searched linearly; larger ones add a
/// key index. An object read from the input stays backed by its <see cref="JObject"/> (which is never
/// changed): until the map is enumerated or changed, the arrays only cache the properties looked up so far,
/// so a property converts once and keeps its identity.
/// </summary>
internal sealed class JMap
{
    private const int IndexThreshold = 8;

    private readonly JObject? _source;
    private string[] _keys;
    private object?[] _values;
    private int _count;
    private Dictionary<string, int>? _index;
    private bool _materialized;

    public JMap()
        : this(4)
    {
    }

    public JMap(int capacity)
    {
        capacity = Math.Max(capacity, 1);
        _keys = new string[capacity];
        _values = new object?[capacity];
        _materialized = true;
    }

    public JMap(JObject source)
    {
        _source = source;
        _keys = [];
        _values = [];
    }

    /// <summary>The backing input object while the map is still lazy, or null.</summary>
    public JObject? LazySource => _materialized ? null : _source;

    /// <summary>Number of entries held in the arrays (all of them once materialized; the cache while lazy).</summary>
    public int HeldCount => _count;

    /// <summary>The held entry at <paramref name="i"/> (see <see cref="HeldCount"/>).</summary>
    public KeyValuePair<string, object?> HeldAt(int i) => new(_keys[i], _values[i]);

    /// <summary>A lazy copy over the same input object, holding <paramref name="held"/> entries.</summary>
    public static JMap LazyCopy(JObject source, List<KeyValuePair<string, object?>>? held)
    {
        var m = new JMap(source);
        if (held != null)
        {
            foreach (var kv in held)
            {
                m.Hold(kv.Key, kv.Value);
            }
        }

        return m;
    }

    public int Count => _materialized ? _count : _source!.Count;

    public IEnumerable<string> Keys
    {
        get
        {
            Materialize();
            for (var i = 0; i < _count; i++)
            {
                yield return _keys[i];
            }
        }
    }

    public object? this[string key]
    {
        get => TryGetValue(key, out var v) ? v : null;
        set
        {
            Materialize();
            var i = IndexOf(key);
            if (i >= 0)
            {
                _values[i] = value;
                return;
            }

            Hold(key, value);
        }
    }

    /// <summary>Adds a key known not to be present yet.</summary>
    public void AddNew(string key, object? value) => Hold(key, value);

    private void Hold(string key, object? value)
    {
        {
            if (_count == _keys.Length)
            {
                var n = Math.Max(4, _count * 2);
                Array.Resize(ref _keys, n);
                Array.Resize(ref _values, n);
            }

            _keys[_count] = key;
            _values[_count] = value;
            _index?.Add(key, _count);
            _count++;
            if (_index == null && _count > IndexThreshold)
            {
                BuildIndex();
            }
        }
    }

    public bool TryGetValue(string key, out object? value)
    {
        var i = IndexOf(key);
        if (!_materialized && i < 0)
        {
            if (_source!.TryGetValue(key, out var token))
            {
                value = Values.FromToken(token);
                Hold(key, value);
                return true;
            }

            value = null;
            return false;
        }

        if (i >= 0)
        {
            value = _values[i];
            return true;
        }

        value = null;
        return false;
    }

    public bool TryGetHeld(string key, out object? value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _values[i] : null;
        return i >= 0;
    }

    public object? GetValueOrDefault(string key) => TryGetValue(key, out var v) ? v : null;

    public bool Remove(string key)
    {
        Materialize();
        var i = IndexOf(key);
        if (i < 0)
        {
            return false;
        }

        _count--;
        Array.Copy(_keys, i + 1, _keys, i, _count - i);
        Array.Copy(_values, i + 1, _values, i, _count - i);
        _keys[_count] = null!;
        _values[_count] = null;
        if (_index != null)
        {
            BuildIndex();
        }

        return true;
    }

    public Enumerator GetEnumerator()
    {
        Materialize();
        return new Enumerator(this);
    }

    private int IndexOf(string key)
    {
        if (_index != null)
        {
            return _index.TryGetValue(key, out var i) ? i : -1;
        }

        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private void BuildIndex()
    {
        var index = new Dictionary<string, int>(_count, StringComparer.Ordinal);
        for (var i = 0; i < _count; i++)
        {
            index[_keys[i]] = i;
        }

        _index = index;
    }

    private void Materialize()
    {
        if (_materialized)
        {
            return;
        }

        var n = _source!.Count;
        var keys = new string[Math.Max(n, 1)];
        var values = new object?[Math.Max(n, 1)];
        var count = 0;
        for (JToken? t = _source.First; t != null; t = t.Next)
        {
            var p = (JProperty)t;
            keys[count] = p.Name;
            var held = IndexOf(p.Name);
            values[count] = held >= 0 ? _values[held] : Values.FromToken(p.Value);
            count++;
        }

        _keys = keys;
        _values = values;
        _count = count;
        _index = null;
        _materialized = true;
        if (_count > IndexThreshold)
        {
            BuildIndex();
        }
    }

    /// <summary>Enumerates the properties in insertion order.</summary>
    public struct Enumerator
    {
        private readonly JMap _map;
        private int _i;

        public Enumerator(JMap map)
        {
            _map = map;
            _i = -1;
        }

        public readonly KeyValuePair<string, object?> Current => new(_map._keys[_i], _map._values[_i]);

        public bool MoveNext() => ++_i < _map._count;
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
                return new JMap(o);

            case JArray a:
                {
                    var l = new JList(a.Count);
                    for (JToken? t = a.First; t != null; t = t.Next)
                    {
                        l.Add(FromToken(t));
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
                        return v.Value switch
                        {
                            long lv => (double)lv,
                            int iv => (double)iv,
                            System.Numerics.BigInteger bi => (double)bi,
                            var other => Convert.ToDouble(other, CultureInfo.InvariantCulture),
                        };
                    case JTokenType.Float:
                        return v.Value is double dv ? dv : Convert.ToDouble(v.Value, CultureInfo.InvariantCulture);
                    case JTokenType.String:
                        return (string)v.Value!;
                    case JTokenType.Date:
                        // a date parsed by a reader with date handling on: back to the ISO text it was
                        return v.Value switch
                        {
                            DateTime dt => dt.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFK", CultureInfo.InvariantCulture),
                            DateTimeOffset dto => dto.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFK", CultureInfo.InvariantCulture),
                            var other => Convert.ToString(other, CultureInfo.InvariantCulture),
                        };
                    case JTokenType.Bytes:
                        return v.Value is byte[] bytes ? Convert.ToBase64String(bytes) : null;
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

    /// <summary>Converts a value to a Newtonsoft token (functions are dropped, as JSON.stringify does).</summary>
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
                    System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
                    var a = new JArray();
                    foreach (var item in l)
                    {
                        // as JSON.stringify: an undefined array member (only regex groups make them) is null
                        a.Add(ToToken(item) ?? JValue.CreateNull());
                    }

                    return a;
                }

            case JMap m:
                {
                    if (m.LazySource is { } src)
                    {
                        if (m.HeldCount == 0)
                        {
                            return src.DeepClone();
                        }

                        // converted properties may have been changed since (by a transform): use them
                        var lo = new JObject();
                        for (JToken? t = src.First; t != null; t = t.Next)
                        {
                            var p = (JProperty)t;
                            if (m.TryGetHeld(p.Name, out var held))
                            {
                                var ht = ToToken(held);
                                if (ht != null)
                                {
                                    lo.Add(p.Name, ht);
                                }
                            }
                            else
                            {
                                lo.Add(p.Name, p.Value.DeepClone());
                            }
                        }

                        return lo;
                    }

                    System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
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
                // as JSON.stringify: a function is dropped (undefined; null inside an array)
                return null;
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
