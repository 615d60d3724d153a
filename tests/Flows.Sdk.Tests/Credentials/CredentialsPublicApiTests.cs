using System.Reflection;
using Flows.Sdk.Credentials;

namespace Flows.Sdk.Tests.Credentials;

/// <summary>
/// Tracks the public surface of <c>Flows.Sdk.Credentials</c> so that a change to it shows in review. When the change is
/// intended, replace <c>Credentials/PublicApi.txt</c> with the "actual" text the failure prints.
/// </summary>
public class CredentialsPublicApiTests
{
    [Test]
    public void Public_api_of_credentials_is_the_approved_one()
    {
        var actual = Describe(typeof(HmacSignatureVerifier).Assembly, "Flows.Sdk.Credentials");
        File.WriteAllText(Path.Combine(TestContext.CurrentContext.WorkDirectory, "PublicApi.actual.txt"), actual);
        var approved = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Credentials", "PublicApi.txt")).ReplaceLineEndings("\n");

        actual.Should().Be(approved, "the public API changed; if intended, update Credentials/PublicApi.txt to:\n" + actual);
    }

    private static string Describe(Assembly assembly, string ns)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().Where(t => t.Namespace == ns).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {type.FullName}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(flags)
                .Where(m => m is not FieldInfo { IsSpecialName: true })
                .Where(m => m is not MethodInfo { IsSpecialName: true } || m.Name.StartsWith("op_", StringComparison.Ordinal))
                .Select(m => "  " + Member(m))
                .Order(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join("\n", lines) + "\n";
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsValueType ? "struct" : type.IsInterface ? "interface" : type.IsSealed ? "sealed class" : "class";

    private static string Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : "")}{(p.SetMethod?.IsPublic == true ? "set; " : "")}}}",
        FieldInfo f when f.DeclaringType!.IsEnum => $"{f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static readonly " : "")}{Name(f.FieldType)} {f.Name}",
        _ => member.ToString()!,
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{(p.IsIn ? "in " : "")}{Name(p.ParameterType)} {p.Name}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }
}
