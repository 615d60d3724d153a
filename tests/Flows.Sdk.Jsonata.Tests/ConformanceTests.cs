using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests;

/// <summary>Runs the official JSONata test suite from ../shared/conformance/jsonata.</summary>
[TestFixture]
[Parallelizable(ParallelScope.Children)]
public class ConformanceTests
{
    /// <summary>The number of cases in the suite (jsonata-js's test suite as copied to ../shared/conformance/jsonata).</summary>
    internal const int ExpectedCaseCount = 1686;

    private static readonly Lazy<string?> SuiteRoot = new(FindSuiteRoot);
    private static readonly Lazy<Dictionary<string, string>> Known = new(LoadKnownFailures);

    /// <summary>The suite's folder, or null when it is missing.</summary>
    internal static string? Root => SuiteRoot.Value;

    private static string? FindSuiteRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Flows.Sdk.sln")))
        {
            dir = dir.Parent;
        }

        if (dir == null)
        {
            return null;
        }

        var root = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "jsonata"));
        if (Directory.Exists(root))
        {
            return root;
        }

        // A git worktree: the main checkout sits next to the shared folder too.
        var alt = Path.GetFullPath(Path.Combine(dir.FullName, "..", "..", "shared", "conformance", "jsonata"));
        return Directory.Exists(alt) ? alt : null;
    }

    private static Dictionary<string, string> LoadKnownFailures()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Path.Combine(AppContext.BaseDirectory, "KnownFailures.txt");
        if (!File.Exists(file))
        {
            return result;
        }

        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                result[line] = "known failure";
            }
            else
            {
                result[line[..space]] = line[(space + 1)..].Trim();
            }
        }

        return result;
    }

    internal static JToken? Parse(string text)
    {
        using var reader = new JsonTextReader(new StringReader(text))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
        };
        return JToken.ReadFrom(reader);
    }

    /// <summary>All suite cases.</summary>
    public static IEnumerable<TestCaseData> Cases()
    {
        var root = SuiteRoot.Value;
        if (root == null)
        {
            // reported as a failure: the suite is expected next to the repository (../shared/conformance/jsonata)
            yield return new TestCaseData("(suite-missing)", "{}").SetName("(suite-missing)");
            yield break;
        }

        foreach (var groupDir in Directory.GetDirectories(Path.Combine(root, "groups")).OrderBy(d => d, StringComparer.Ordinal))
        {
            var group = Path.GetFileName(groupDir);
            foreach (var file in Directory.GetFiles(groupDir, "*.json").OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = group + "/" + Path.GetFileNameWithoutExtension(file);
                var token = Parse(ProtectLoneSurrogates(File.ReadAllText(file)));
                if (token is JArray arr)
                {
                    for (var i = 0; i < arr.Count; i++)
                    {
                        yield return Make(name + "[" + i + "]", (JObject)arr[i]);
                    }
                }
                else
                {
                    yield return Make(name, (JObject)token!);
                }
            }
        }

        TestCaseData Make(string name, JObject obj)
        {
            var data = new TestCaseData(name, obj.ToString(Formatting.None)).SetName(name);
            if (Known.Value.TryGetValue(name, out var reason))
            {
                data.Ignore(reason);
            }

            return data;
        }
    }

    /// <summary>A missing or truncated suite fails here (a missing one also fails as the case "(suite-missing)").</summary>
    [Test]
    public void TheWholeSuiteIsRun()
    {
        SuiteRoot.Value.Should().NotBeNull("the JSONata test suite is expected at <repository>/../shared/conformance/jsonata");
        var names = Cases().Select(c => (string)c.Arguments[0]!).ToList();
        names.Should().NotContain("(suite-missing)");
        names.Should().OnlyHaveUniqueItems();
        names.Should().HaveCount(ExpectedCaseCount, "every case of the suite is run, one NUnit case each");
        names.Where(n => Known.Value.ContainsKey(n)).Should().BeEmpty("KnownFailures.txt is empty: all {0} cases pass", ExpectedCaseCount);
    }

    [TestCaseSource(nameof(Cases))]
    public void Run(string name, string caseJson)
    {
        var root = SuiteRoot.Value;
        if (root == null)
        {
            Assert.Fail("The JSONata test suite was not found at <repository>/../shared/conformance/jsonata");
            return;
        }

        var tc = (JObject)RestoreLoneSurrogates(Parse(caseJson)!)!;
        var group = name[..name.IndexOf('/', StringComparison.Ordinal)];
        string expr;
        if (tc["expr-file"] is JValue ef)
        {
            expr = File.ReadAllText(Path.Combine(root, "groups", group, (string)ef!));
        }
        else
        {
            expr = (string)tc["expr"]!;
        }

        JToken? input = null;
        if (tc.TryGetValue("data", out var d))
        {
            input = d;
        }
        else if (tc["dataset"] is JValue ds && ds.Type == JTokenType.String)
        {
            input = Parse(File.ReadAllText(Path.Combine(root, "datasets", (string)ds! + ".json")));
        }

        var bindings = new Dictionary<string, JToken?>();
        if (tc["bindings"] is JObject b)
        {
            foreach (var p in b.Properties())
            {
                bindings[p.Name] = p.Value;
            }
        }

        var options = new JsonataOptions();
        if (tc["timelimit"] is JValue tl && tl.Type != JTokenType.Null)
        {
            options.TimeLimit = TimeSpan.FromMilliseconds((double)tl);
        }

        if (tc["depth"] is JValue dp && dp.Type != JTokenType.Null)
        {
            options.MaxDepth = (int)dp;
        }

        if (tc["code"] == null && tc["error"] is JObject err && err["code"] != null)
        {
            tc["code"] = err["code"];
        }

        var engine = new JsonataMappingEngine(options);
        JToken? result;
        try
        {
            var compiled = engine.Compile(expr);
            result = compiled.Evaluate(input, bindings);
        }
        catch (MappingException ex)
        {
            if (tc["code"] is JValue code)
            {
                Assert.That(ex.Code, Is.EqualTo((string)code!), ex.Message);
                return;
            }

            Assert.Fail($"Unexpected error {ex.Code}: {ex.Message} at {ex.Position}");
            return;
        }

        if (tc["code"] is JValue expectedCode)
        {
            Assert.Fail($"Expected error {expectedCode} but got {(result == null ? "undefined" : result.ToString(Formatting.None))}");
        }
        else if (tc["undefinedResult"] is JValue u && (bool)u!)
        {
            Assert.That(result, Is.Null, () => "Expected undefined but got " + result!.ToString(Formatting.None));
        }
        else if (tc.TryGetValue("result", out var expected))
        {
            Assert.That(result, Is.Not.Null, "Expected " + expected.ToString(Formatting.None) + " but got undefined");
            Assert.That(DeepEqual(expected, result!), Is.True, () => "Expected " + expected.ToString(Formatting.None) + " but got " + result!.ToString(Formatting.None));
        }
        else
        {
            Assert.That(result, Is.Null, () => "Expected undefined but got " + result!.ToString(Formatting.None));
        }
    }

    // JsonTextReader turns an escaped lone surrogate (\ud800) into U+FFFD. The suite uses them to test
    // malformed input, so they are carried through parsing as private-use characters and restored afterwards.
    private const int ProtectedBase = 0xE000;

    private static readonly System.Text.RegularExpressions.Regex LoneSurrogateEscape = new(
        @"(?<!\\)\\u([dD][89abAB][0-9a-fA-F]{2})(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<![^\\]\\u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)\\u([dD][c-fC-F][0-9a-fA-F]{2})");

    private static string ProtectLoneSurrogates(string json) => LoneSurrogateEscape.Replace(json, m =>
    {
        var hex = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
        var code = Convert.ToInt32(hex, 16);
        return "\\u" + (ProtectedBase + (code - 0xD800)).ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
    });

    private static JToken? RestoreLoneSurrogates(JToken? token)
    {
        switch (token)
        {
            case JValue { Type: JTokenType.String } v:
                var text = (string)v.Value!;
                var chars = text.ToCharArray();
                var changed = false;
                for (var i = 0; i < chars.Length; i++)
                {
                    if (chars[i] >= ProtectedBase && chars[i] < ProtectedBase + 0x800)
                    {
                        chars[i] = (char)(chars[i] - ProtectedBase + 0xD800);
                        changed = true;
                    }
                }

                if (changed)
                {
                    v.Value = new string(chars);
                }

                break;
            case JContainer c:
                foreach (var child in c.Children().ToList())
                {
                    RestoreLoneSurrogates(child is JProperty p ? p.Value : child);
                }

                break;
        }

        return token;
    }

    internal static bool DeepEqual(JToken a, JToken b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            var x = a.Value<double>();
            var y = b.Value<double>();
            return x == y || Math.Abs(x - y) <= 1e-13 * Math.Max(Math.Abs(x), Math.Abs(y));
        }

        if (a.Type != b.Type)
        {
            return false;
        }

        switch (a)
        {
            case JArray aa:
                {
                    var bb = (JArray)b;
                    if (aa.Count != bb.Count)
                    {
                        return false;
                    }

                    for (var i = 0; i < aa.Count; i++)
                    {
                        if (!DeepEqual(aa[i], bb[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            case JObject ao:
                {
                    var bo = (JObject)b;
                    if (ao.Count != bo.Count)
                    {
                        return false;
                    }

                    foreach (var p in ao.Properties())
                    {
                        if (!bo.TryGetValue(p.Name, out var v) || !DeepEqual(p.Value, v))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                return JToken.DeepEquals(a, b);
        }
    }

    private static bool IsNumber(JToken t) => t.Type is JTokenType.Integer or JTokenType.Float;
}
