package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code dns.use-system-hosts} (on by default) on the packaged Turnout: with its DNS on, a name in the
 * system's hosts file kept its address nowhere in Turnout (its DNS and its own lookups asked the nameservers, so a
 * NAS or a development name written in {@code /etc/hosts} failed through the proxy port). Here the namespace's
 * hosts file ({@code ip netns exec} puts it over {@code /etc/hosts}) names the web server, and the only nameserver
 * is an address nobody serves.
 */
class SystemHostsIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tsyshosts", "curl", "dig");

    Path dir;
    Netns ns;
    Path log;

    @BeforeEach
    void start() throws Exception {
        dir = scratch.dir();
        ns = scratch.ns();
        ns.hosts(Map.of("nas.test", "127.0.0.1"));
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        log = dir.resolve("turnout.log");
    }

    private Launched turnout(String dnsExtra) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "log-level: info", "dns:", "  enable: true",
                "  listen: 127.0.0.1:1053", "  nameserver: [203.0.113.53]", dnsExtra, "rules:", "  - MATCH,DIRECT", ""));
        Files.deleteIfExists(log);
        return Launched.start(ns, config, log, 7890);
    }

    private Netns.Result dig(String name) throws Exception {
        return ns.run(Duration.ofSeconds(20), "dig", "+short", "+time=2", "+tries=1", "-p", "1053", "@127.0.0.1", name);
    }

    private Netns.Result get(String name) throws Exception {
        return ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                "%{http_code}", "-x", "http://127.0.0.1:7890", "http://" + name + ":8080/x");
    }

    @Test
    void namesInTheSystemsHostsFileKeepTheirAddressesUnlessTheConfigSaysOtherwise() throws Exception {
        try (Launched turnout = turnout("")) {
            assertEquals("127.0.0.1", dig("nas.test").stdout().trim(), turnout::log);
            assertEquals("200", get("nas.test").stdout(), turnout::log);

            // An edit is read again (checked every 5 s), as Go's resolver in mihomo does.
            ns.hosts(Map.of("nas.test", "127.0.0.1", "dev.test", "127.0.0.1"));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            String added = "";
            while (System.nanoTime() < deadline && !(added = dig("dev.test").stdout().trim()).equals("127.0.0.1")) {
                Thread.sleep(500);
            }
            assertEquals("127.0.0.1", added, "the name added to the file");
        }
        try (Launched without = turnout("  use-system-hosts: false")) {
            assertEquals("", dig("nas.test").stdout().trim(), "the nameserver alone, which nobody serves");
            assertNotEquals("200", get("nas.test").stdout(), without::log);
        }
    }
}
