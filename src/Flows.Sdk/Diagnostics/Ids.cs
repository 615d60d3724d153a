using System.Security.Cryptography;

namespace Flows.Sdk.Diagnostics;

/// <summary>
/// Makes ids: 32 lowercase hex digits, unguessable (hook addresses contain flow ids). Each id is 16 bytes of the operating
/// system's cryptographic random source, taken from a per-thread block of 4 KiB filled at once: a hook request makes three
/// ids, and one call into the random source per 256 ids costs far less than one per id.
/// </summary>
internal static class Ids
{
    private const int IdBytes = 16;
    private const int BlockBytes = 4096;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_used;

    public static string New()
    {
        var block = t_block;
        if (block is null || t_used == BlockBytes)
        {
            block = t_block ??= new byte[BlockBytes];
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }

        var start = t_used;
        t_used = start + IdBytes;
        var id = string.Create(IdBytes * 2, (block, start), static (chars, state) =>
        {
            var bytes = state.block.AsSpan(state.start, IdBytes);
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = HexDigit(bytes[i] >> 4);
                chars[(2 * i) + 1] = HexDigit(bytes[i] & 0xF);
            }
        });

        // Used bytes are not left in memory for whoever reads the block later.
        block.AsSpan(start, IdBytes).Clear();
        return id;
    }

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);
}
