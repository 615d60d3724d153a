namespace Flows.Sdk.Diagnostics;

/// <summary>Makes ids: 32 lowercase hex digits, unguessable (hook addresses contain flow ids).</summary>
internal static class Ids
{
    public static string New() => Guid.NewGuid().ToString("N");
}
