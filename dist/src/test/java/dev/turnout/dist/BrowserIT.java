package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.BrowserScript;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Turnout's dashboard in a real browser: headless Chromium driven by playwright-core, inside the test's
 * namespace with Turnout, a dante-server and the servers flows go to. Screenshots go to
 * dist/target/screenshots/.
 */
class BrowserIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int DANTE = 1080;
    static final int HTTP = 8080;
    static final int SILENT = 8099;
    static final String SECRET = "dashboard-secret";

    @TempDir
    Path dir;

    @Test
    void switchesAGroupSeesALiveConnectionAndClosesIt() throws Exception {
        Netns.assumeUsable("danted", "curl", "chromium", "node");
        Path pw = BrowserScript.requirePlaywright();
        Path shots = BrowserScript.screenshots();

        try (Netns ns = Netns.create("tbrw")) {
            ns.hosts(Map.of("browser.test", "127.0.0.1"));
            ns.spawn(dir.resolve("http.log"), Daemons.peer("http", Integer.toString(HTTP)));
            ns.spawn(dir.resolve("silent.log"), Daemons.peer("silent", Integer.toString(SILENT)));
            Daemons.dante(ns, dir, DANTE, dir.resolve("danted.log"));
            ns.awaitTcpPort(HTTP, Duration.ofSeconds(20));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, String.join("\n",
                    "mixed-port: " + MIXED,
                    "external-controller: 127.0.0.1:" + CONTROLLER,
                    "secret: " + SECRET,
                    "proxies:",
                    "  - {name: dante, type: socks5, server: 127.0.0.1, port: " + DANTE + "}",
                    "proxy-groups:",
                    "  - {name: \"🌐 Select\", type: select, proxies: [dante, DIRECT]}",
                    "  - {name: \"⚡ Auto\", type: url-test, proxies: [dante, DIRECT], url: 'http://127.0.0.1:" + HTTP
                            + "/generate_204', interval: 2}",
                    "rules:",
                    "  - DOMAIN,browser.test,🌐 Select",
                    "  - MATCH,⚡ Auto",
                    ""));
            try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER)) {
                ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
                Path script = BrowserScript.write(dir);
                Path go = dir.resolve("go");
                Path nodeLog = dir.resolve("node.log");
                Process node = ns.spawn(nodeLog, "env", "NODE_PATH=" + pw, "HOME=" + dir, "node", script.toString(),
                        "http://127.0.0.1:" + CONTROLLER, SECRET, shots.toString(), dir.resolve("profile").toString(),
                        "🌐 Select", "DIRECT", "browser.test:" + SILENT, go.toString());
                Process curl = null;
                try {
                    // The page has switched the group: a flow made now must go DIRECT.
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!Files.exists(go) && node.isAlive() && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                    }
                    assertTrue(Files.exists(go), () -> "the page never switched the group:\n" + MixedPortIT.read(nodeLog)
                            + "\n" + turnout.log());
                    curl = ns.spawn(dir.resolve("curl.log"), "curl", "-sS", "--max-time", "60", "--socks5-hostname",
                            "127.0.0.1:" + MIXED, "http://browser.test:" + SILENT + "/");
                    assertTrue(node.waitFor(90, TimeUnit.SECONDS), () -> "browser script still running:\n" + MixedPortIT.read(nodeLog));
                    String out = MixedPortIT.read(nodeLog);
                    assertEquals(0, node.exitValue(), out);
                    assertTrue(out.contains("GROUPS 🌐 Select|⚡ Auto"), out);
                    assertTrue(out.contains("RULES 2"), out);
                    assertTrue(out.contains("SELECTED DIRECT"), out);
                    assertTrue(out.contains("ROW 🌐 Select → DIRECT / Domain browser.test"), out);
                    assertTrue(out.contains("CLOSED") && out.contains("DONE"), out);
                    assertTrue(!out.contains("PAGEERROR"), out);
                    // Closing from the page ended the application's connection.
                    assertTrue(curl.waitFor(10, TimeUnit.SECONDS), "curl still connected after the page closed its flow");
                    assertNotEquals(0, curl.exitValue());
                    Api api = new Api(ns, CONTROLLER, SECRET);
                    assertEquals("DIRECT", api.get("/proxies/%F0%9F%8C%90%20Select").object().get("now"));
                    for (String shot : new String[] {"1-groups.png", "2-selected.png", "3-connection.png", "4-closed.png"}) {
                        assertTrue(Files.size(shots.resolve(shot)) > 1000, shot);
                    }
                } finally {
                    node.destroy();
                    if (curl != null) {
                        curl.destroy();
                    }
                }
            }
        }
    }
}
