using System.Security.Cryptography;

namespace Flows.Sdk.Credentials;

/// <summary>
/// A small lock-free pool of keyed <see cref="IncrementalHash"/> instances for one secret, so that verifying a request
/// allocates nothing in the steady state. Shaped like Microsoft.Extensions.ObjectPool's default pool: one fast slot and
/// a fixed array; an instance that finds no free slot on return is disposed.
/// </summary>
internal sealed class IncrementalHashPool : IDisposable
{
    private readonly HashAlgorithmName _algorithm;
    private readonly byte[] _key;
    private readonly IncrementalHash?[] _items;
    private IncrementalHash? _fast;

    public IncrementalHashPool(HashAlgorithmName algorithm, byte[] key)
    {
        _algorithm = algorithm;
        _key = key;
        _items = new IncrementalHash?[Math.Max(2, Environment.ProcessorCount * 2)];
    }

    /// <summary>Gets a hash keyed with the secret and in its initial state.</summary>
    public IncrementalHash Rent()
    {
        var item = Interlocked.Exchange(ref _fast, null);
        if (item is not null)
        {
            return item;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            item = Interlocked.Exchange(ref items[i], null);
            if (item is not null)
            {
                return item;
            }
        }

        return IncrementalHash.CreateHMAC(_algorithm, _key);
    }

    /// <summary>Returns a hash that is in its initial state (after <c>GetHashAndReset</c>).</summary>
    public void Return(IncrementalHash hash)
    {
        if (Interlocked.CompareExchange(ref _fast, hash, null) is null)
        {
            return;
        }

        var items = _items;
        for (var i = 0; i < items.Length; i++)
        {
            if (Interlocked.CompareExchange(ref items[i], hash, null) is null)
            {
                return;
            }
        }

        hash.Dispose();
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _fast, null)?.Dispose();
        for (var i = 0; i < _items.Length; i++)
        {
            Interlocked.Exchange(ref _items[i], null)?.Dispose();
        }
    }
}
