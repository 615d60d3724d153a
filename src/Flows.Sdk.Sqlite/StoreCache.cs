namespace Flows.Sdk.Sqlite;

/// <summary>
/// A write-through cache of what a store read or wrote, by id: the hook reads its flow and credential on every request, and
/// one process owns the database file, so the rows need not be read and decoded again. Flows and credentials are few.
/// </summary>
/// <remarks>
/// A value read from the database is kept only if no write happened while it was read (the generation did not move), so a
/// slow read can never put back a value that a write replaced meanwhile.
/// </remarks>
internal sealed class StoreCache<T>
    where T : class
{
    private readonly object _gate = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private long _generation;

    public long Generation
    {
        get
        {
            lock (_gate)
            {
                return _generation;
            }
        }
    }

    public bool TryGet(string id, out T value)
    {
        lock (_gate)
        {
            return _items.TryGetValue(id, out value!);
        }
    }

    /// <summary>Keeps a value read from the database, unless a write happened since <paramref name="generation"/>.</summary>
    public void AddRead(string id, T value, long generation)
    {
        lock (_gate)
        {
            if (_generation == generation)
            {
                _items.TryAdd(id, value);
            }
        }
    }

    /// <summary>Keeps a value just committed.</summary>
    public void Set(string id, T value)
    {
        lock (_gate)
        {
            _generation++;
            _items[id] = value;
        }
    }

    /// <summary>Forgets a value just deleted.</summary>
    public void Remove(string id)
    {
        lock (_gate)
        {
            _generation++;
            _items.Remove(id);
        }
    }
}
