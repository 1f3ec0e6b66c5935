package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A laptop that starts offline: a namespace with loopback only, a subscription that cannot be fetched. Its
 * provider is retried while it is due, each retry a reload; what the config says was said again at every one
 * (a real config offline: 635 lines a minute).
 */
class OfflineStartIT {

    Path dir;
    Netns ns;

    @BeforeEach
    void start() throws Exception {
        Netns.assumeUsable("curl");
        dir = ScratchDir.create("toffline");
        ns = Netns.create("toffline");
    }

    @AfterEach
    void stop() throws Exception {
        Netns.closeAll(ns);
        ScratchDir.delete(dir);
    }

    @Test
    void retriesOfAnUnfetchedSubscriptionDoNotRepeatTheConfigsWarningsAndItsRefusedFlowsAreRouted() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "an-unknown-key: 1", "log-level: debug",
                "external-controller: 127.0.0.1:9090",
                "proxy-providers:", "  sub: {type: http, url: 'http://127.0.0.1:9/sub', interval: 2}",
                "proxy-groups:", "  - {name: PROXY, type: select, use: [sub]}",
                "rules:", "  - MATCH,PROXY", ""));
        Path log = dir.resolve("turnout.log");
        ns.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "run", "-c",
                config.toString());
        ns.awaitTcpPort(7890, Duration.ofSeconds(30));
        Netns.Result refused = ns.run(Duration.ofSeconds(20), "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "10", "-x", "http://127.0.0.1:7890", "http://example.test/");
        assertEquals("502", refused.stdout(), () -> refused.stderr() + MixedPortIT.read(log));
        Netns.Result group = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                "http://127.0.0.1:9090/proxies/PROXY");
        assertTrue(group.stdout().contains("\"now\":\"\""), "a string, never null, for dashboards: " + group.stdout());
        // Its routing line, as every flow's, though the group has no member to name: it said only "failed".
        assertTrue(MixedPortIT.read(log).contains("--> example.test:80 match MATCH using PROXY\n"),
                () -> MixedPortIT.read(log));
        // Each retry is a download that fails again: said at warn the first time, at debug after (nothing changed, so
        // nothing is reloaded and the config's warnings are not said again).
        String failed = "proxy provider 'sub' could not be updated";
        for (int i = 0; i < 150 && count(MixedPortIT.read(log), failed) < 3; i++) {
            Thread.sleep(100);
        }
        String text = MixedPortIT.read(log);
        assertTrue(count(text, failed) >= 3, "no retries:\n" + text);
        assertEquals(1, count(text, "WARN  Reloader " + failed), "said once at warn:\n" + text);
        assertEquals(1, count(text, "an-unknown-key"), "said once, not at each retry:\n" + text);
    }

    /**
     * A dashboard switches to another profile (Clash Verge's {@code PUT /configs} with a path) while offline: its
     * subscription cannot be fetched then, and is once the network is back, as one of the start's would be. Before,
     * only the start's providers were ever refreshed, so this one stayed empty until a restart.
     */
    @Test
    void aSubscriptionOfAProfileSwitchedToOfflineArrivesOnceItsServerAnswers() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "external-controller: 127.0.0.1:9090",
                "rules:", "  - MATCH,DIRECT", ""));
        Path log = dir.resolve("turnout.log");
        ns.spawn(log, Path.of(System.getProperty("turnout.dist")).resolve("bin/turnout").toString(), "run", "-c",
                config.toString());
        ns.awaitTcpPort(9090, Duration.ofSeconds(30));
        Path profile = dir.resolve("profile.yaml");
        Files.writeString(profile, String.join("\n", "mixed-port: 7890", "external-controller: 127.0.0.1:9090",
                "proxy-providers:", "  sub: {type: http, url: 'http://127.0.0.1:8000/sub.yaml', interval: 5,"
                        + " path: ./sub-copy.yaml}",
                "proxy-groups:", "  - {name: PROXY, type: select, use: [sub]}",
                "rules:", "  - MATCH,PROXY", ""));
        Netns.Result put = ns.run(Duration.ofSeconds(30), "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "20", "-X", "PUT", "http://127.0.0.1:9090/configs?force=true", "-d",
                "{\"path\":\"" + profile + "\"}");
        assertEquals("204", put.stdout(), () -> put.stderr() + MixedPortIT.read(log));
        assertTrue(MixedPortIT.read(log).contains("proxy provider 'sub' could not be updated"), () -> MixedPortIT.read(log));

        Path served = Files.createDirectories(dir.resolve("served"));
        Files.writeString(served.resolve("sub.yaml"), "proxies:\n  - {name: n1, type: socks5, server: 127.0.0.1,"
                + " port: 1080}\n");
        ns.spawn(dir.resolve("server.log"), "python3", "-m", "http.server", "8000", "--bind", "127.0.0.1",
                "--directory", served.toString());
        ns.awaitTcpPort(8000, Duration.ofSeconds(20));
        String all = "";
        for (int i = 0; i < 300 && !all.contains("\"all\":[\"n1\"]"); i++) {
            Thread.sleep(100);
            all = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10",
                    "http://127.0.0.1:9090/proxies/PROXY").stdout();
        }
        String last = all;
        assertTrue(all.contains("\"all\":[\"n1\"]"), () -> "within 30 s: " + last + "\n" + MixedPortIT.read(log));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }
}
