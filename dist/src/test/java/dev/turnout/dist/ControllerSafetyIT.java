package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Netns;
import dev.turnout.host.controller.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a web page, a DNS-rebinding name or an API client may do with a controller that has no secret on
 * loopback: curl plays the browser, forging {@code Host} and {@code Origin}, against the packaged Turnout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ControllerSafetyIT {

    static final int MIXED = 7893;
    static final int CONTROLLER = 9093;
    static final String DASHBOARD = "https://dash.example";
    static final String LEAK = "top-secret-first-line";

    @TempDir
    static Path dir;

    Netns ns;
    Launched turnout;
    Api api;
    Path home;
    Path outside;
    Path shared;

    @BeforeAll
    void start() throws Exception {
        Netns.assumeUsable("curl");
        home = Files.createDirectories(dir.resolve("home"));
        outside = Files.createDirectories(dir.resolve("outside"));
        shared = Files.createDirectories(dir.resolve("shared"));
        Files.writeString(outside.resolve("secret.yaml"), LEAK + "\nsecond line\n");
        Files.createSymbolicLink(home.resolve("link.yaml"), outside.resolve("secret.yaml"));
        Files.writeString(home.resolve("broken.yaml"), "mixed-port: " + MIXED + "\nproxy-groups: " + LEAK + "\n");
        Files.writeString(shared.resolve("shared.yaml"), configText("direct"));
        Files.writeString(home.resolve("global.yaml"), configText("global"));
        Path config = Files.writeString(home.resolve("config.yaml"), configText("rule"));
        ns = Netns.create("tsafe");
        turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER, "SAFE_PATHS=" + shared);
        api = new Api(ns, CONTROLLER, null);
    }

    static String configText(String mode) {
        return String.join("\n",
                "mixed-port: " + MIXED,
                "mode: " + mode,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "external-controller-cors:",
                "  allow-origins: [" + DASHBOARD + "]",
                "rules:",
                "  - MATCH,DIRECT",
                "");
    }

    @AfterAll
    void stop() throws Exception {
        Netns.closeAll(ns);
        if (turnout != null) {
            turnout.close();
        }
    }

    @BeforeEach
    void ruleMode() throws Exception {
        Api.Response r = api.call("PATCH", "/configs", "{\"mode\":\"rule\"}");
        assertEquals(204, r.status(), r::toString);
    }

    private String mode() throws Exception {
        return String.valueOf(api.get("/configs").object().get("mode"));
    }

    private static String header(Api.Response r, String name) {
        for (String line : r.headers().split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    @Test
    void aForeignHostIsRefusedSoADnsRebindingNameCannotChangeTheConfig() throws Exception {
        Api.Response r = api.call("PATCH", "/configs", "{\"mode\":\"global\"}", "-H", "Host: rebind.test:" + CONTROLLER);
        assertEquals(403, r.status(), r::toString);
        assertEquals("Host 'rebind.test:" + CONTROLLER + "' is not a loopback address; this controller listens on loopback only",
                r.object().get("message"));
        assertEquals(403, api.call("GET", "/configs", null, "-H", "Host: rebind.test").status());
        assertEquals(403, api.call("GET", "/ui/", null, "-H", "Host: 127.0.0.1.rebind.test:" + CONTROLLER).status());
        assertEquals("rule", mode());
        for (String host : new String[] {"localhost:" + CONTROLLER, "localhost", "[::1]:" + CONTROLLER, "127.0.0.1"}) {
            assertEquals(200, api.call("GET", "/version", null, "-H", "Host: " + host).status(), host);
        }
    }

    @Test
    void anUnlistedOriginCanNeitherWriteNorReadNorPreflight() throws Exception {
        Api.Response write = api.call("PATCH", "/configs", "{\"mode\":\"global\"}", "-H", "Origin: https://evil.test");
        assertEquals(403, write.status(), write::toString);
        assertEquals("rule", mode());
        Api.Response read = api.call("GET", "/connections", null, "-H", "Origin: https://evil.test");
        assertEquals(403, read.status(), read::toString);
        assertEquals(null, header(read, "Access-Control-Allow-Origin"), read.headers());
        Api.Response preflight = api.call("OPTIONS", "/configs", null, "-H", "Origin: https://evil.test",
                "-H", "Access-Control-Request-Method: PATCH", "-H", "Access-Control-Request-Private-Network: true");
        assertEquals(403, preflight.status(), preflight::toString);
        assertEquals(null, header(preflight, "Access-Control-Allow-Origin"), preflight.headers());
        assertEquals(null, header(preflight, "Access-Control-Allow-Private-Network"), preflight.headers());
        // A WebSocket is not protected by CORS at all: the handshake itself is refused.
        Api.Response ws = api.call("GET", "/logs", null, "--max-time", "5", "-H", "Origin: https://evil.test",
                "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==");
        assertEquals(403, ws.status(), ws::toString);
    }

    @Test
    void aListedOriginAndTheControllersOwnPagesMayWrite() throws Exception {
        Api.Response preflight = api.call("OPTIONS", "/configs", null, "-H", "Origin: " + DASHBOARD,
                "-H", "Access-Control-Request-Method: PATCH", "-H", "Access-Control-Request-Private-Network: true");
        assertEquals(204, preflight.status(), preflight::toString);
        assertEquals(DASHBOARD, header(preflight, "Access-Control-Allow-Origin"), preflight.headers());
        // Not configured: no private-network permission, unlike Clash.
        assertEquals(null, header(preflight, "Access-Control-Allow-Private-Network"), preflight.headers());
        Api.Response write = api.call("PATCH", "/configs", "{\"mode\":\"global\"}", "-H", "Origin: " + DASHBOARD);
        assertEquals(204, write.status(), write::toString);
        assertEquals(DASHBOARD, header(write, "Access-Control-Allow-Origin"), write.headers());
        assertEquals("global", mode());
        Api.Response own = api.call("PATCH", "/configs", "{\"mode\":\"direct\"}",
                "-H", "Origin: http://127.0.0.1:" + CONTROLLER);
        assertEquals(204, own.status(), own::toString);
        assertEquals("direct", mode());
        Api.Response ui = api.get("/ui/");
        assertEquals(200, ui.status(), ui::toString);
        assertTrue(ui.body().contains("app.js"), ui.body());
    }

    @Test
    void putConfigsReadsOnlyTheConfigsFolderAndSafePathsAndNeverEchoesAFile() throws Exception {
        for (String path : new String[] {"/etc/shadow", outside.resolve("secret.yaml").toString(),
                home.resolve("../outside/secret.yaml").toString(), home.resolve("link.yaml").toString(),
                "/nonexistent/config.yaml"}) {
            Api.Response r = api.call("PUT", "/configs", Json.write(Map.of("path", path)));
            assertEquals(403, r.status(), path + ": " + r);
            assertTrue(String.valueOf(r.object().get("message")).startsWith("path " + path + " is outside the config's folder"),
                    r::toString);
            assertFalse(r.body().contains(LEAK) || r.body().contains("root:"), r::toString);
        }
        Api.Response broken = api.call("PUT", "/configs", Json.write(Map.of("path", home.resolve("broken.yaml").toString())));
        assertEquals(400, broken.status(), broken::toString);
        assertEquals(home.resolve("broken.yaml") + ":2:15: not a valid config; `turnout check -c "
                + home.resolve("broken.yaml") + "` says why", broken.object().get("message"));
        assertFalse(turnout.log().contains(LEAK), "the log, which /logs streams, quotes the file:\n" + turnout.log());
        assertEquals("rule", mode());

        Api.Response inside = api.call("PUT", "/configs", Json.write(Map.of("path", home.resolve("global.yaml").toString())));
        assertEquals(204, inside.status(), inside::toString);
        assertEquals("global", mode());
        Api.Response safe = api.call("PUT", "/configs", Json.write(Map.of("path", shared.resolve("shared.yaml").toString())));
        assertEquals(204, safe.status(), safe::toString);
        assertEquals("direct", mode());
        Api.Response back = api.call("PUT", "/configs", Json.write(Map.of("path", home.resolve("config.yaml").toString())));
        assertEquals(204, back.status(), back::toString);
    }

    /**
     * The file Turnout started with is the user's own, as SIGHUP reads it, whatever path it names: Clash Verge Rev
     * reloads with {@code PUT /configs {"path": <the config it runs>}}, and the confinement of given configs refused
     * a file that ran, for its own {@code external-ui} outside its folder.
     */
    @Test
    void aPutOfTheFileTurnoutStartedWithReadsItAsAReloadDoes() throws Exception {
        Path start = home.resolve("config.yaml");
        try {
            Files.writeString(start, configText("global").replace("rules:", "external-ui: " + outside + "\nrules:"));
            Api.Response r = api.call("PUT", "/configs?force=true", Json.write(Map.of("path", start.toString())));
            assertEquals(204, r.status(), r::toString);
            assertEquals("global", mode());
        } finally {
            Files.writeString(start, configText("rule"));
            assertEquals(204, api.call("PUT", "/configs", Json.write(Map.of("path", start.toString()))).status());
        }
        assertEquals("rule", mode());
    }

    /**
     * A config given as a payload (or in a file of the config's folder) may name files and folders only there and in
     * SAFE_PATHS: before, {@code external-ui: /} served any file through /ui/ with no secret, a rule provider's error
     * quoted /etc/shadow's first line, and a socket path took another program's place.
     */
    @Test
    void aGivenConfigNamesFilesOnlyInTheConfigsFolderAndSafePaths() throws Exception {
        String secret = outside.resolve("secret.yaml").toString();
        Map<String, String> payloads = Map.of(
                "external-ui", "external-ui: " + outside + "\n",
                "rule provider 'x'", "rule-providers:\n  x: {type: file, behavior: domain, path: " + secret + "}\n",
                "proxy provider 'p'", "proxy-providers:\n  p: {type: file, path: " + secret + "}\n",
                "external-controller-unix", "external-controller-unix: " + outside.resolve("ctl.sock") + "\n");
        for (Map.Entry<String, String> e : payloads.entrySet()) {
            String yaml = configText("global").replace("rules:", e.getValue() + "rules:");
            Api.Response r = api.call("PUT", "/configs", Json.write(Map.of("payload", yaml)));
            assertEquals(400, r.status(), e.getKey() + ": " + r);
            String message = String.valueOf(r.object().get("message"));
            assertTrue(message.contains(e.getKey() + ": path ") && message.contains(" is outside the config's folder"),
                    message);
            assertFalse(r.body().contains(LEAK), r::toString);
            assertEquals("rule", mode(), "nothing changed");
        }
        // The TUN's route record is written as root and deleted at its stop: named from here, any file could be both.
        Path victim = Files.writeString(outside.resolve("victim.state"), LEAK + "\n");
        Api.Response record = api.call("PUT", "/configs", Json.write(Map.of("payload", configText("global").replace(
                "rules:", "tun: {enable: false, state-file: " + victim + "}\nrules:"))));
        assertEquals(400, record.status(), record::toString);
        assertTrue(String.valueOf(record.object().get("message")).contains("tun.state-file: " + victim + " is not the"
                + " running config's route record"), record::toString);
        assertEquals(LEAK + "\n", Files.readString(victim));
        assertEquals("rule", mode());
        Api.Response over = api.call("PUT", "/configs", Json.write(Map.of("payload", configText("global").replace(
                "rules:", "proxy-providers:\n  p: {type: http, url: 'http://127.0.0.1:9/x', path: ./config.yaml}\n"
                        + "rules:"))));
        assertEquals(400, over.status(), over::toString);
        assertTrue(String.valueOf(over.object().get("message")).contains("proxy provider 'p': its copy would replace the"
                + " config file"), over::toString);
        assertEquals("rule", mode());
        assertFalse(Files.exists(outside.resolve("ctl.sock")));
        assertFalse(turnout.log().contains(LEAK), turnout.log());
        Api.Response ui = api.get("/ui/secret.yaml");
        assertFalse(ui.body().contains(LEAK), ui::toString);

        Files.writeString(home.resolve("ui-outside.yaml"), configText("global").replace("rules:",
                "external-ui: " + outside + "\nrules:"));
        Api.Response file = api.call("PUT", "/configs", Json.write(Map.of("path",
                home.resolve("ui-outside.yaml").toString())));
        assertEquals(400, file.status(), file::toString);
        assertEquals("rule", mode());
    }

    /**
     * A connection whose first request is not whole 10 s after it opened is closed, however it trickles (the read
     * timeout restarts at every byte: 256 such held every place); a dashboard's kept-alive one outlives that.
     */
    @Test
    void aFirstRequestTrickledInIsCutAtTenSecondsAndAKeptAliveDashboardIsNot() throws Exception {
        String script = String.join("\n",
                "import socket, time",
                "def conn():",
                "    s = socket.create_connection(('127.0.0.1', " + CONTROLLER + "), timeout=30); return s",
                "t = conn(); t.sendall(b'GET /version HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n'); t0 = time.time()",
                "d = conn(); d.sendall(b'GET /version HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n'); d.recv(4096)",
                "cut = None",
                "for i in range(10):",
                "    time.sleep(1.5)",
                "    try:",
                "        t.sendall(b'X-Slow: y\\r\\n'); t.settimeout(0.01)",
                "        if t.recv(1) == b'': cut = time.time() - t0; break",
                "    except socket.timeout: pass",
                "    except OSError: cut = time.time() - t0; break",
                "d.sendall(b'GET /version HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n')",
                "print('cut' if cut else 'open', round(cut or 0, 1), d.recv(4096).split(b'\\r\\n')[0].decode())");
        Netns.Result r = ns.run(Duration.ofSeconds(40), "python3", "-c", script);
        String[] out = r.stdout().strip().split(" ", 3);
        assertEquals("cut", out[0], "still open after 15 s of trickling: " + r);
        double seconds = Double.parseDouble(out[1]);
        assertTrue(seconds >= 9 && seconds <= 13, "cut after " + seconds + " s, not about 10");
        assertEquals("HTTP/1.1 200 OK", out[2], "the kept-alive dashboard, idle meanwhile, is still answered");
    }

    @Test
    void aListedOriginIsNotAValidOriginUnlessItIsOne() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad-cors.yaml"), String.join("\n",
                "external-controller: 127.0.0.1:9094",
                "external-controller-cors:",
                "  allow-origins:",
                "    - https://dash.example/ui",
                ""));
        Netns.Result r = ns.run(Duration.ofSeconds(60), Path.of(System.getProperty("turnout.dist"), "bin/turnout").toString(),
                "check", "-c", bad.toString());
        assertEquals(bad + ":4:7: 'https://dash.example/ui' is not an origin: expected SCHEME://HOST[:PORT] with no path,"
                + " such as https://yacd.example, or *", (r.stdout() + r.stderr()).lines()
                .filter(l -> l.contains("not an origin")).findFirst().orElse(r.stdout() + r.stderr()).replaceFirst("^turnout: ", ""));
    }
}
