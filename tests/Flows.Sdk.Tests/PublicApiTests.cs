using System.Reflection;
using System.Runtime.CompilerServices;

namespace Flows.Sdk.Tests;

/// <summary>
/// Tracks the public surface of each package, so that every change to it shows in review. When a change is intended,
/// replace <c>PublicApi/{package}.txt</c> with the <c>{package}.actual.txt</c> the failing test writes to its work directory.
/// </summary>
public class PublicApiTests
{
    [TestCase(typeof(global::Flows.Sdk.Hooks.IWebhookReceiver))]
    [TestCase(typeof(Microsoft.Extensions.DependencyInjection.WebhookFlowsHostingExtensions))]
    [TestCase(typeof(Microsoft.AspNetCore.Builder.WebhookFlowsEndpointRouteBuilderExtensions))]
    [TestCase(typeof(global::Flows.Sdk.Sqlite.SqliteStorageOptions))]
    [TestCase(typeof(global::Flows.Sdk.PostgreSql.PostgreSqlStorageOptions))]
    [TestCase(typeof(global::Flows.Sdk.Mapping.Jsonata.JsonataMappingEngine))]
    [TestCase(typeof(global::Flows.Sdk.RabbitMQ.RabbitMqOptions))]
    [TestCase(typeof(global::Flows.Sdk.Dashboard.DashboardOptions))]
    public void The_public_api_is_the_approved_one(Type typeInPackage)
    {
        var assembly = typeInPackage.Assembly;
        var name = assembly.GetName().Name!;
        var actual = Describe(assembly);
        File.WriteAllText(Path.Combine(TestContext.CurrentContext.WorkDirectory, $"{name}.actual.txt"), actual);
        var approved = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "PublicApi", $"{name}.txt")).ReplaceLineEndings("\n");

        actual.Should().Be(approved, $"the public API of {name} changed; if intended, update PublicApi/{name}.txt to:\n" + actual);
    }

    [Test]
    public void The_shipped_packages_build_without_the_cores_internals()
    {
        var core = typeof(global::Flows.Sdk.Hooks.IWebhookReceiver).Assembly;
        var friends = core.GetCustomAttributes<InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName.Split(',')[0].Trim())
            .ToList();

        friends.Should().Contain("Flows.Sdk.Tests", "the attributes are read (this test project is a friend)");
        friends.Should().NotContain(
            [typeof(Microsoft.Extensions.DependencyInjection.WebhookFlowsHostingExtensions).Assembly.GetName().Name!,
             typeof(Microsoft.AspNetCore.Builder.WebhookFlowsEndpointRouteBuilderExtensions).Assembly.GetName().Name!,
             typeof(global::Flows.Sdk.Sqlite.SqliteStorageOptions).Assembly.GetName().Name!,
             typeof(global::Flows.Sdk.PostgreSql.PostgreSqlStorageOptions).Assembly.GetName().Name!,
             typeof(global::Flows.Sdk.RabbitMQ.RabbitMqOptions).Assembly.GetName().Name!],
            "the adapters must be writable from the public API alone");
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
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

    // Nullability (`?`) and init-only setters are part of the surface: a change of either shows in the approved text.
    private static readonly NullabilityInfoContext Nullability = new();

    private static string Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : "")}{Name(Nullability.Create(m.ReturnParameter))} {m.Name}{TypeParameters(m)}({Parameters(m)})",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic == true ? "static " : "")}{(IsRequired(p) ? "required " : "")}{Name(Nullability.Create(p))} {p.Name} {{ {Accessors(p)}}}",
        FieldInfo f when f.DeclaringType!.IsEnum => $"{f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static readonly " : "")}{(IsRequired(f) ? "required " : "")}{Name(Nullability.Create(f))} {f.Name}",
        _ => member.ToString()!,
    };

    private static string Accessors(PropertyInfo property)
    {
        var get = property.GetMethod?.IsPublic == true ? "get; " : "";
        if (property.SetMethod is not { IsPublic: true } setter)
        {
            return get;
        }

        var init = setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
        return get + (init ? "init; " : "set; ");
    }

    private static bool IsRequired(MemberInfo member) =>
        member.CustomAttributes.Any(a => a.AttributeType.FullName == "System.Runtime.CompilerServices.RequiredMemberAttribute");

    private static string TypeParameters(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p =>
            $"{(p.IsIn ? "in " : p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : "")}{Name(Nullability.Create(p))} {p.Name}{Default(p)}"));

    private static string Default(ParameterInfo parameter) =>
        !parameter.HasDefaultValue ? "" : parameter.DefaultValue switch
        {
            null => " = default",
            string text => $" = \"{text}\"",
            bool flag => flag ? " = true" : " = false",
            var value => $" = {Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)}",
        };

    private static string Name(NullabilityInfo info)
    {
        var type = info.Type;
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!) + (info.ReadState == NullabilityState.Nullable ? "?" : "");
        }

        string name;
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        if (type.IsArray && info.ElementType is { } element)
        {
            name = Name(element) + "[]";
        }
        else if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            var arguments = info.GenericTypeArguments.Length == type.GetGenericArguments().Length
                ? info.GenericTypeArguments.Select(Name)
                : type.GetGenericArguments().Select(Name);
            name = $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", arguments)}>";
        }
        else
        {
            name = Name(type);
        }

        return info.ReadState == NullabilityState.Nullable && !type.IsValueType ? name + "?" : name;
    }

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
