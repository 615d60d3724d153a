using System.Buffers;
using System.Security.Cryptography;

namespace Flows.Sdk.Credentials;

/// <summary>
/// One request's signature verification in progress, fed with the body segment by segment as it is read
/// (for example from a <c>PipeReader</c>, the same segments the body parser reads). Created by
/// <see cref="HmacSignatureVerifier.Begin"/>. Not thread-safe; dispose it when done.
/// </summary>
public sealed class HmacSignatureVerification : IDisposable
{
    private readonly HmacSignatureVerifier _verifier;
    private readonly HmacSignatureVerifier.ParsedHeaders _parsed;
    private IncrementalHash[]? _hashes;
    private SignatureVerificationResult? _result;
    private bool _disposed;

    internal HmacSignatureVerification(HmacSignatureVerifier verifier, SignatureVerificationResult rejection)
    {
        _verifier = verifier;
        _result = rejection;
        IsRejected = true;
    }

    internal HmacSignatureVerification(HmacSignatureVerifier verifier, HmacSignatureVerifier.ParsedHeaders parsed, IncrementalHash[] hashes)
    {
        _verifier = verifier;
        _parsed = parsed;
        _hashes = hashes;
    }

    /// <summary>
    /// <see langword="true"/> when the headers alone already decided that the request fails (missing or malformed
    /// signature, missing or expired timestamp...): the body need not be read, and <see cref="Complete"/> returns the failure.
    /// </summary>
    public bool IsRejected { get; }

    /// <summary>Feeds the next body segment. Does nothing when <see cref="IsRejected"/> is <see langword="true"/>.</summary>
    /// <param name="segment">The next bytes of the raw body, in order.</param>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    /// <exception cref="ObjectDisposedException">The verification was disposed.</exception>
    public void Append(ReadOnlySpan<byte> segment)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRejected)
        {
            return;
        }

        var hashes = _hashes ?? throw Completed();
        foreach (var hash in hashes)
        {
            hash.AppendData(segment);
        }
    }

    /// <summary>Feeds the next body segments (all of <paramref name="segments"/>, in order).</summary>
    /// <param name="segments">The next bytes of the raw body.</param>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    /// <exception cref="ObjectDisposedException">The verification was disposed.</exception>
    public void Append(in ReadOnlySequence<byte> segments)
    {
        foreach (var segment in segments)
        {
            Append(segment.Span);
        }
    }

    /// <summary>
    /// Finishes the verification after the last body segment and returns the outcome. Calling it again returns the
    /// same outcome.
    /// </summary>
    /// <returns>The outcome.</returns>
    /// <exception cref="ObjectDisposedException">The verification was disposed before it was completed.</exception>
    public SignatureVerificationResult Complete()
    {
        if (_result is { } result)
        {
            return result;
        }

        ObjectDisposedException.ThrowIf(_disposed, this);

        var hashes = _hashes!;
        _hashes = null;
        result = _verifier.Complete(in _parsed, hashes);
        _result = result;
        return result;
    }

    /// <summary>Releases the hash state of a verification that was not completed.</summary>
    public void Dispose()
    {
        _disposed = true;
        var hashes = _hashes;
        _hashes = null;
        if (hashes is null)
        {
            return;
        }

        // Abandoned midway: the hashes hold a partial state, so they are not returned to the pool.
        foreach (var hash in hashes)
        {
            hash.Dispose();
        }
    }

    private static InvalidOperationException Completed() => new("The verification is already complete.");
}
