using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Credentials;

/// <summary>
/// Verifies HMAC-signed webhook requests: the plain scheme or a publisher's preset (GitHub, Stripe, Standard Webhooks,
/// Shopify). Usable anywhere, not only in ASP.NET Core: from a queue consumer, a function, a test.
/// </summary>
/// <remarks>
/// <para>
/// Create one verifier per credential and keep it; it is immutable and safe to use from many threads. Secrets are decoded
/// once, here. Verification returns a <see cref="SignatureVerificationResult"/> and does not throw for bad requests.
/// </para>
/// <para>
/// Two ways to verify: <see cref="Verify(IReadOnlyDictionary{string, StringValues}, ReadOnlySpan{byte}, DateTimeOffset)"/>
/// when the whole body is at hand (no allocation), or <see cref="Begin"/> to feed the body segment by segment as it is read.
/// Signatures are compared with <see cref="CryptographicOperations.FixedTimeEquals"/>.
/// </para>
/// </remarks>
public sealed class HmacSignatureVerifier : IDisposable
{
    private const int MaxDigestSize = 64;

    private readonly Scheme _scheme;
    private readonly HmacSignatureAlgorithm _algorithm;
    private readonly int _digestSize;
    private readonly SignatureEncoding _encoding;
    private readonly string? _prefix;
    private readonly long _toleranceSeconds;
    private readonly byte[][] _keys;
    private readonly IncrementalHashPool[] _pools;

    /// <summary>Creates a verifier for one credential.</summary>
    /// <param name="options">The scheme and the secrets. Read once; later changes to it have no effect.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The options are not valid: no secret, too many, an empty one, a Standard Webhooks secret that is not base64,
    /// a tolerance under one second, an unknown enum value. The message names the setting, never a secret's value.
    /// </exception>
    public HmacSignatureVerifier(HmacSignatureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        Preset = options.Preset;
        switch (options.Preset)
        {
            case HmacSignaturePreset.None:
                _scheme = Scheme.Single;
                _algorithm = options.Algorithm;
                _encoding = options.Encoding;
                _prefix = string.IsNullOrEmpty(options.Prefix) ? null : options.Prefix;
                SignatureHeaderName = options.HeaderName ?? HmacSignatureOptions.DefaultHeaderName;
                IdHeaderName = options.IdHeader;
                break;
            case HmacSignaturePreset.GitHub:
                _scheme = Scheme.Single;
                _algorithm = HmacSignatureAlgorithm.Sha256;
                _encoding = SignatureEncoding.Hex;
                _prefix = "sha256=";
                SignatureHeaderName = options.HeaderName ?? "X-Hub-Signature-256";
                IdHeaderName = options.IdHeader ?? "X-GitHub-Delivery";
                break;
            case HmacSignaturePreset.Shopify:
                _scheme = Scheme.Single;
                _algorithm = HmacSignatureAlgorithm.Sha256;
                _encoding = SignatureEncoding.Base64;
                SignatureHeaderName = options.HeaderName ?? "X-Shopify-Hmac-SHA256";
                IdHeaderName = options.IdHeader ?? "X-Shopify-Webhook-Id";
                break;
            case HmacSignaturePreset.Stripe:
                _scheme = Scheme.Stripe;
                _algorithm = HmacSignatureAlgorithm.Sha256;
                _encoding = SignatureEncoding.Hex;
                SignatureHeaderName = options.HeaderName ?? "Stripe-Signature";
                TimestampHeaderName = SignatureHeaderName;
                IdHeaderName = options.IdHeader;
                break;
            case HmacSignaturePreset.StandardWebhooks:
                _scheme = Scheme.StandardWebhooks;
                _algorithm = HmacSignatureAlgorithm.Sha256;
                _encoding = SignatureEncoding.Base64;
                SignatureHeaderName = options.HeaderName ?? "webhook-signature";
                TimestampHeaderName = "webhook-timestamp";
                IdHeaderName = "webhook-id";
                break;
            default:
                throw new ArgumentException($"{nameof(HmacSignatureOptions.Preset)} has an unknown value.", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(SignatureHeaderName))
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.HeaderName)} must not be empty.", nameof(options));
        }

        if (IdHeaderName is not null && string.IsNullOrWhiteSpace(IdHeaderName))
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.IdHeader)} must not be empty.", nameof(options));
        }

        if (!Enum.IsDefined(_encoding))
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.Encoding)} has an unknown value.", nameof(options));
        }

        _digestSize = _algorithm switch
        {
            HmacSignatureAlgorithm.Sha256 => 32,
            HmacSignatureAlgorithm.Sha512 => 64,
            HmacSignatureAlgorithm.Sha1 => 20,
            _ => throw new ArgumentException($"{nameof(HmacSignatureOptions.Algorithm)} has an unknown value.", nameof(options)),
        };

        if (options.Tolerance < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.Tolerance)} must be at least one second.", nameof(options));
        }

        Tolerance = options.Tolerance;
        _toleranceSeconds = (long)options.Tolerance.TotalSeconds;

        var secrets = options.Secrets;
        if (secrets is null || secrets.Count == 0)
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.Secrets)} must hold at least one secret.", nameof(options));
        }

        if (secrets.Count > HmacSignatureOptions.MaxSecrets)
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.Secrets)} must hold at most {HmacSignatureOptions.MaxSecrets} secrets.", nameof(options));
        }

        _keys = new byte[secrets.Count][];
        _pools = new IncrementalHashPool[secrets.Count];
        var hashName = HashName(_algorithm);
        for (var i = 0; i < secrets.Count; i++)
        {
            _keys[i] = DecodeSecret(secrets[i], _scheme, i);
            _pools[i] = new IncrementalHashPool(hashName, _keys[i]);
        }
    }

    private enum Scheme
    {
        /// <summary>One signature per header value over the raw body (plain, GitHub, Shopify).</summary>
        Single,

        /// <summary><c>t=...,v1=...</c> over <c>"{t}.{body}"</c>.</summary>
        Stripe,

        /// <summary><c>v1,&lt;base64&gt;</c> list over <c>"{id}.{timestamp}.{body}"</c>.</summary>
        StandardWebhooks,
    }

    /// <summary>The scheme this verifier checks.</summary>
    public HmacSignaturePreset Preset { get; }

    /// <summary>The header carrying the signature.</summary>
    public string SignatureHeaderName { get; }

    /// <summary>The header carrying the signed timestamp (the signature header for Stripe), or <see langword="null"/> when the scheme signs none.</summary>
    public string? TimestampHeaderName { get; }

    /// <summary>The header carrying the message id, or <see langword="null"/> when there is none.</summary>
    public string? IdHeaderName { get; }

    /// <summary>The timestamp tolerance (used only by schemes that sign a timestamp).</summary>
    public TimeSpan Tolerance { get; }

    /// <summary>
    /// Verifies a request whose whole body is in one contiguous buffer. Allocates nothing in the steady state.
    /// </summary>
    /// <param name="headers">The request headers; lookups are by the scheme's header names (a case-insensitive dictionary is expected; others are searched case-insensitively when an exact lookup fails).</param>
    /// <param name="body">The raw body bytes, exactly as received.</param>
    /// <param name="now">The current time, for the timestamp tolerance (from a <see cref="TimeProvider"/>).</param>
    /// <returns>The outcome; never throws for a bad request.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="headers"/> is <see langword="null"/>.</exception>
    public SignatureVerificationResult Verify(IReadOnlyDictionary<string, StringValues> headers, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var failure = ReadHeaders(headers, now, out var parsed);
        if (failure is { } f)
        {
            return f;
        }

        // Pooled keyed hashes rather than HMACSHA256.HashData: the one-shot creates and frees a native HMAC context on
        // every call, which at 1 KiB costs more than the hashing (see benchmarks/README.md); a pooled context is only reset.
        Span<byte> digests = stackalloc byte[_keys.Length * _digestSize];
        for (var i = 0; i < _keys.Length; i++)
        {
            var hash = _pools[i].Rent();
            AppendSignedPrefix(hash, in parsed);
            hash.AppendData(body);
            hash.GetHashAndReset(digests.Slice(i * _digestSize, _digestSize));
            _pools[i].Return(hash);
        }

        return Finish(in parsed, digests);
    }

    /// <summary>
    /// Verifies a request whose whole body is in a (possibly multi-segment) sequence, for example what a
    /// <c>PipeReader</c> buffered. Gives the same result as the contiguous overload on the same bytes. Allocates nothing
    /// in the steady state.
    /// </summary>
    /// <param name="headers">The request headers.</param>
    /// <param name="body">The raw body bytes, exactly as received.</param>
    /// <param name="now">The current time, for the timestamp tolerance.</param>
    /// <returns>The outcome; never throws for a bad request.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="headers"/> is <see langword="null"/>.</exception>
    public SignatureVerificationResult Verify(IReadOnlyDictionary<string, StringValues> headers, in ReadOnlySequence<byte> body, DateTimeOffset now)
    {
        if (body.IsSingleSegment)
        {
            return Verify(headers, body.FirstSpan, now);
        }

        ArgumentNullException.ThrowIfNull(headers);
        var failure = ReadHeaders(headers, now, out var parsed);
        if (failure is { } f)
        {
            return f;
        }

        Span<byte> digests = stackalloc byte[_keys.Length * _digestSize];
        for (var i = 0; i < _keys.Length; i++)
        {
            var hash = _pools[i].Rent();
            AppendSignedPrefix(hash, in parsed);
            foreach (var segment in body)
            {
                hash.AppendData(segment.Span);
            }

            hash.GetHashAndReset(digests.Slice(i * _digestSize, _digestSize));
            _pools[i].Return(hash);
        }

        return Finish(in parsed, digests);
    }

    /// <summary>
    /// Starts verifying a request whose body will be read segment by segment. Everything the headers alone can decide
    /// (missing or malformed signature, missing or expired timestamp) is decided here: check
    /// <see cref="HmacSignatureVerification.IsRejected"/> before reading the body. Then pass every body segment, in order,
    /// to <see cref="HmacSignatureVerification.Append(ReadOnlySpan{byte})"/> and call
    /// <see cref="HmacSignatureVerification.Complete"/>. Dispose the returned object.
    /// </summary>
    /// <param name="headers">The request headers.</param>
    /// <param name="now">The current time, for the timestamp tolerance.</param>
    /// <returns>The verification in progress.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="headers"/> is <see langword="null"/>.</exception>
    public HmacSignatureVerification Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var failure = ReadHeaders(headers, now, out var parsed);
        if (failure is { } f)
        {
            return new HmacSignatureVerification(this, f);
        }

        // Decide from the header alone whether any signature could ever match, so a malformed one is refused before the body is read.
        MatchSignatures(in parsed, ReadOnlySpan<byte>.Empty, out var recognized, out var wellFormed);
        if (recognized == 0 || wellFormed == 0)
        {
            return new HmacSignatureVerification(this, Result(recognized == 0 ? SignatureVerificationStatus.Mismatch : SignatureVerificationStatus.MalformedSignature, SignatureHeaderName, null));
        }

        var hashes = new IncrementalHash[_keys.Length];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = _pools[i].Rent();
            AppendSignedPrefix(hashes[i], in parsed);
        }

        return new HmacSignatureVerification(this, parsed, hashes);
    }

    /// <summary>
    /// Releases the pooled hash state (native contexts). Call it when the credential is replaced or deleted; verifications
    /// still running must not be used afterwards.
    /// </summary>
    public void Dispose()
    {
        foreach (var pool in _pools)
        {
            pool.Dispose();
        }
    }

    internal SignatureVerificationResult Complete(in ParsedHeaders parsed, IncrementalHash[] hashes)
    {
        Span<byte> digests = stackalloc byte[hashes.Length * _digestSize];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i].GetHashAndReset(digests.Slice(i * _digestSize, _digestSize));
            _pools[i].Return(hashes[i]);
        }

        return Finish(in parsed, digests);
    }

    private SignatureVerificationResult Finish(in ParsedHeaders parsed, ReadOnlySpan<byte> digests)
    {
        var matched = MatchSignatures(in parsed, digests, out var recognized, out var wellFormed);
        var status = matched
            ? SignatureVerificationStatus.Valid
            : recognized > 0 && wellFormed == 0 ? SignatureVerificationStatus.MalformedSignature : SignatureVerificationStatus.Mismatch;
        return Result(status, SignatureHeaderName, matched ? parsed.MessageId : null);
    }

    private static SignatureVerificationResult Result(SignatureVerificationStatus status, string header, string? messageId) => new(status, header, messageId);

    /// <summary>Reads and checks everything but the signatures' values. Returns a failure, or null with <paramref name="parsed"/> set.</summary>
    private SignatureVerificationResult? ReadHeaders(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now, out ParsedHeaders parsed)
    {
        parsed = default;
        if (!TryGetHeader(headers, SignatureHeaderName, out var signatures))
        {
            return Result(SignatureVerificationStatus.MissingSignature, SignatureHeaderName, null);
        }

        string? messageId = null;
        if (IdHeaderName is not null && TryGetHeader(headers, IdHeaderName, out var ids))
        {
            messageId = ids[0];
        }

        var timestamp = default(StringSegment);
        switch (_scheme)
        {
            case Scheme.Stripe:
                timestamp = FindStripeTimestamp(signatures, out var timestampMalformed);
                if (!timestamp.HasValue)
                {
                    return Result(timestampMalformed ? SignatureVerificationStatus.MalformedTimestamp : SignatureVerificationStatus.MissingTimestamp, SignatureHeaderName, null);
                }

                break;
            case Scheme.StandardWebhooks:
                if (messageId is null)
                {
                    return Result(SignatureVerificationStatus.MissingMessageId, IdHeaderName!, null);
                }

                if (!TryGetHeader(headers, TimestampHeaderName!, out var timestamps))
                {
                    return Result(SignatureVerificationStatus.MissingTimestamp, TimestampHeaderName!, null);
                }

                if (timestamps.Count != 1)
                {
                    return Result(SignatureVerificationStatus.MalformedTimestamp, TimestampHeaderName!, null);
                }

                timestamp = new StringSegment(timestamps[0]);
                break;
        }

        if (timestamp.HasValue)
        {
            if (!long.TryParse(timestamp.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return Result(SignatureVerificationStatus.MalformedTimestamp, TimestampHeaderName!, null);
            }

            var age = now.ToUnixTimeSeconds() - seconds;
            if (age > _toleranceSeconds || age < -_toleranceSeconds)
            {
                return Result(SignatureVerificationStatus.Expired, TimestampHeaderName!, null);
            }
        }

        parsed = new ParsedHeaders(signatures, timestamp, messageId);
        return null;
    }

    /// <summary>Feeds what the scheme signs before the body: Stripe's <c>"{t}."</c>, Standard Webhooks' <c>"{id}.{t}."</c>.</summary>
    private void AppendSignedPrefix(IncrementalHash hash, in ParsedHeaders parsed)
    {
        if (_scheme == Scheme.Single)
        {
            return;
        }

        var max = MaxSignedPrefixLength(in parsed);
        byte[]? rented = null;
        Span<byte> buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        hash.AppendData(buffer[..WriteSignedPrefix(in parsed, buffer)]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int MaxSignedPrefixLength(in ParsedHeaders parsed) => _scheme switch
    {
        Scheme.Stripe => Encoding.UTF8.GetMaxByteCount(parsed.Timestamp.Length) + 1,
        Scheme.StandardWebhooks => Encoding.UTF8.GetMaxByteCount(parsed.MessageId!.Length) + Encoding.UTF8.GetMaxByteCount(parsed.Timestamp.Length) + 2,
        _ => 0,
    };

    private int WriteSignedPrefix(in ParsedHeaders parsed, Span<byte> destination)
    {
        var written = 0;
        if (_scheme == Scheme.StandardWebhooks)
        {
            written = Encoding.UTF8.GetBytes(parsed.MessageId.AsSpan(), destination);
            destination[written++] = (byte)'.';
        }

        if (_scheme != Scheme.Single)
        {
            written += Encoding.UTF8.GetBytes(parsed.Timestamp.AsSpan().Trim(), destination[written..]);
            destination[written++] = (byte)'.';
        }

        return written;
    }

    /// <summary>
    /// Compares every signature the header carries with every secret's digest (all of them, without stopping early).
    /// With an empty <paramref name="digests"/> it only counts: <paramref name="recognized"/> signatures of the scheme's
    /// version, of which <paramref name="wellFormed"/> decode to the digest's length.
    /// </summary>
    private bool MatchSignatures(in ParsedHeaders parsed, ReadOnlySpan<byte> digests, out int recognized, out int wellFormed)
    {
        recognized = 0;
        wellFormed = 0;
        var matched = false;
        Span<byte> candidate = stackalloc byte[MaxDigestSize];
        var values = parsed.Signatures;
        for (var v = 0; v < values.Count; v++)
        {
            var value = values[v].AsSpan();
            switch (_scheme)
            {
                case Scheme.Single:
                    value = value.Trim();
                    if (value.IsEmpty)
                    {
                        continue;
                    }

                    recognized++;
                    if (_prefix is not null)
                    {
                        if (!value.StartsWith(_prefix, StringComparison.OrdinalIgnoreCase))
                        {
                            continue;
                        }

                        value = value[_prefix.Length..];
                    }

                    matched |= MatchOne(value, _encoding, digests, candidate, ref wellFormed);
                    break;

                case Scheme.Stripe:
                    while (!value.IsEmpty)
                    {
                        var comma = value.IndexOf(',');
                        var item = (comma < 0 ? value : value[..comma]).Trim();
                        value = comma < 0 ? default : value[(comma + 1)..];
                        if (item.StartsWith("v1=", StringComparison.Ordinal))
                        {
                            recognized++;
                            matched |= MatchOne(item[3..], SignatureEncoding.Hex, digests, candidate, ref wellFormed);
                        }
                    }

                    break;

                case Scheme.StandardWebhooks:
                    while (!value.IsEmpty)
                    {
                        var space = value.IndexOf(' ');
                        var item = space < 0 ? value : value[..space];
                        value = space < 0 ? default : value[(space + 1)..];
                        if (item.StartsWith("v1,", StringComparison.Ordinal))
                        {
                            recognized++;
                            matched |= MatchOne(item[3..], SignatureEncoding.Base64, digests, candidate, ref wellFormed);
                        }
                    }

                    break;
            }
        }

        return matched;
    }

    private bool MatchOne(ReadOnlySpan<char> text, SignatureEncoding encoding, ReadOnlySpan<byte> digests, Span<byte> candidate, ref int wellFormed)
    {
        int written;
        var decoded = encoding == SignatureEncoding.Hex
            ? TryDecodeHex(text, candidate, out written)
            : Convert.TryFromBase64Chars(text, candidate, out written);
        if (!decoded || written != _digestSize)
        {
            return false;
        }

        wellFormed++;
        var signature = candidate[.._digestSize];
        var matched = false;
        for (var offset = 0; offset < digests.Length; offset += _digestSize)
        {
            matched |= CryptographicOperations.FixedTimeEquals(digests.Slice(offset, _digestSize), signature);
        }

        return matched;
    }

    /// <summary>Finds Stripe's <c>t=</c> element (the first one) in the signature header.</summary>
    private static StringSegment FindStripeTimestamp(StringValues values, out bool malformed)
    {
        malformed = false;
        for (var v = 0; v < values.Count; v++)
        {
            var text = values[v];
            if (text is null)
            {
                continue;
            }

            var value = text.AsSpan();
            var start = 0;
            while (start < value.Length)
            {
                var comma = value[start..].IndexOf(',');
                var end = comma < 0 ? value.Length : start + comma;
                var item = value[start..end];
                var trimmedStart = start + (item.Length - item.TrimStart().Length);
                item = item.Trim();
                if (item.StartsWith("t=", StringComparison.Ordinal))
                {
                    if (item.Length == 2)
                    {
                        malformed = true;
                        return default;
                    }

                    return new StringSegment(text, trimmedStart + 2, item.Length - 2);
                }

                start = end + 1;
            }
        }

        return default;
    }

    private static bool TryGetHeader(IReadOnlyDictionary<string, StringValues> headers, string name, out StringValues values)
    {
        if (!headers.TryGetValue(name, out values))
        {
            // Dictionaries from other transports may be case-sensitive: search them the slow way (only when the header is absent or differently cased).
            if (headers is Dictionary<string, StringValues> { Comparer: var comparer } && ReferenceEquals(comparer, StringComparer.OrdinalIgnoreCase))
            {
                return false;
            }

            var found = false;
            foreach (var pair in headers)
            {
                if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    values = pair.Value;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (!string.IsNullOrWhiteSpace(values[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryDecodeHex(ReadOnlySpan<char> hex, Span<byte> destination, out int written)
    {
        written = 0;
        if ((hex.Length & 1) != 0 || hex.Length / 2 > destination.Length)
        {
            return false;
        }

        for (var i = 0; i < hex.Length; i += 2)
        {
            var high = HexValue(hex[i]);
            var low = HexValue(hex[i + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            destination[i / 2] = (byte)((high << 4) | low);
        }

        written = hex.Length / 2;
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static HashAlgorithmName HashName(HmacSignatureAlgorithm algorithm) => algorithm switch
    {
        HmacSignatureAlgorithm.Sha512 => HashAlgorithmName.SHA512,
        HmacSignatureAlgorithm.Sha1 => HashAlgorithmName.SHA1,
        _ => HashAlgorithmName.SHA256,
    };

    private static byte[] DecodeSecret(string? secret, Scheme scheme, int index)
    {
        if (string.IsNullOrEmpty(secret))
        {
            throw new ArgumentException($"{nameof(HmacSignatureOptions.Secrets)}[{index}] must not be empty.", "options");
        }

        if (scheme != Scheme.StandardWebhooks)
        {
            return Encoding.UTF8.GetBytes(secret);
        }

        var base64 = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret.AsSpan(6) : secret.AsSpan();
        var buffer = new byte[base64.Length];
        if (base64.IsEmpty || !Convert.TryFromBase64Chars(base64, buffer, out var written) || written == 0)
        {
            throw new ArgumentException(
                $"{nameof(HmacSignatureOptions.Secrets)}[{index}] is not a Standard Webhooks secret: expected 'whsec_' followed by base64.", "options");
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    /// <summary>What the headers said, kept between <see cref="Begin"/> and completion.</summary>
    internal readonly struct ParsedHeaders
    {
        public ParsedHeaders(StringValues signatures, StringSegment timestamp, string? messageId)
        {
            Signatures = signatures;
            Timestamp = timestamp;
            MessageId = messageId;
        }

        public StringValues Signatures { get; }

        public StringSegment Timestamp { get; }

        public string? MessageId { get; }
    }
}
