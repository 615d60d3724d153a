namespace Petstore.Component;

/// <summary>Where the Petstore API is.</summary>
public sealed class PetstoreOptions
{
    /// <summary>The API's base URL, such as <c>https://petstore.elastic.io/v2/</c>.</summary>
    public Uri? BaseUrl { get; set; }
}
