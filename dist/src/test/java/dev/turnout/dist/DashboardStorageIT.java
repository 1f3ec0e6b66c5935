package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.BrowserScript;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mihomo's {@code /storage/KEY}, which zashboard (2026) uses to carry its settings from one browser to another: it
 * PUTs them as {@code /storage/zashboard} ("upload settings") and, on another device, GETs them back and applies
 * them. Before, Turnout answered 404 and zashboard, taking Turnout for mihomo, showed the error. Here the packaged
 * Turnout keeps what one Chromium profile uploads across a restart of Turnout, and another profile reads it back;
 * then the API's edges, with curl.
 */
class DashboardStorageIT {

    static final int MIXED = 7894;
    static final int CONTROLLER = 9094;
    static final String SECRET = "sync-secret";

    @TempDir
    Path dir;

    /** A stand-in for zashboard's settings page, making its three calls (the dashboards are not on npm). */
    static final String PAGE = """
            <!doctype html><meta charset="utf-8"><title>stand-in dashboard</title>
            <p id="status">-</p><pre id="settings"></pre>
            <script>
            const q = new URLSearchParams(location.search);
            const headers = { Authorization: 'Bearer ' + q.get('secret'), 'Content-Type': 'application/json' };
            const status = (s) => { document.getElementById('status').textContent = s; };
            (async () => {
              if (q.get('do') === 'upload') {
                const settings = { 'config/theme': 'dark', 'config/language': 'zh-CN',
                                   'config/proxy-group-order': JSON.stringify(['🚀 节点选择', 'AUTO']) };
                const r = await fetch('/storage/zashboard', { method: 'PUT', headers, body: JSON.stringify(settings) });
                status('uploaded ' + r.status);
              } else {
                const r = await fetch('/storage/zashboard', { headers });
                const data = await r.json();
                document.getElementById('settings').textContent = JSON.stringify(data);
                status('downloaded ' + r.status);
              }
            })().catch((e) => status('failed ' + e));
            </script>
            """;

    static final String SCRIPT = """
            'use strict';
            // args: URL PROFILE_DIR
            const openChromium = require('./open-chromium.js');
            const [url, profile] = process.argv.slice(2);
            const step = (s) => console.log(s);
            (async () => {
              const { context, page } = await openChromium(profile, step);
              page.on('console', (m) => { if (m.type() === 'error') step('CONSOLEERROR ' + m.text() + ' ' + m.location().url); });
              try {
                await page.goto(url);
                await page.waitForFunction(() => document.getElementById('status').textContent !== '-', null,
                    { timeout: 20000 });
                step('STATUS ' + await page.textContent('#status'));
                step('SETTINGS ' + await page.textContent('#settings'));
              } catch (e) {
                step('FAILED ' + e.message.split('\\n')[0]);
                process.exitCode = 1;
              } finally {
                await context.close();
              }
            })();
            """;

    @Test
    void settingsUploadedFromOneBrowserAreReadBackInAnotherAfterTurnoutRestarts() throws Exception {
        Netns.assumeUsable("chromium", "node");
        Path pw = BrowserScript.requirePlaywright();
        Path ui = Files.createDirectories(dir.resolve("dash"));
        Files.writeString(ui.resolve("index.html"), PAGE);
        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        BrowserScript.write(scripts); // open-chromium.js beside it
        Path script = Files.writeString(scripts.resolve("storage.js"), SCRIPT);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER, "secret: " + SECRET, "external-ui: dash", "rules:",
                "  - MATCH,DIRECT", ""));
        String page = "http://127.0.0.1:" + CONTROLLER + "/ui/?secret=" + SECRET + "&do=";
        try (Netns ns = Netns.create("tstore")) {
            try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout-1.log"), CONTROLLER)) {
                String out = browse(ns, pw, script, page + "upload", dir.resolve("laptop"), "laptop");
                assertTrue(out.contains("STATUS uploaded 204"), out + "\n" + turnout.log());
            }
            Path kept = dir.resolve(".turnout-dashboard-storage");
            assertTrue(Files.isRegularFile(kept), "nothing kept beside the config");
            try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout-2.log"), CONTROLLER)) {
                String out = browse(ns, pw, script, page + "download", dir.resolve("desktop"), "desktop");
                assertTrue(out.contains("STATUS downloaded 200"), out + "\n" + turnout.log());
                String settings = out.lines().filter(l -> l.startsWith("SETTINGS ")).findFirst().orElseThrow()
                        .substring("SETTINGS ".length());
                Object parsed = new Api.Response(200, settings, "").json();
                assertEquals(Map.of("config/theme", "dark", "config/language", "zh-CN",
                        "config/proxy-group-order", "[\"🚀 节点选择\",\"AUTO\"]"), parsed, out);
                // The browser's own favicon request carries no secret, as with mihomo; nothing else fails.
                assertTrue(out.lines().filter(l -> l.startsWith("CONSOLEERROR")).allMatch(l -> l.endsWith("/favicon.ico")),
                        out);
            }
            try (Stream<Path> files = Files.list(dir)) {
                List<String> torn = files.map(f -> f.getFileName().toString())
                        .filter(n -> n.startsWith(".turnout-dashboard-storage") && n.endsWith(".tmp")).toList();
                assertEquals(List.of(), torn, "temporary copies left beside the config");
            }
        }
    }

    private String browse(Netns ns, Path pw, Path script, String url, Path profile, String name) throws Exception {
        Path log = dir.resolve("node-" + name + ".log");
        Process node = ns.spawn(log, "env", "NODE_PATH=" + pw, "HOME=" + dir, "node", script.toString(), url,
                profile.toString());
        try {
            assertTrue(node.waitFor(60, TimeUnit.SECONDS), () -> "browser still running:\n" + MixedPortIT.read(log));
            String out = MixedPortIT.read(log);
            assertEquals(0, node.exitValue(), out);
            return out;
        } finally {
            node.destroy();
        }
    }

    @Test
    void theApiKeepsJsonDocumentsOnlyForItsOwnerAndWithinItsLimits() throws Exception {
        Netns.assumeUsable("curl");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER, "secret: " + SECRET, "rules:", "  - MATCH,DIRECT", ""));
        try (Netns ns = Netns.create("tstore");
             Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER)) {
            Api api = new Api(ns, CONTROLLER, SECRET);
            Api.Response none = api.get("/storage/zashboard");
            assertEquals(200, none.status(), none.toString());
            assertEquals("null", none.body().strip(), "no document yet reads as null, which zashboard takes for none");

            assertEquals(204, api.call("PUT", "/storage/zashboard", "{\"config/theme\":\"light\"}").status());
            assertEquals(Map.of("config/theme", "light"), api.get("/storage/zashboard").json());
            // Keys are a path segment each, percent-decoded: another dashboard's own key does not touch zashboard's.
            assertEquals(204, api.call("PUT", "/storage/my%20board", "[1,2]").status());
            assertEquals(List.of(1, 2), api.get("/storage/my%20board").json());

            Api.Response notJson = api.call("PUT", "/storage/zashboard", "{\"config/theme\":");
            assertEquals(400, notJson.status(), notJson.toString());
            assertTrue(notJson.body().contains("Body invalid"), notJson.toString());
            Api.Response stranger = api.anonymous().call("PUT", "/storage/zashboard", "{\"evil\":true}");
            assertEquals(401, stranger.status(), stranger.toString());
            assertEquals(401, api.anonymous().get("/storage/zashboard").status());
            assertEquals(Map.of("config/theme", "light"), api.get("/storage/zashboard").json(),
                    "a refused PUT changed the document");

            assertEquals(204, api.call("DELETE", "/storage/zashboard", null).status());
            assertEquals("null", api.get("/storage/zashboard").body().strip());
            assertEquals(204, api.call("DELETE", "/storage/zashboard", null).status(), "deleting nothing is no error");
            assertEquals(List.of(1, 2), api.get("/storage/my%20board").json());
            assertEquals(405, api.call("POST", "/storage/zashboard", "{}").status());
            assertEquals(404, api.get("/storage").status());

            // One document of 1 MB and more is refused, as by mihomo; two of 600 kB do not fit together, and the
            // documents written before the second are pushed out, the oldest first, until it fits.
            Path huge = Files.writeString(dir.resolve("huge.json"), "\"" + "x".repeat(1 << 20) + "\"");
            Api.Response tooLarge = api.call("PUT", "/storage/zashboard", null, "-H", "Content-Type: application/json",
                    "--data-binary", "@" + huge);
            assertEquals(413, tooLarge.status(), tooLarge.headers());
            Path big = Files.writeString(dir.resolve("big.json"), "\"" + "y".repeat(600_000) + "\"");
            for (String key : List.of("first", "second")) {
                Api.Response put = api.call("PUT", "/storage/" + key, null, "-H", "Content-Type: application/json",
                        "--data-binary", "@" + big);
                assertEquals(204, put.status(), put.toString());
            }
            assertEquals("null", api.get("/storage/first").body().strip());
            assertEquals("null", api.get("/storage/my%20board").body().strip());
            assertEquals(600_000, ((String) api.get("/storage/second").json()).length());
            assertTrue(turnout.log().contains("dashboard storage: 'my board' pushed out by 'second'"), turnout.log());
            assertTrue(turnout.log().contains("dashboard storage: 'first' pushed out by 'second'"), turnout.log());
        }
    }
}
