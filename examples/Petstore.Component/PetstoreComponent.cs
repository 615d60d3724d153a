namespace Petstore.Component;

/// <summary>The Petstore API component.</summary>
public sealed class PetstoreComponent;
