using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Flows.Sdk.Hooks;

/// <summary>A response's one header (the hook's <c>x-execution-id</c>) as a read-only dictionary, without a hash table per request.</summary>
internal sealed class OneHeader(string name, string value) : IReadOnlyDictionary<string, string>
{
    public string this[string key] => TryGetValue(key, out var found) ? found : throw new KeyNotFoundException($"There is no header '{key}'.");

    public IEnumerable<string> Keys => [name];

    public IEnumerable<string> Values => [value];

    public int Count => 1;

    public bool ContainsKey(string key) => string.Equals(key, name, StringComparison.OrdinalIgnoreCase);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string found)
    {
        found = ContainsKey(key) ? value : null;
        return found is not null;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        yield return new(name, value);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
