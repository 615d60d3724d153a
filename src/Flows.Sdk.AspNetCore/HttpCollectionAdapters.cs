using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.AspNetCore;

/// <summary>Shows ASP.NET Core's headers as the read-only dictionary the core expects, without copying them.</summary>
internal sealed class HeaderDictionaryAdapter(IHeaderDictionary headers) : IReadOnlyDictionary<string, StringValues>
{
    public StringValues this[string key] => headers[key];

    public IEnumerable<string> Keys => headers.Keys;

    public IEnumerable<StringValues> Values => headers.Values;

    public int Count => headers.Count;

    public bool ContainsKey(string key) => headers.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value) => headers.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => headers.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Shows ASP.NET Core's query string as a read-only dictionary, without copying it.</summary>
internal sealed class QueryCollectionAdapter(IQueryCollection query) : IReadOnlyDictionary<string, StringValues>
{
    public StringValues this[string key] => query[key];

    public IEnumerable<string> Keys => query.Keys;

    public IEnumerable<StringValues> Values => query.Select(p => p.Value);

    public int Count => query.Count;

    public bool ContainsKey(string key) => query.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value) => query.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => query.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
