package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loyalsoldier's example config (clash-rules' example-config.yaml, which starts with a {@code proxy-providers:}
 * block) with its subscription URL pointed at a local server, as its comment asks the user to do: the provider
 * fills its group and the config carries traffic through the node. Its {@code tun:} and {@code dns:} sections
 * are left out (TUN and a DNS server on port 53 are other tests' subject); everything else is as written, its
 * rule providers' files placed where their paths point.
 */
class LoyalsoldierProvidersIT {

    static final Path SHARED = Path.of(System.getProperty("turnout.repo")).resolve("../shared").normalize();

    @TempDir
    Path home;

    @Test
    @SuppressWarnings("unchecked")
    void theExampleProxyProvidersBlockFillsItsGroupAndCarriesTraffic() throws Exception {
        Path sets = SHARED.resolve("rulesets/loyalsoldier-clash-rules");
        Path example = sets.resolve("example-config.yaml");
        assumeTrue(Files.exists(example), () -> "skipped: ../shared has no " + example);
        Netns.assumeUsable("danted", "curl", "python3");
        String text = Files.readString(example);
        assertTrue(text.startsWith("proxy-providers:\n  CNIX:\n"), "the example starts with its provider");
        text = text.replaceFirst("url: \"[^\"]*\"\n    path: ./cnix.yaml", "url: \"http://127.0.0.1:8070/cnix\"\n    path: ./cnix.yaml");
        text = text.replaceFirst("(?s)\ndns:\n.*?\ntun:\n.*?\n\n", "\n\n");
        assertTrue(!text.contains("\ntun:") && !text.contains("\ndns:") && text.contains("127.0.0.1:8070/cnix"), text);
        Path config = home.resolve("config.yaml");
        Files.writeString(config, text);
        Matcher m = Pattern.compile("url: \"[^\"]*/([^/\"]+)\"\\s+path: (\\S+)").matcher(text);
        while (m.find()) {
            Path to = home.resolve(m.group(2)).normalize();
            Path from = sets.resolve(m.group(1));
            Files.createDirectories(to.getParent());
            if (Files.exists(from)) {
                Files.copy(from, to);
            } else if (!m.group(1).equals("cnix")) {
                Files.writeString(to, "payload: []\n"); // reject.txt is not in ../shared
            }
        }
        Path served = Files.createDirectories(home.resolve("served"));
        Files.writeString(served.resolve("cnix"), "proxies:\n"
                + "  - {name: '香港 01', type: socks5, server: 127.0.0.1, port: 1081}\n"
                + "  - {name: '日本 01', type: http, server: 127.0.0.1, port: 8888}\n");
        Files.writeString(home.resolve("server.py"), ProxyProvidersIT.SERVER);
        try (Netns ns = Netns.create("s13ls")) {
            // a name in the proxy rule set, kept inside the namespace
            ns.hosts(Map.of("1password.drift.click", "127.0.0.1"));
            ns.spawn(home.resolve("subscriptions.log"), "python3", home.resolve("server.py").toString(), "8070",
                    served.toString());
            ns.spawn(home.resolve("target.log"), Daemons.peer("http", "8081"));
            Path d = Files.createDirectories(home.resolve("dante"));
            Daemons.dante(ns, d, 1081, d.resolve("danted.log"));
            ns.awaitTcpPort(8070, Duration.ofSeconds(20));
            ns.awaitTcpPort(8081, Duration.ofSeconds(20));
            try (Launched turnout = Launched.start(ns, config, home.resolve("turnout.log"), 9090)) {
                ns.awaitTcpPort(7890, Duration.ofSeconds(30));
                Api api = new Api(ns, 9090, null);
                assertEquals(List.of("香港 01", "日本 01"), api.get("/proxies/CNIX").object().get("all"), turnout.log());
                assertEquals("CNIX", api.get("/proxies/PROXY").object().get("now"));
                Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "15", "--socks5-hostname",
                        "127.0.0.1:7890", "http://1password.drift.click:8081/loyalsoldier");
                assertEquals(0, r.exitCode(), r.stderr() + turnout.log());
                assertTrue(r.stdout().startsWith("hello /loyalsoldier"), r.stdout());
                String dante = Files.readString(d.resolve("danted.log"));
                assertTrue(dante.contains("1password.drift.click.8081"), dante);
                assertTrue(turnout.log().contains("match RULE-SET,proxy using PROXY"), turnout.log());
                assertTrue(Files.exists(home.resolve("cnix.yaml")), "the subscription is kept where its path says");
            }
        }
    }
}
