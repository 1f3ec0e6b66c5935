package dev.turnout.host.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** proxy-providers as written: every key read, mistakes named by line and column. */
class ProxyProviderConfigTest {

    private static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "c.yaml", null, Path.of("/home/u/.config/turnout"));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        Config c = parse(String.join("\n",
                "proxy-providers:",
                "  sub:",
                "    type: http",
                "    url: https://sub.example/api?token=x",
                "    interval: 3600",
                "    proxy: DIRECT",
                "    size-limit: 10240",
                "    header: {User-Agent: [Clash/v1.18.0, mihomo/1.18.3], Authorization: token 1}",
                "    health-check: {enable: true, url: 'https://cp.cloudflare.com/generate_204', interval: 600,"
                        + " timeout: 3000, lazy: false, expected-status: 204}",
                "    filter: 'HK|JP'",
                "    exclude-filter: '0\\.1x'",
                "    exclude-type: 'vmess|Shadowsocks'",
                "    override: {additional-prefix: '[s] ', additional-suffix: ' !', udp: true, skip-cert-verify: true,"
                        + " dialer-proxy: DIRECT, down: '50 Mbps'}",
                ""));
        ProxyProviderEntry p = c.proxyProviders().get("sub");
        assertEquals(Path.of("/home/u/.config/turnout/proxies/" + ConfigLoader.md5("https://sub.example/api?token=x")),
                p.path());
        assertEquals(3600, p.intervalSeconds());
        assertEquals("DIRECT", p.proxy());
        assertEquals(10240, p.sizeLimit());
        assertEquals(List.of("Clash/v1.18.0", "mihomo/1.18.3"), p.headers().get("User-Agent"));
        assertEquals(List.of("token 1"), p.headers().get("Authorization"));
        assertEquals(new ProxyProviderEntry.HealthCheck(true, "https://cp.cloudflare.com/generate_204", 600, 3000, false,
                p.healthCheck().expectedStatus()), p.healthCheck());
        assertTrue(p.healthCheck().expectedStatus().accepts(204) && !p.healthCheck().expectedStatus().accepts(200));
        assertTrue(p.filter().matches("HK 01") && !p.filter().matches("US 01"));
        assertTrue(p.excludeFilter().matches("JP 0.1x"));
        assertEquals(List.of("vmess", "Shadowsocks"), p.excludeTypes());
        assertEquals("[s] ", p.override().prefix());
        assertEquals(" !", p.override().suffix());
        assertEquals(Map.of("udp", true, "skip-cert-verify", true, "dialer-proxy", "DIRECT", "down", "50 Mbps"),
                p.override().options());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void mistakesAreNamedWhereTheyWereWritten() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(String.join("\n",
                "proxy-providers:",
                "  a: {type: http}",
                "  b: {type: ftp, url: 'ftp://x'}",
                "  c: {type: file}",
                "  d: {type: http, url: 'http://192.0.2.80/d', path: ../../../../etc/cron.d/x}",
                "proxy-groups:",
                "  - {name: G, type: select, use: [a, nope]}",
                "")));
        String all = e.getMessage();
        assertTrue(!all.contains("'a'"), "an http provider without a url is accepted with a warning, as in mihomo: "
                + all);
        assertTrue(all.contains("c.yaml:3:13: proxy provider 'b': type must be http, file or inline"), all);
        assertTrue(all.contains("c.yaml:4:6: file proxy provider 'c' needs a 'path'"), all);
        assertTrue(all.contains("c.yaml:7:5: group 'G' uses 'nope', which is not in 'proxy-providers'"), all);
        assertTrue(!all.contains("uses 'a'"), "a provider with a mistake is still a provider: " + all);
        assertTrue(all.contains("c.yaml:5:53: proxy provider 'd': path /etc/cron.d/x is outside the home folder"), all);
    }

    @Test
    void aPlaceholderUrlIsAcceptedWithAWarningAsExampleConfigsShipOne() throws Exception {
        Config c = parse("proxy-providers:\n  CNIX:\n    type: http\n    url: \"replace with your subscription link\"\n"
                + "    path: ./cnix.yaml\n");
        assertEquals(1, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).startsWith("c.yaml:4:10: 'url' of proxy provider 'CNIX' is not an http://"),
                c.warnings().toString());
        // Downloading it fails as a download fails (the provider stays empty), not with an unchecked exception.
        var client = new dev.turnout.host.provider.SubscriptionClient(null);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> client.get(
                c.proxyProviders().get("CNIX").url(), Map.of(), 100, null, null));
        assertTrue(e.getMessage().contains("not a URL"), e.getMessage());
        // AIsouler/MyClash and HenryChiao/MIHOMO_AIO ship url: '' (mihomo takes it; its download fails).
        Config empty = parse("proxy-providers:\n  s1: {type: http, url: '', path: ./s1.yaml}\n"
                + "rule-providers:\n  r: {type: http, behavior: domain}\n");
        assertEquals(List.of("c.yaml:4:6: 'url' of rule provider 'r' is empty; it cannot be downloaded, and the"
                        + " provider is empty until it is one (or its file is there)",
                "c.yaml:2:25: 'url' of proxy provider 's1' is empty; it cannot be downloaded, and the provider is"
                        + " empty until it is one (or its file is there)"), empty.warnings());
    }

    @Test
    void aProvidersOwnDialerProxyIsEveryNodesUnlessOverrideGivesOne() throws Exception {
        // mihomo's documented config: proxy-providers: {provider1: {..., dialer-proxy: proxy}}.
        Config c = parse("proxy-providers:\n  a: {type: file, path: a.yaml, dialer-proxy: hop}\n"
                + "  b: {type: file, path: b.yaml, dialer-proxy: hop, override: {dialer-proxy: other}}\n");
        assertEquals("hop", c.proxyProviders().get("a").override().options().get("dialer-proxy"));
        assertEquals("other", c.proxyProviders().get("b").override().options().get("dialer-proxy"));
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void aFileProvidersPathMayLieAnywhereAsOnlyADownloadWritesToIt() throws Exception {
        // Hackl0us/SS-Rule-Snippet's Clash Premium config reads path: /test.yaml; mihomo checks an http one's path only.
        Config c = parse("proxy-providers:\n  test: {type: file, path: /test.yaml}\n");
        assertEquals(java.nio.file.Path.of("/test.yaml"), c.proxyProviders().get("test").path());
    }

    @Test
    void keysTurnoutDoesNotReadAreWarnings() throws Exception {
        Config c = parse("proxy-providers:\n  p:\n    type: file\n    path: p.yaml\n    vehicle: x\n"
                + "    override: {mptcp: true}\n");
        assertEquals(2, c.warnings().size(), c.warnings().toString());
        assertTrue(c.warnings().get(0).startsWith("c.yaml:5:5: unknown key 'vehicle'"), c.warnings().toString());
        assertTrue(c.warnings().get(1).contains("'mptcp' in 'override' of proxy provider 'p' is not supported"),
                c.warnings().toString());
    }
}
