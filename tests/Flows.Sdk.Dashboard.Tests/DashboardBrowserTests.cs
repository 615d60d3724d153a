using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Dashboard.Tests;

/// <summary>The dashboard in Debian's chromium: the tutorial clicked through as written, the other paths, untrusted data, layout.</summary>
[NonParallelizable]
public sealed class DashboardBrowserTests
{
    private DashboardApp _app = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _app = await DashboardApp.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _app.DisposeAsync();

    private static ILocator Button(IPage page, string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    private static ILocator Label(IPage page, string name) => page.GetByLabel(name, new() { Exact = true });

    [Test]
    [CancelAfter(240_000)]
    public async Task The_tutorial_clicked_through_as_written_builds_runs_and_shows_the_petstore_flow()
    {
        var page = await _app.PageAsync();
        await page.GotoAsync(_app.BaseUrl + "/dashboard/");

        // 1-2. "+ Add new flow", search, "Choose Webhook".
        await page.GetByRole(AriaRole.Link, new() { Name = "+ Add new flow" }).ClickAsync();
        await Label(page, "Search components").FillAsync("web");
        await Button(page, "Choose Webhook").ClickAsync();

        // 3. Credentials: "Connect new credentials", Type "No Auth", "Save".
        await Button(page, "Connect new credentials").ClickAsync();
        await Label(page, "Type").SelectOptionAsync(new SelectOptionValue { Label = "No Auth" });
        await Button(page, "Save").ClickAsync();

        // 4. "Add sample manually", Format type JSON, "Save", "Continue".
        await Button(page, "Add sample manually").ClickAsync();
        await Label(page, "Format type").SelectOptionAsync(new SelectOptionValue { Label = "JSON" });
        await Label(page, "Sample").FillAsync("""{"petname": "Gromit", "petstatus": "sold"}""");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByText("The sample has 2 field(s)")).ToBeVisibleAsync();
        await Button(page, "Continue").ClickAsync();

        // 5. The step summary: name and note, "Add another step".
        await Label(page, "Step name").FillAsync("Receive a pet");
        await Label(page, "Note").FillAsync("The shop posts every new pet here.");
        await Button(page, "Add another step").ClickAsync();

        // 6. "Choose Petstore API"; "Connect new credentials" with Account name and API key; Save verifies them.
        await Label(page, "Search components").FillAsync("pet");
        await Button(page, "Choose Petstore API").ClickAsync();
        await Button(page, "Connect new credentials").ClickAsync();
        await Label(page, "Account name").FillAsync("My Petstore account");
        await Label(page, "API key").FillAsync("secret");
        await Button(page, "Save").ClickAsync();

        // 7. The actions: "Create a Pet With Promise".
        await Button(page, "Create a Pet With Promise").ClickAsync(new() { Timeout = 35_000 });

        // 8. The mapping: Name and Status from the sample's fields.
        await Label(page, "Name").SelectOptionAsync("petname");
        await Label(page, "Status").SelectOptionAsync("petstatus");
        await Expect(page.GetByText("\"Gromit\"")).ToBeVisibleAsync();
        await DashboardApp.ScreenshotAsync(page, "designer-mapping");

        // 9. "Continue", "Retrieve sample", "Choose this sample", the summary, "I'm done".
        await Button(page, "Continue").ClickAsync();
        await Button(page, "Retrieve sample").ClickAsync();
        await Expect(page.GetByLabel("The retrieved sample")).ToContainTextAsync("\"id\"");
        await Button(page, "Choose this sample").ClickAsync();
        await Label(page, "Step name").FillAsync("Create the pet");
        await Button(page, "I'm done").ClickAsync();

        // 10. The flow's name, with a suggestion, then "I'm done".
        await Expect(Label(page, "Flow name")).ToHaveValueAsync("Webhook → Petstore API");
        await Label(page, "Flow name").FillAsync("Petstore tutorial");
        await Button(page, "I'm done").ClickAsync();

        // 11. "Publish Draft", "Start", the hook URL.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Petstore tutorial" })).ToBeVisibleAsync();
        await Button(page, "Publish Draft").ClickAsync();
        await Expect(page.GetByText("Version 1, published")).ToBeVisibleAsync();
        await Button(page, "Start").ClickAsync();
        var hookUrl = await page.Locator("#hook-url").TextContentAsync();
        hookUrl.Should().StartWith(_app.BaseUrl + "/hook/");
        await Expect(Button(page, "Copy hook URL")).ToBeVisibleAsync();
        await Expect(Button(page, "Stop")).ToBeVisibleAsync();

        // The designer saved what the tutorial says: step names, the note, the mapping.
        var flowId = hookUrl![(_app.BaseUrl + "/hook/").Length..];
        var flow = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}");
        flow["draft"]!["steps"]![0]!["note"]!.ToString().Should().Be("The shop posts every new pet here.");
        flow["draft"]!["steps"]![1]!["name"]!.ToString().Should().Be("Create the pet");
        flow["draft"]!["steps"]![1]!["mapping"]!.ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"name":"petname","status":"petstatus"}""");

        // Three pets to the hook URL the page shows: the run log lists them without a reload.
        foreach (var (name, status) in new[] { ("Gromit", "sold"), ("Wallace", "available"), ("Shaun", "pending") })
        {
            await _app.PostAsync(hookUrl, new JObject { ["petname"] = name, ["petstatus"] = status }.ToString());
        }

        var rows = page.Locator("table.executions tbody tr");
        await Expect(rows).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await Expect(page.Locator("table.executions tbody .badge.succeeded")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await DashboardApp.ScreenshotAsync(page, "run-log");

        // The dashboard shows the flow's three executions.
        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).First.ClickAsync();
        var row = page.Locator($"tr[data-flow='{flowId}']");
        await Expect(row).ToContainTextAsync("3 succeeded");
        await Expect(row).ToContainTextAsync("running");
        await Expect(page.Locator("svg.chart rect.succeeded")).Not.ToHaveCountAsync(0);
        await DashboardApp.ScreenshotAsync(page, "dashboard");

        // One execution shows both steps' input and output.
        await row.GetByRole(AriaRole.Link, new() { Name = "Petstore tutorial" }).ClickAsync();
        await page.Locator("table.executions tbody tr a").First.ClickAsync();
        await Expect(page.GetByLabel("Input of step_1")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Output of step_1")).ToContainTextAsync("\"petname\"");
        await Expect(page.GetByLabel("Input of step_2")).ToContainTextAsync("\"name\"");
        await Expect(page.GetByLabel("Output of step_2")).ToContainTextAsync("\"id\"");
        await DashboardApp.ScreenshotAsync(page, "execution");
        await page.CloseAsync();
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Basic_auth_credentials_xml_and_property_list_samples_and_a_mapping_error_at_its_position()
    {
        var page = await _app.PageAsync();
        await page.GotoAsync(_app.BaseUrl + "/dashboard/#/designer");
        await Button(page, "Choose Webhook").ClickAsync();
        await Button(page, "Connect new credentials").ClickAsync();
        await Label(page, "Account name").FillAsync("Shop basic auth");
        await Label(page, "Type").SelectOptionAsync(new SelectOptionValue { Label = "Basic Auth" });
        await Label(page, "Username").FillAsync("shop");
        await Label(page, "Password").FillAsync("s3cret-pass");
        await Button(page, "Save").ClickAsync();
        await Expect(Button(page, "Add sample manually")).ToBeVisibleAsync();
        var credentials = (JArray)(await _app.SendAsync(HttpMethod.Get, "/api/credentials"))["items"]!;
        var basic = credentials.Single(c => (string)c["name"]! == "Shop basic auth");
        basic["fields"]!["type"]!.ToString().Should().Be("basic");
        basic["fields"]!["username"]!.ToString().Should().Be("shop");
        basic["fields"]!["password"]!.ToString().Should().Be("***");

        // A bad XML sample is refused with its line and position; a good one lists its fields.
        await Button(page, "Add sample manually").ClickAsync();
        await Label(page, "Format type").SelectOptionAsync(new SelectOptionValue { Label = "XML" });
        await Label(page, "Sample").FillAsync("<pet><petname>Gromit</petname>");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Line");
        await Expect(Button(page, "Continue")).ToBeDisabledAsync();
        await Label(page, "Sample").FillAsync("<pet><petname>Gromit</petname><petstatus>sold</petstatus></pet>");
        await Button(page, "Save").ClickAsync();
        await Expect(page.GetByText("The sample has")).ToBeVisibleAsync();
        await Expect(page.Locator("ul.fields")).ToContainTextAsync("petname");
        await DashboardApp.ScreenshotAsync(page, "designer-xml-sample");

        await Label(page, "Format type").SelectOptionAsync(new SelectOptionValue { Label = "List of properties" });
        await Label(page, "Sample").FillAsync("petname, petstatus, owner.email");
        await Button(page, "Save").ClickAsync();
        await Expect(page.Locator("ul.fields")).ToContainTextAsync("owner.email");
        await Button(page, "Continue").ClickAsync();
        await Button(page, "Add another step").ClickAsync();
        await Button(page, "Choose Petstore API").ClickAsync();
        await Button(page, "Connect new credentials").ClickAsync();
        await Label(page, "API key").FillAsync("secret");
        await Button(page, "Save").ClickAsync();
        await Button(page, "Create a Pet With Promise").ClickAsync(new() { Timeout = 35_000 });

        // Free JSONata mode: a live preview on the sample, and an error marked at its position.
        await page.GetByLabel("Free JSONata mode").CheckAsync();
        await Label(page, "Name").FillAsync("$uppercase(petname)");
        await Expect(page.Locator(".preview").First).ToContainTextAsync("\"PETNAME\"");
        await Label(page, "Status").FillAsync("petstatus ~> ~> $x");
        var error = page.GetByRole(AriaRole.Alert);
        await Expect(error).ToContainTextAsync(new Regex(@"Error at position \d+"));
        await Expect(page.Locator("pre.marked mark")).ToHaveCountAsync(1);
        await DashboardApp.ScreenshotAsync(page, "designer-mapping-error");
        await page.CloseAsync();
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task A_failed_execution_is_retried_with_an_edited_message_refusals_are_shown_and_stop_stops()
    {
        var flowId = await _app.CreateTutorialFlowAsync("Retry and stop");
        await _app.PostAsync($"/hook/{flowId}", """{"petname": "Gromit", "petstatus": "lost"}""");
        await _app.PostAsync($"/hook/{flowId}", "petname=Gromit", "text/plain", expectedStatus: 415);

        var page = await _app.PageAsync();
        await page.GotoAsync($"{_app.BaseUrl}/dashboard/#/flows/{flowId}");
        await Expect(page.Locator("table.executions .badge.failed")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var refused = page.Locator("table.refused");
        await Expect(refused).ToContainTextAsync("415");
        await Expect(refused).ToContainTextAsync("Unsupported Media Type");
        await Expect(refused).ToContainTextAsync("14 bytes");

        // The status filter keeps the failed one.
        await Label(page, "Status").SelectOptionAsync("failed");
        await Button(page, "Apply filters").ClickAsync();
        await Expect(page.Locator("table.executions tbody tr")).ToHaveCountAsync(1);

        await page.Locator("table.executions tbody tr a").First.ClickAsync();
        await Expect(page.GetByLabel("Error of step_2")).ToContainTextAsync("lost");
        await page.GetByText("Retry with an edited message").ClickAsync();
        await Label(page, "Edited message (JSON)").FillAsync("""{"petname": "Gromit", "petstatus": "sold"}""");
        await Button(page, "Retry with this message").ClickAsync();
        await Expect(page.Locator(".title-row .badge")).ToHaveTextAsync("succeeded", new() { Timeout = 30_000 });
        await Expect(page.GetByLabel("Output of step_2").Last).ToContainTextAsync("\"sold\"");
        await DashboardApp.ScreenshotAsync(page, "retried-execution");

        await page.GotoAsync($"{_app.BaseUrl}/dashboard/#/flows/{flowId}");
        await Button(page, "Stop").ClickAsync();
        await Expect(Button(page, "Start")).ToBeVisibleAsync();
        await Expect(page.Locator(".title-row .badge")).ToHaveTextAsync("stopped");
        await _app.PostAsync($"/hook/{flowId}", """{"petname": "Gromit", "petstatus": "sold"}""", expectedStatus: 404);
        await page.CloseAsync();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task An_untrusted_payload_shows_as_text_and_runs_no_script()
    {
        var flowId = await _app.CreateTutorialFlowAsync("<b>Untrusted</b> <img src=x onerror=alert(3)>");
        const string name = "<img src=x onerror=alert(1)>";
        const string status = "<script>alert(2)</script>";
        await _app.PostAsync($"/hook/{flowId}", new JObject { ["petname"] = name, ["petstatus"] = status }.ToString());

        var page = await _app.PageAsync();
        var dialogs = 0;
        page.Dialog += async (_, dialog) =>
        {
            dialogs++;
            await dialog.DismissAsync();
        };
        await page.GotoAsync($"{_app.BaseUrl}/dashboard/");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "<b>Untrusted</b> <img src=x onerror=alert(3)>" })).ToBeVisibleAsync();
        await page.GotoAsync($"{_app.BaseUrl}/dashboard/#/flows/{flowId}");
        await Expect(page.Locator("table.executions .badge.failed")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.Locator("table.executions tbody tr a").First.ClickAsync();
        var output = page.GetByLabel("Output of step_1");
        await Expect(output).ToContainTextAsync(name);
        await Expect(output).ToContainTextAsync(status);
        await Expect(page.GetByLabel("Error of step_2")).ToContainTextAsync("<script>");
        (await page.Locator("main img, main script, main b").CountAsync()).Should().Be(0, "webhook data is rendered as text");
        await DashboardApp.ScreenshotAsync(page, "untrusted-payload");
        dialogs.Should().Be(0, "no script from the payload ran");
        await page.CloseAsync();
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task The_pages_fit_1280_and_400_pixels_and_every_control_is_reachable_by_keyboard_with_a_name()
    {
        var flowId = await _app.CreateTutorialFlowAsync("Layout");
        await _app.PostAsync($"/hook/{flowId}", """{"petname": "Gromit", "petstatus": "sold"}""");
        foreach (var width in new[] { 1280, 400 })
        {
            var page = await _app.PageAsync(width, 800);
            foreach (var (route, name) in new[] { ("", "dashboard"), ($"#/flows/{flowId}", "flow"), ("#/designer", "designer") })
            {
                // A fresh document each time, so that Tab starts from its top.
                await page.GotoAsync("about:blank");
                await page.GotoAsync($"{_app.BaseUrl}/dashboard/{route}");
                await page.Locator("main h1").First.WaitForAsync();
                if (name == "flow")
                {
                    await Expect(page.Locator("table.executions tbody .badge.succeeded")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
                }
                else if (name == "designer")
                {
                    await Expect(Button(page, "Choose Webhook")).ToBeVisibleAsync();
                }

                var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
                overflow.Should().BeLessThanOrEqualTo(0, $"the {name} page fits {width} px without scrolling sideways");
                await DashboardApp.ScreenshotAsync(page, $"{name}-{width}");

                // Every control has an accessible name and is reached by Tab.
                var unnamed = await page.EvaluateAsync<string[]>("""
                    () => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
                      .filter(el => el.offsetParent !== null && el.tabIndex >= 0)
                      .filter(el => {
                        const label = el.getAttribute('aria-label') || (el.labels && [...el.labels].map(l => l.textContent).join(' ')) || el.textContent;
                        return !label || !label.trim();
                      })
                      .map(el => el.outerHTML.slice(0, 80))
                    """);
                unnamed.Should().BeEmpty($"every control of the {name} page at {width} px has a name");
                var count = await page.EvaluateAsync<int>("""
                    () => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
                      .filter(el => el.offsetParent !== null && el.tabIndex >= 0 && !el.disabled)
                      .map((el, i) => { el.dataset.focusIndex = String(i); return el; }).length
                    """);
                await page.EvaluateAsync("() => { document.activeElement && document.activeElement.blur(); window.__seen = new Set(); document.addEventListener('focusin', e => { if (e.target.dataset && e.target.dataset.focusIndex) window.__seen.add(e.target.dataset.focusIndex); }); }");
                for (var i = 0; i < (count * 6) + 20; i++) // a datetime-local input takes a Tab per part
                {
                    await page.Keyboard.PressAsync("Tab");
                }

                var missed = await page.EvaluateAsync<string[]>(
                    "() => [...document.querySelectorAll('[data-focus-index]')].filter(el => !window.__seen.has(el.dataset.focusIndex)).map(el => el.outerHTML.slice(0, 80))");
                missed.Should().BeEmpty($"Tab reaches every one of the {count} controls of the {name} page at {width} px");
            }

            await page.CloseAsync();
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task A_refresh_with_new_executions_keeps_the_keyboard_focus_and_the_open_details()
    {
        var flowId = await _app.CreateTutorialFlowAsync("Focus kept");
        var page = await _app.PageAsync();

        // The dashboard: Tab to the flow's link, then an execution arrives and the dashboard shows it.
        await page.GotoAsync($"{_app.BaseUrl}/dashboard/");
        var row = page.Locator($"tr[data-flow='{flowId}']");
        await Expect(row).ToContainTextAsync("none");
        await TabToAsync(page, $"tr[data-flow='{flowId}'] a");
        await page.EvaluateAsync("() => { window.__focused = document.activeElement; }");
        await _app.PostAsync($"/hook/{flowId}", """{"petname": "Gromit", "petstatus": "sold"}""");
        await Expect(row).ToContainTextAsync("1 succeeded", new() { Timeout = 30_000 });
        (await page.EvaluateAsync<bool>("() => document.activeElement === window.__focused && window.__focused.isConnected"))
            .Should().BeTrue("the dashboard's refresh keeps the focus on the link the keyboard user is on");

        // The run log: Tab to the execution's link, open a refused delivery's headers; another execution arrives.
        await _app.PostAsync($"/hook/{flowId}", "petname=Gromit", "text/plain", expectedStatus: 415);
        await page.GotoAsync($"{_app.BaseUrl}/dashboard/#/flows/{flowId}");
        var rows = page.Locator("table.executions tbody tr");
        await Expect(rows).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(page.Locator("table.refused")).ToContainTextAsync("415");
        await page.Locator("table.refused summary").First.ClickAsync();
        await TabToAsync(page, "table.executions tbody tr a");
        await page.EvaluateAsync("() => { window.__focused = document.activeElement; }");
        await _app.PostAsync($"/hook/{flowId}", """{"petname": "Wallace", "petstatus": "available"}""");
        await Expect(rows).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Expect(page.Locator("table.executions tbody .badge.succeeded")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        (await page.EvaluateAsync<bool>("() => document.activeElement === window.__focused && window.__focused.isConnected"))
            .Should().BeTrue("the run log's refresh keeps the focus on the execution link the keyboard user is on");
        (await page.EvaluateAsync<bool>("() => document.querySelector('table.refused details').open"))
            .Should().BeTrue("an opened details element stays open across refreshes");
        await Expect(page.Locator("table.refused dl.headers dt").First).ToBeVisibleAsync();
        await Expect(page.Locator("table.refused dl.headers")).Not.ToContainTextAsync("[object");

        // Tab goes on from the focused link to the next control, not from the top of the page.
        await page.Keyboard.PressAsync("Tab");
        (await page.EvaluateAsync<bool>("() => window.__focused !== document.activeElement && document.getElementById('main').contains(document.activeElement)"))
            .Should().BeTrue("Tab continues inside the page from the kept focus");
        await DashboardApp.ScreenshotAsync(page, "run-log-after-refresh");
        await page.CloseAsync();
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Sign_out_in_the_header_ends_the_session_and_returns_to_the_sign_in_page()
    {
        var page = await _app.PageAsync();
        try
        {
            await page.GotoAsync($"{_app.BaseUrl}/dashboard/");
            await page.GetByRole(AriaRole.Heading, new() { Name = "Flows", Exact = true }).WaitForAsync();
            var request = page.WaitForRequestAsync(r => r.Url.EndsWith("/signout", StringComparison.Ordinal) && r.Method == "POST");
            await DashboardApp.ScreenshotAsync(page, "header-sign-out");
            await Button(page, "Sign out").ClickAsync();
            (await (await request).HeaderValueAsync("X-Flows-Request")).Should().Be("dashboard");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin"));
            await Expect(page.GetByLabel("Management key")).ToBeVisibleAsync();

            // The cookie is gone: the dashboard sends the browser back to the sign-in page.
            await page.GotoAsync($"{_app.BaseUrl}/dashboard/");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin"));
            await Expect(page.GetByLabel("Management key")).ToBeVisibleAsync();
        }
        finally
        {
            await page.CloseAsync();
            await _app.SignInAsync();
        }
    }

    /// <summary>Presses Tab until the focused element matches <paramref name="selector"/> (at most 80 times).</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 80; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement !== null && document.activeElement.matches(s)", selector))
            {
                return;
            }
        }

        Assert.Fail($"Tab never reached {selector}");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
