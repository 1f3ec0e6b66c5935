package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.WebBehindRouter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code type: dns} outbound on the packaged Turnout (a config with one was refused: unknown outbound
 * type): with no {@code dns-hijack}, a rule {@code DST-PORT,53,dns-out} has the TUN's queries, UDP and TCP,
 * answered by Turnout's fake-IP DNS whatever server they were sent to, and the names then reach their servers.
 */
class DnsOutboundIT {

    static final String CLIENT = WebBehindRouter.CLIENT;
    static final String NOBODY = WebBehindRouter.NOBODY;
    static final String DNS = WebBehindRouter.DNS;

    @RegisterExtension
    final WebBehindRouter net = new WebBehindRouter("tdnsout", "dig");

    Path dir;
    Netns client;

    @BeforeEach
    void start() {
        dir = net.dir();
        client = net.client();
    }

    private Netns.Result dig(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("dig", "+short", "+time=2", "+tries=1"));
        cmd.addAll(List.of(args));
        return client.run(Duration.ofSeconds(20), cmd.toArray(String[]::new));
    }

    @Test
    void queriesRoutedToADnsOutboundAreAnsweredByTurnoutsDnsOverUdpAndTcp() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "log-level: info", "tun:", "  enable: true", "  device: tdnsout0",
                "  auto-route: true", "  auto-detect-interface: true", "  dns-hijack: []",
                "  state-file: " + dir.resolve("routes.state"), "dns:", "  enable: true", "  enhanced-mode: fake-ip",
                "  fake-ip-range: 198.18.0.1/16", "  nameserver: [" + DNS + "]", "proxies:",
                "  - {name: dns-out, type: dns}", "rules:", "  - DST-PORT,53,dns-out", "  - MATCH,DIRECT", ""));
        Path log = dir.resolve("turnout.log");
        client.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "run", "-c",
                config.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !MixedPortIT.read(log).contains("running on")) {
            Thread.sleep(100);
        }
        assertTrue(MixedPortIT.read(log).contains("running on"), () -> MixedPortIT.read(log));

        Netns.Result udp = dig("@" + NOBODY, "web.example.test", "A");
        assertEquals(0, udp.exitCode(), () -> udp.stdout() + udp.stderr() + MixedPortIT.read(log));
        String fake = udp.stdout().trim();
        assertTrue(fake.startsWith("198.18."), () -> "a fake address: " + fake + "\n" + MixedPortIT.read(log));
        Netns.Result tcp = dig("+tcp", "@" + NOBODY, "web.example.test", "A");
        assertEquals(fake, tcp.stdout().trim(), () -> "the same name, the same address over TCP: " + tcp.stdout()
                + tcp.stderr() + MixedPortIT.read(log));
        String routing = MixedPortIT.read(log);
        assertTrue(routing.matches("(?s).*\\[UDP\\] [0-9.:]+ --> " + NOBODY + ":53 match DST-PORT,53 using dns-out.*"),
                routing);
        assertTrue(routing.matches("(?s).*\\[TCP\\] [0-9.:]+ --> " + NOBODY + ":53 match DST-PORT,53 using dns-out.*"),
                routing);

        Netns.Result web = client.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                "http://web.example.test:8080/x");
        assertEquals("hello /x from " + CLIENT + "\n", web.stdout(), () -> web.stderr() + MixedPortIT.read(log));

        Netns.Result elsewhere = dig("-p", "5353", "@" + NOBODY, "web.example.test", "A");
        assertNotEquals(0, elsewhere.exitCode(), () -> "port 5353 goes DIRECT, where nobody answers: "
                + elsewhere.stdout());
    }
}
