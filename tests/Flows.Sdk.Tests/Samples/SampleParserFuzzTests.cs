using System.Diagnostics;
using System.Text;
using Flows.Sdk.Samples;

namespace Flows.Sdk.Tests.Samples;

/// <summary>
/// Random and mutated inputs with fixed seeds: every parser either succeeds or throws
/// <see cref="SampleFormatException"/>; nothing else escapes, nothing overflows the stack, nothing hangs.
/// </summary>
public class SampleParserFuzzTests
{
    // 2000 by default; set FLOWS_SAMPLES_FUZZ_CASES for a longer run (the time budget grows with it).
    private static readonly int Cases =
        int.TryParse(Environment.GetEnvironmentVariable("FLOWS_SAMPLES_FUZZ_CASES"), out var cases) && cases > 0 ? cases : 2000;

    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30.0 * Math.Max(1, Cases / 2000));

    private static readonly string[] JsonSeeds =
    [
        """{"petname": "Rex", "petstatus": "available"}""",
        """{"pet": {"id": 7, "tags": [{"name": "a"}, {"name": "b", "w": 1.5}], "good": true, "owner": null}}""",
        """{"a": [1, "x", false, null, {"b": []}, [[2]]], "s": "\u00e9\n\"q\"", "n": -1.2e-3}""",
        "{}",
    ];

    private static readonly string[] XmlSeeds =
    [
        "<pet><name>Rex</name><status>available</status></pet>",
        """<?xml version="1.0"?><p:pet xmlns:p="urn:p" id="7"><p:tag>a</p:tag><p:tag>b</p:tag><note><![CDATA[<x>]]></note><e/></p:pet>""",
        "<p>Hello <b>world</b> &amp; <i>you</i>&#169;!<!-- c --><?pi x?></p>",
        """<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>""",
    ];

    private static readonly string[] PropertySeeds =
    [
        "petname, petstatus",
        "pet.name, pet.status, pet.owner.email, id",
        "a_b-c, d.e.f,\n g",
    ];

    [Test]
    public void Json_parser_only_succeeds_or_refuses() =>
        Fuzz(new JsonSampleParser(), JsonSeeds, "{}[]\",:0123456789.eE-+truefalsnl \n\\/*u", seed: 1);

    [Test]
    public void Xml_parser_only_succeeds_or_refuses() =>
        Fuzz(new XmlSampleParser(), XmlSeeds, "<>/=\"'!?[]-&;#x:aCDAT \n", seed: 2);

    [Test]
    public void Property_list_parser_only_succeeds_or_refuses() =>
        Fuzz(new PropertyListSampleParser(), PropertySeeds, "abc.,_- \n@$é", seed: 3);

    [Test]
    public void Xml_converter_only_succeeds_or_refuses_random_bytes_read_sync_and_async()
    {
        var random = new Random(4);
        var seeds = XmlSeeds.Select(Encoding.UTF8.GetBytes).ToArray();
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Cases; i++)
        {
            var bytes = seeds[random.Next(seeds.Length)].ToList();
            for (var m = random.Next(1, 6); m > 0 && bytes.Count > 0; m--)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0: bytes[at] = (byte)random.Next(256); break;
                    case 1: bytes.RemoveAt(at); break;
                    default: bytes.Insert(at, (byte)random.Next(256)); break;
                }
            }

            try
            {
                if (i % 2 == 0)
                {
                    XmlJsonConverter.Convert(new MemoryStream(bytes.ToArray()), 64);
                }
                else
                {
                    XmlJsonConverter.ConvertAsync(new MemoryStream(bytes.ToArray()), 64).GetAwaiter().GetResult();
                }
            }
            catch (SampleFormatException)
            {
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message} for bytes {Convert.ToHexString(bytes.ToArray())}");
            }
        }

        failures.Should().BeEmpty();
        watch.Elapsed.Should().BeLessThan(Budget);
    }

    private static void Fuzz(ISampleParser parser, string[] seeds, string alphabet, int seed)
    {
        var random = new Random(seed);
        var options = new SampleParseOptions { MaxDepth = 16, MaxSampleSize = 1_000_000 };
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        var accepted = 0;
        for (var i = 0; i < Cases; i++)
        {
            var text = Input(random, seeds, alphabet, i);
            try
            {
                var result = parser.Parse(text, options);
                accepted++;

                // What the flow API does next with a parsed sample must not fail either.
                SchemaFields.Flatten(result.Schema);
                SampleGenerator.FromSchema(result.Schema);
            }
            catch (SampleFormatException ex)
            {
                ex.Format.Should().Be(parser.Format);
                ex.Message.Should().NotBeNullOrWhiteSpace();
            }
            catch (Exception ex)
            {
                failures.Add($"{ex.GetType().Name}: {ex.Message} for input {Quote(text)}");
            }
        }

        TestContext.Out.WriteLine($"{parser.Format}: {accepted} of {Cases} inputs accepted, the rest refused, in {watch.ElapsedMilliseconds} ms.");
        failures.Should().BeEmpty();
        accepted.Should().BeGreaterThan(0, "some mutations leave a valid sample, so the fuzzing reaches the success path");
        watch.Elapsed.Should().BeLessThan(Budget);
    }

    private static string Input(Random random, string[] seeds, string alphabet, int i)
    {
        switch (i % 10)
        {
            case 0:
                // Pure noise from the format's alphabet and beyond.
                var noise = new StringBuilder();
                for (var n = random.Next(0, 64); n > 0; n--)
                {
                    noise.Append(random.Next(8) == 0 ? (char)random.Next(1, 0xD7FF) : alphabet[random.Next(alphabet.Length)]);
                }

                return noise.ToString();
            case 1:
                // Deep nesting of the format's openers, far past the limit.
                var opener = alphabet[random.Next(3)].ToString();
                var prefix = seeds[random.Next(seeds.Length)];
                return prefix[..random.Next(prefix.Length)] + string.Concat(Enumerable.Repeat(opener == "<" ? "<a>" : opener, random.Next(1, 20_000)));
            default:
                var text = new StringBuilder(seeds[random.Next(seeds.Length)]);
                for (var m = random.Next(0, 4); m > 0; m--)
                {
                    Mutate(random, text, alphabet);
                }

                return text.ToString();
        }
    }

    private static void Mutate(Random random, StringBuilder text, string alphabet)
    {
        var at = random.Next(text.Length + 1);
        switch (random.Next(5))
        {
            case 0:
                text.Insert(at, alphabet[random.Next(alphabet.Length)]);
                break;
            case 1 when at < text.Length:
                text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at));
                break;
            case 2 when at < text.Length:
                text[at] = alphabet[random.Next(alphabet.Length)];
                break;
            case 3:
                // Duplicate a slice, which repeats names, elements and entries.
                var start = random.Next(text.Length + 1);
                var length = random.Next(0, text.Length - start + 1);
                text.Insert(at, text.ToString(start, length));
                break;
            default:
                text.Length = Math.Min(text.Length, at);
                break;
        }
    }

    private static string Quote(string text) => text.Length > 200 ? text[..200] + "..." : text;
}
