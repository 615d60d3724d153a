using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Petstore.Component;

/// <summary>Calls the Petstore API over HTTP, through a client from <see cref="IHttpClientFactory"/>.</summary>
public sealed class PetstoreClient(IHttpClientFactory httpClients, IOptions<PetstoreOptions> options)
{
    /// <summary>The name of the <see cref="HttpClient"/> the component uses.</summary>
    public const string HttpClientName = "Petstore";

    /// <summary>Checks an API key: <c>GET {baseUrl}/user/me</c> with header <c>api-key</c>.</summary>
    public async Task<(bool Ok, string? Reason)> CheckApiKeyAsync(string apiKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("user/me"));
        request.Headers.Add("api-key", apiKey);
        using var response = await Client().SendAsync(request, cancellationToken).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => (true, null),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => (false, "The Petstore API refused the API key."),
            var status => (false, $"The Petstore API answered {(int)status} {status}."),
        };
    }

    /// <summary>Creates a pet: <c>POST {baseUrl}/pet</c> with <c>{"name", "status"}</c>; returns the API's response.</summary>
    public async Task<JObject> CreatePetAsync(string apiKey, string name, string status, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("pet"))
        {
            Content = new StringContent(new JObject { ["name"] = name, ["status"] = status }.ToString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Client().SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The Petstore API answered {(int)response.StatusCode} {response.StatusCode} to POST /pet: {Shorten(text)}", null, response.StatusCode);
        }

        return JObject.Parse(text);
    }

    private HttpClient Client() => httpClients.CreateClient(HttpClientName);

    private Uri Url(string path)
    {
        var baseUrl = options.Value.BaseUrl ?? throw new InvalidOperationException("Petstore:BaseUrl is not configured.");
        var text = baseUrl.ToString();
        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), path);
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
