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

/// <summary>
/// An array or a result sequence. A range (<c>[1..n]</c>) is held compactly, as its first number and its length, until
/// something changes it: reading its count, items or enumerating it costs no storage, so a large range that is only counted,
/// indexed or iterated is cheap.
/// </summary>
internal sealed class JList : IReadOnlyList<object?>
{
    private const byte SequenceFlag = 1;
    private const byte KeepSingletonFlag = 2;
    private const byte ConsFlag = 4;
    private const byte OuterWrapperFlag = 8;
    private const byte TupleStreamFlag = 16;
    private const byte RangeFlag = 32;

    /// <summary>The items; for a compact range, one item: its first number (boxed), and no others are stored.</summary>
    private object?[] _items;
    private int _count;
    private byte _flags;

    public JList()
    {
        _items = [];
    }

    public JList(int capacity)
    {
        _items = capacity > 0 ? new object?[capacity] : [];
    }

    /// <summary>A result sequence (collapses to its single item).</summary>
    public bool Sequence
    {
        get => (_flags & SequenceFlag) != 0;
        set => SetFlag(SequenceFlag, value);
    }

    /// <summary>Keep a singleton sequence as an array (the <c>[]</c> operator).</summary>
    public bool KeepSingleton
    {
        get => (_flags & KeepSingletonFlag) != 0;
        set => SetFlag(KeepSingletonFlag, value);
    }

    /// <summary>Produced by an array constructor.</summary>
    public bool Cons
    {
        get => (_flags & ConsFlag) != 0;
        set => SetFlag(ConsFlag, value);
    }

    /// <summary>Wraps the top level input array.</summary>
    public bool OuterWrapper
    {
        get => (_flags & OuterWrapperFlag) != 0;
        set => SetFlag(OuterWrapperFlag, value);
    }

    /// <summary>A stream of <see cref="TupleItem"/>.</summary>
    public bool TupleStream
    {
        get => (_flags & TupleStreamFlag) != 0;
        set => SetFlag(TupleStreamFlag, value);
    }

    public int Count => _count;

    /// <summary>Whether the list is a compact range of consecutive integers.</summary>
    public bool IsRange => (_flags & RangeFlag) != 0;

    private double RangeStart => (double)_items[0]!;

    private void SetFlag(byte flag, bool on) => _flags = on ? (byte)(_flags | flag) : (byte)(_flags & ~flag);

    public object? this[int index]
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndexOutOfRange();
            }

            return IsRange ? RangeItem(index) : _items[index];
        }

        set
        {
            if ((uint)index >= (uint)_count)
            {
                ThrowIndexOutOfRange();
            }

            Materialize(0);
            _items[index] = value;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowIndexOutOfRange() => throw new ArgumentOutOfRangeException("index");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private object RangeItem(int index) => RangeStart + index;

    public static JList Seq() => new() { Sequence = true };

    public static JList Seq(object? item)
    {
        var l = new JList(1) { Sequence = true };
        if (item != null)
        {
            l.Add(item);
        }

        return l;
    }

    /// <summary>The sequence <paramref name="from"/>, <paramref name="from"/> + 1, ... of <paramref name="count"/> numbers, held compactly.</summary>
    public static JList Range(double from, int count)
    {
        var l = new JList { Sequence = true };
        if (count > 0)
        {
            l._items = [from];
            l._count = count;
            l._flags |= RangeFlag;
        }

        return l;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(object? item)
    {
        var items = _items;
        var count = _count;
        if ((uint)count < (uint)items.Length && !IsRange)
        {
            items[count] = item;
            _count = count + 1;
            return;
        }

        AddSlow(item);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void AddSlow(object? item)
    {
        Materialize(1);
        _items[_count++] = item;
    }

    public void AddRange(JList other)
    {
        var n = other._count;
        if (n == 0)
        {
            return;
        }

        if (_count == 0 && other.IsRange)
        {
            // an empty list taking a range stays compact (sharing the boxed first number, which is never changed)
            _items = other._items;
            _count = n;
            _flags |= RangeFlag;
            return;
        }

        Materialize(n);
        if (other.IsRange)
        {
            var start = other.RangeStart;
            for (var i = 0; i < n; i++)
            {
                _items[_count + i] = start + i;
            }
        }
        else
        {
            Array.Copy(other._items, 0, _items, _count, n);
        }

        _count += n;
    }

    public void AddRange(object?[] items)
    {
        Materialize(items.Length);
        Array.Copy(items, 0, _items, _count, items.Length);
        _count += items.Length;
    }

    /// <summary>Keeps the first <paramref name="count"/> items.</summary>
    public void Truncate(int count)
    {
        if (count >= _count)
        {
            return;
        }

        if (!IsRange)
        {
            Array.Clear(_items, count, _count - count);
        }

        _count = count;
    }

    public object?[] ToArray()
    {
        var a = new object?[_count];
        if (IsRange)
        {
            var start = RangeStart;
            for (var i = 0; i < _count; i++)
            {
                a[i] = start + i;
            }
        }
        else
        {
            Array.Copy(_items, a, _count);
        }

        return a;
    }

    /// <summary>Stores the items (a range is written out) with room for <paramref name="extra"/> more.</summary>
    private void Materialize(int extra)
    {
        var needed = (long)_count + extra;
        if (needed > Array.MaxLength)
        {
            throw new MappingException("U1002", "A sequence grew beyond " + Array.MaxLength + " items", -1);
        }

        if (!IsRange && needed <= _items.Length)
        {
            return;
        }

        var capacity = IsRange ? (int)needed : (int)Math.Min(Array.MaxLength, Math.Max(needed, Math.Max(4L, _items.Length * 2L)));
        var items = new object?[capacity];
        if (IsRange)
        {
            var start = RangeStart;
            for (var i = 0; i < _count; i++)
            {
                items[i] = start + i;
            }

            _flags &= unchecked((byte)~RangeFlag);
        }
        else
        {
            Array.Copy(_items, items, _count);
        }

        _items = items;
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<object?> IEnumerable<object?>.GetEnumerator() => Enumerate().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => Enumerate().GetEnumerator();

    private IEnumerable<object?> Enumerate()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    /// <summary>Enumerates the items (a range's numbers are made as they are read).</summary>
    public struct Enumerator
    {
        private readonly JList _list;
        private int _i;

        public Enumerator(JList list)
        {
            _list = list;
            _i = -1;
        }

        public readonly object? Current => _list.IsRange ? _list.RangeItem(_i) : _list._items[_i];

        public bool MoveNext() => ++_i < _list._count;
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

    /// <summary>
    /// Converts a value to a Newtonsoft token (functions are dropped, as JSON.stringify does). With an evaluator, the
    /// tokens made count against its time and size limits (a value reached many times over shared references is
    /// written out each time).
    /// </summary>
    public static JToken? ToToken(object? value, Evaluator? ev = null)
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
                    if (ev != null)
                    {
                        ev.Tick(-1);
                        ev.Produce(l.Count, -1);
                    }

                    var a = new JArray();
                    foreach (var item in l)
                    {
                        // as JSON.stringify: an undefined array member (only regex groups make them) is null
                        a.Add(ToToken(item, ev) ?? JValue.CreateNull());
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
                                var ht = ToToken(held, ev);
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
                    if (ev != null)
                    {
                        ev.Tick(-1);
                        ev.Produce(m.Count, -1);
                    }

                    var o = new JObject();
                    foreach (var kv in m)
                    {
                        var t = ToToken(kv.Value, ev);
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
