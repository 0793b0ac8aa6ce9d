using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Syslogintr.Hosting;
using Syslogintr.Http;
using Syslogintr.Tests.Alerts.Mail;
using Syslogintr.Tests.Support;

namespace Syslogintr.Tests.Http;

/// <summary>The status endpoint of a whole node, over real HTTP on loopback.</summary>
public sealed class HttpEndpointTests
{
    private const string Enabled = """syslogintr.http { enabled = true, bind = "127.0.0.1:0" }""";

    [Fact]
    public async Task Metrics_scraped_over_http_parse_as_prometheus_text_and_count_what_each_node_was_sent()
    {
        var folder = TempFolder.Create();
        try
        {
            var script = Path.Combine(folder, "count.lua");
            await File.WriteAllTextAsync(script, "n = 0\nfunction log(msg) n = n + 1 end\n");
            var withRule = $$"""
                {{Enabled}}
                syslogintr.rules.counter { script = "{{script}}" }
                """;
            // Two nodes in one process, each with a meter named "Syslogintr": each must show its own counts only.
            await using var first = await TestNode.StartAsync(withRule);
            await using var second = await TestNode.StartAsync(withRule);
            await SendAsync(first, 25);
            await SendAsync(second, 7);

            foreach (var (node, sent) in new[] { (first, 25), (second, 7) })
            {
                using var http = Client(node);
                var text = await http.GetStringAsync("/metrics");
                var samples = await PrometheusText.ParseAsync(text);

                Assert.Equal(sent, Value(samples, "syslogintr_listener_received", "counter", ("listener", "udp")));
                Assert.Equal(0, Value(samples, "syslogintr_listener_dropped", "counter", ("listener", "udp")));
                Assert.Equal(0, Assert.Single(samples, s => s.Family == "syslogintr_pipeline_queue_depth" && s.Type == "gauge").Value);
                Assert.Equal(sent, Value(samples, "syslogintr_consumer_delivered", "counter", ("consumer", "sink:messages")));
                Assert.Equal(sent, Value(samples, "syslogintr_rule_messages", "counter", ("rule", "counter")));
                var histogram = samples.Where(s => s.Family == "syslogintr_rule_log_duration_seconds" && s.Type == "histogram" && s.Labels.GetValueOrDefault("rule") == "counter").ToList();
                Assert.Equal(sent, histogram.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value);
                Assert.Equal(sent, histogram.Single(s => s.Labels.GetValueOrDefault("le") == "+Inf").Value);
                // Seconds buckets, not OpenTelemetry's millisecond defaults: an empty Lua call takes well under 10 ms.
                Assert.True(histogram.Single(s => s.Labels.GetValueOrDefault("le") == "0.01").Value > 0, text);
            }
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Metrics_count_alerts_active_sent_and_held_back_mails_failed_queued_and_sent_and_rule_aborts()
    {
        var folder = TempFolder.Create();
        try
        {
            // Alerts keyed by the message's first letter; "loop" never returns (stopped by the instruction budget).
            var script = Path.Combine(folder, "alerter.lua");
            await File.WriteAllTextAsync(script, """
                function log(msg)
                  if msg.msg == 'loop' then while true do end end
                  local key = msg.msg:sub(1, 1)
                  alert { key = key, subject = 'bad ' .. key }
                end
                """);
            // The mail server is down at first (nothing listens on its port yet).
            var smtpPort = TestSmtpServer.FreeTcpPort();
            await using var node = await TestNode.StartAsync($$"""
                {{Enabled}}
                syslogintr {
                  rules.alerter { script = "{{script}}", match.program = [app] }
                  alerts { group-window = 0s, max-per-hour = 1, state-file = "{{folder}}/alerts.json" }
                  mail {
                    smtp { host = "127.0.0.1", port = {{smtpPort}}, timeout = 1s, keep-alive = 0s }
                    outbox = "{{folder}}/outbox"
                    retry { min-backoff = 100ms, max-backoff = 200ms, breaker-failures = 1000 }
                  }
                }
                """);
            using var http = Client(node);

            await SendTextsAsync(node, "a1");
            var samples = await ScrapeUntilAsync(http, s => Value(s, "syslogintr_mail_failed") >= 1);
            Assert.Equal(1, Value(samples, "syslogintr_alert_active", "gauge"));
            Assert.Equal(1, Value(samples, "syslogintr_alert_sent", "counter"));
            Assert.Equal(1, Value(samples, "syslogintr_mail_queued", "gauge"));
            Assert.Equal(0, Value(samples, "syslogintr_mail_sent", "counter"));

            // The same alert raised again: folded into the active one, no mail.
            await SendTextsAsync(node, "a2", "a3");
            samples = await ScrapeUntilAsync(http, s => Value(s, "syslogintr_alert_held_back", "counter", ("reason", "duplicate")) == 2);
            Assert.Equal(1, Value(samples, "syslogintr_alert_sent", "counter"));

            using (var server = new TestSmtpServer(smtpPort))
            {
                samples = await ScrapeUntilAsync(http, s => Value(s, "syslogintr_mail_sent") == 1);
                Assert.EndsWith(": bad a", Assert.Single(server.Accepted).Subject, StringComparison.Ordinal);
            }

            var failed = Value(samples, "syslogintr_mail_failed", "counter");
            Assert.Equal(0, Value(samples, "syslogintr_mail_queued", "gauge"));
            Assert.Equal(0, Value(samples, "syslogintr_mail_rejected", "counter"));

            // A second alert within the hour: max-per-hour = 1 holds its notice back.
            await SendTextsAsync(node, "b1", "loop");
            samples = await ScrapeUntilAsync(http, s => Value(s, "syslogintr_alert_held_back", "counter", ("reason", "rate_limited")) == 1
                && Value(s, "syslogintr_rule_aborts", "counter", ("rule", "alerter")) == 1);
            Assert.Equal(2, Value(samples, "syslogintr_alert_active", "gauge"));
            Assert.Equal(1, Value(samples, "syslogintr_alert_sent", "counter"));
            Assert.Equal(1, Value(samples, "syslogintr_mail_sent", "counter"));
            Assert.Equal(failed, Value(samples, "syslogintr_mail_failed", "counter"));
            Assert.Equal(1, Value(samples, "syslogintr_rule_errors", "counter", ("rule", "alerter")));
            Assert.Equal(5, Value(samples, "syslogintr_rule_messages", "counter", ("rule", "alerter")));
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task Api_status_shows_listeners_rules_probes_alerts_bans_and_the_outbox()
    {
        var folder = TempFolder.Create();
        try
        {
            var script = Path.Combine(folder, "banner.lua");
            await File.WriteAllTextAsync(script, "function log(msg) ban { ip = '192.0.2.7', seconds = 3600, reason = 'seen ' .. msg.msg } end\n");
            var pidFile = Path.Combine(folder, "named.pid");
            await File.WriteAllTextAsync(pidFile, "99999\n"); // above pid_max: no such process
            await using var node = await TestNode.StartAsync($$"""
                {{Enabled}}
                syslogintr {
                  rules.banner { script = "{{script}}", match.program = [app] }
                  probes.named { kind = pidfile, path = "{{pidFile}}", every = 1h, timeout = 1s, jitter = 0s }
                  alerts { group-window = 0s, state-file = "{{folder}}/alerts.json" }
                  ban.state-file = "{{folder}}/bans.json"
                  mail {
                    smtp { host = "127.0.0.1", port = {{TestNode.FreePort()}}, timeout = 1s }
                    outbox = "{{folder}}/outbox"
                  }
                }
                """);
            await SendAsync(node, 3);
            using var http = Client(node);

            JsonElement status = default;
            for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(100))
            {
                status = JsonDocument.Parse(await http.GetStringAsync("/api/status")).RootElement;
                if (status.GetProperty("bans").GetArrayLength() > 0 && status.GetProperty("alerts").GetArrayLength() > 0
                    && status.GetProperty("outbox").GetArrayLength() > 0)
                {
                    break;
                }
            }

            Assert.True(status.GetProperty("ready").GetBoolean());
            Assert.Empty(status.GetProperty("unavailable").EnumerateArray());
            var udp = Single(status, "listeners", "udp");
            Assert.True(udp.GetProperty("bound").GetBoolean());
            Assert.Equal(3, udp.GetProperty("received").GetInt64());
            Assert.Equal(0, udp.GetProperty("dropped").GetInt64());
            // What the probe injected is counted as from "probes", which has no socket to be bound or down.
            Assert.Equal(JsonValueKind.Null, Single(status, "listeners", "probes").GetProperty("bound").ValueKind);
            var rule = Single(status, "rules", "banner");
            Assert.Equal(3, rule.GetProperty("calls").GetInt64());
            Assert.Equal(0, rule.GetProperty("errors").GetInt64());
            // The probe's result is a message too: the file has every message the sink was handed.
            Assert.Equal(node.ReadLines().Count, Single(status, "consumers", "sink:messages").GetProperty("delivered").GetInt64());
            var probe = Single(status, "probes", "named");
            Assert.False(probe.GetProperty("up").GetBoolean());
            Assert.Contains("99999", probe.GetProperty("detail").GetString());
            var ban = Assert.Single(status.GetProperty("bans").EnumerateArray());
            Assert.Equal("192.0.2.7", ban.GetProperty("address").GetString());
            Assert.Equal("banner", ban.GetProperty("rule").GetString());
            Assert.InRange(ban.GetProperty("until").GetDateTimeOffset() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
            var alert = Assert.Single(status.GetProperty("alerts").EnumerateArray());
            Assert.Equal("named is down", alert.GetProperty("subject").GetString());
            // The mail server does not answer: the alert's mail waits in the outbox.
            Assert.Contains(status.GetProperty("outbox").EnumerateArray(), m => m.GetString()!.Contains("named is down", StringComparison.Ordinal));

            // The same state in the metrics.
            var samples = await PrometheusText.ParseAsync(await http.GetStringAsync("/metrics"));
            Assert.Equal(0, Value(samples, "syslogintr_probe_up", "gauge", ("probe", "named")));
            Assert.InRange(Value(samples, "syslogintr_probe_duration_seconds", "gauge", ("probe", "named")), 0, 1);
            Assert.Equal(1, Assert.Single(samples, s => s.Family == "syslogintr_ban_active").Value);
        }
        finally
        {
            TempFolder.Delete(folder);
        }
    }

    [Fact]
    public async Task A_stop_while_the_endpoint_starts_is_not_a_failure_to_start()
    {
        await using var node = await TestNode.StartAsync();
        var services = new ServiceCollection().AddSingleton(node.System).AddSingleton(ActorRegistry.For(node.System)).BuildServiceProvider();
        var endpoint = new HttpEndpoint(
            new HttpSettings(true, new IPEndPoint(IPAddress.Loopback, 0), null, null),
            node.Services,
            services,
            new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance),
            NullLogger<HttpEndpoint>.Instance);
        await using (endpoint)
        {
            await endpoint.StartAsync(new CancellationToken(canceled: true));
            Assert.Null(endpoint.Address);
        }
    }

    [Fact]
    public async Task Healthz_is_ok_while_listeners_are_bound_and_the_router_answers_and_503_without_the_router()
    {
        await using var node = await TestNode.StartAsync(Enabled);
        using var http = Client(node);
        var healthy = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        var router = ActorRegistry.For(node.System).Get<RouterKey>();
        await router.GracefulStop(TimeSpan.FromSeconds(5));
        var unhealthy = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unhealthy.StatusCode);
        Assert.Contains("router", await unhealthy.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Basic_auth_refuses_every_path_without_the_right_credentials()
    {
        var variable = $"SYSLOGINTR_TEST_HTTP_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "s3cret");
        try
        {
            await using var node = await TestNode.StartAsync($$"""syslogintr.http { enabled = true, bind = "127.0.0.1:0", user = ops, password-env = {{variable}} }""");
            using var http = Client(node);
            foreach (var path in new[] { "/", "/metrics", "/api/status", "/healthz", "/readyz" })
            {
                var anonymous = await http.GetAsync(path);
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
                Assert.Equal(HttpStatusCode.Unauthorized, (await Get(http, path, "ops:wrong")).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await Get(http, path, "ops:s3cret")).StatusCode);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void The_default_is_on_and_bound_to_loopback_only()
    {
        var settings = HttpSettings.From(new SettingsReader(Config.Empty));
        Assert.True(settings.Enabled);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 9514), settings.Bind);
        Assert.Null(settings.User);
    }

    [Fact]
    public void A_password_written_in_the_configuration_or_a_user_without_one_stops_the_node_at_start()
    {
        Assert.Throws<StartupException>(() => HttpSettings.From(new SettingsReader(ConfigurationFactory.ParseString("""syslogintr.http { user = ops, password = x }"""))));
        Assert.Throws<StartupException>(() => HttpSettings.From(new SettingsReader(ConfigurationFactory.ParseString("""syslogintr.http.user = ops"""))));
        Assert.Throws<SettingsException>(() => HttpSettings.From(new SettingsReader(ConfigurationFactory.ParseString("""syslogintr.http.bind = "localhost:9514" """))));
    }

    [Fact]
    public async Task The_status_page_is_self_contained_and_reads_api_status()
    {
        await using var node = await TestNode.StartAsync(Enabled);
        using var http = Client(node);
        var page = await http.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("fetch(\"api/status\"", html);
        Assert.Contains("name=\"viewport\"", html);
        // No external assets (an air-gapped host): no script, style or image is fetched from anywhere.
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("href=", html);
        Assert.DoesNotContain("@import", html);
    }

    private static HttpClient Client(TestNode node)
    {
        var address = node.Http.Address ?? throw new InvalidOperationException("the node's HTTP endpoint is not listening");
        Assert.True(IPAddress.IsLoopback(address.Address));
        return new HttpClient { BaseAddress = new Uri($"http://{address}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    private static Task<HttpResponseMessage> Get(HttpClient http, string path, string credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return http.SendAsync(request);
    }

    private static async Task SendAsync(TestNode node, int count)
    {
        using var udp = new UdpClient();
        for (var i = 0; i < count; i++)
        {
            var bytes = Encoding.ASCII.GetBytes($"<13>Oct 11 22:14:15 host app: message {i}");
            await udp.SendAsync(bytes, new IPEndPoint(IPAddress.Loopback, node.Port));
        }

        var lines = await node.WaitForLinesAsync(l => l.Count(IsSent) >= count);
        Assert.Equal(count, lines.Count(IsSent));
    }

    private static bool IsSent(string line) => line.Contains("app: message", StringComparison.Ordinal);

    private static double Value(IReadOnlyList<PrometheusSample> samples, string family, string type, (string Key, string Value) label)
    {
        var matching = samples.Where(s => s.Family == family && s.Labels.GetValueOrDefault(label.Key) == label.Value).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} samples of {family}{{{label.Key}=\"{label.Value}\"}} among: {string.Join(", ", samples.Select(s => s.Name).Distinct())}");
        var sample = matching[0];
        Assert.Equal(type, sample.Type);
        return sample.Value;
    }

    /// <summary>The one sample of a family without labels.</summary>
    private static double Value(IReadOnlyList<PrometheusSample> samples, string family, string type)
    {
        var matching = samples.Where(s => s.Family == family).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} samples of {family} among: {string.Join(", ", samples.Select(s => s.Name).Distinct())}");
        Assert.Equal(type, matching[0].Type);
        return matching[0].Value;
    }

    /// <summary>A family's value while waiting for it: NaN while it is missing.</summary>
    private static double Value(IReadOnlyList<PrometheusSample> samples, string family) =>
        samples.FirstOrDefault(s => s.Family == family)?.Value ?? double.NaN;

    /// <summary>Scrapes (and parses) until <paramref name="done"/> holds, for up to 15 s; the last scrape either way.</summary>
    private static async Task<IReadOnlyList<PrometheusSample>> ScrapeUntilAsync(HttpClient http, Func<IReadOnlyList<PrometheusSample>, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var samples = await PrometheusText.ParseAsync(await http.GetStringAsync("/metrics"));
            if (done(samples) || DateTime.UtcNow > deadline)
            {
                return samples;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Messages from program <c>app</c> with these texts, over UDP (not waited for).</summary>
    private static async Task SendTextsAsync(TestNode node, params string[] texts)
    {
        using var udp = new UdpClient();
        foreach (var text in texts)
        {
            await udp.SendAsync(Encoding.ASCII.GetBytes($"<13>Oct 11 22:14:15 host app: {text}"), new IPEndPoint(IPAddress.Loopback, node.Port));
        }
    }

    private static JsonElement Single(JsonElement status, string section, string name) =>
        Assert.Single(status.GetProperty(section).EnumerateArray(), e => e.GetProperty("name").GetString() == name);
}
