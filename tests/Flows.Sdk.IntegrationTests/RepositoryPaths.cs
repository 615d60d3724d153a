namespace Flows.Sdk.IntegrationTests;

/// <summary>Finds the repository from the test assembly's folder.</summary>
internal static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Flows.Sdk.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException($"No Flows.Sdk.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The built entry assembly of an example, in the configuration the tests were built in.</summary>
    public static string ExampleAssembly(string project)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(Root, "examples", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first: {path} is missing.", path);
    }
}
