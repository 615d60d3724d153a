using PetstoreWebhook;

// The webhook-flow tutorial in one app: the SDK's hook and management API, the Petstore component,
// a stand-in Petstore API under /petstore/v2, and the tutorial's flow created, published and started.
await PetstoreApp.RunAsync(args);
