package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.BrowserScript;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What metacubexd, zashboard and yacd do for memory and restart, in headless Chromium: a page served from a local
 * folder ({@code external-ui}) opens {@code ws://HOST/memory?token=SECRET} and shows {@code inuse}, then
 * {@code POST /restart} with the bearer secret and polls {@code /version} until Turnout answers again. The
 * dashboards themselves are not on the npm registry (metacubexd, zashboard and yacd: 404), so this page stands in
 * for them with the same calls.
 */
class DashboardMemoryRestartIT {

    static final int MIXED = 7893;
    static final int CONTROLLER = 9093;
    static final String SECRET = "dash-secret";

    @TempDir
    Path dir;

    static final String PAGE = """
            <!doctype html><meta charset="utf-8"><title>stand-in dashboard</title>
            <p>memory <span id="inuse">-</span></p><button id="restart">restart</button> <span id="status">up</span>
            <script>
            const secret = new URLSearchParams(location.search).get('secret');
            const seen = [];
            const ws = new WebSocket('ws://' + location.host + '/memory?token=' + encodeURIComponent(secret));
            ws.onmessage = (m) => { const d = JSON.parse(m.data); seen.push(d.inuse);
              if (d.inuse > 0) document.getElementById('inuse').textContent = (d.inuse / 1048576).toFixed(1) + ' MB'; };
            const auth = { Authorization: 'Bearer ' + secret };
            document.getElementById('restart').onclick = async () => {
              const r = await fetch('/restart', { method: 'POST', headers: auth });
              const body = await r.json();
              document.getElementById('status').textContent = 'restarting ' + r.status + ' ' + body.status;
              for (let i = 0; i < 120; i++) {
                await new Promise((ok) => setTimeout(ok, 500));
                try {
                  const v = await fetch('/version', { headers: auth });
                  if (v.ok) { document.getElementById('status').textContent = 'back ' + (await v.json()).version; return; }
                } catch (e) { /* not up yet */ }
              }
              document.getElementById('status').textContent = 'never came back';
            };
            </script>
            """;

    static final String SCRIPT = """
            'use strict';
            // args: URL PROFILE_DIR
            const { chromium } = require('playwright-core');
            const [url, profile] = process.argv.slice(2);
            const step = (s) => console.log(s);
            (async () => {
              const context = await chromium.launchPersistentContext(profile, {
                executablePath: '/usr/bin/chromium', headless: true,
                args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                       '--disable-component-update', '--disable-sync'],
              });
              const page = context.pages()[0] || await context.newPage();
              page.on('pageerror', (e) => step('PAGEERROR ' + e.message));
              page.on('console', (m) => { if (m.type() === 'error') step('CONSOLEERROR ' + m.text() + ' ' + m.location().url); });
              try {
                await page.goto(url);
                await page.waitForFunction(() => document.getElementById('inuse').textContent.endsWith('MB'), null,
                    { timeout: 20000 });
                step('MEMORY ' + await page.textContent('#inuse'));
                await page.click('#restart');
                await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('back'), null,
                    { timeout: 90000 });
                step('STATUS ' + await page.textContent('#status'));
                step('DONE');
              } catch (e) {
                step('FAILED ' + e.message.split('\\n')[0] + ' / status ' + await page.textContent('#status').catch(() => '?'));
                process.exitCode = 1;
              } finally {
                await context.close();
              }
            })();
            """;

    @Test
    void aDashboardPageShowsMemoryAndRestartsTurnout() throws Exception {
        Netns.assumeUsable("chromium", "node");
        Path pw = BrowserScript.requirePlaywright();
        Path ui = Files.createDirectories(dir.resolve("dash"));
        Files.writeString(ui.resolve("index.html"), PAGE);
        Path script = Files.writeString(dir.resolve("memory-restart.js"), SCRIPT);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: " + MIXED, "external-controller: 127.0.0.1:" + CONTROLLER,
                "secret: " + SECRET, "external-ui: dash", "rules:", "  - MATCH,DIRECT", ""));
        try (Netns ns = Netns.create("tdash");
             Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER)) {
            Path nodeLog = dir.resolve("node.log");
            Process node = ns.spawn(nodeLog, "env", "NODE_PATH=" + pw, "HOME=" + dir, "node", script.toString(),
                    "http://127.0.0.1:" + CONTROLLER + "/ui/?secret=" + SECRET, dir.resolve("profile").toString());
            try {
                assertTrue(node.waitFor(150, TimeUnit.SECONDS), () -> "browser script still running:\n" + MixedPortIT.read(nodeLog));
                String out = MixedPortIT.read(nodeLog);
                assertEquals(0, node.exitValue(), out + "\n" + turnout.log());
                assertTrue(out.matches("(?s).*MEMORY \\d+\\.\\d MB.*"), out);
                assertTrue(out.contains("STATUS back turnout-"), out);
                assertTrue(!out.contains("PAGEERROR"), out);
                // While Turnout restarts, the page's polls are refused, as they are with mihomo; nothing else fails.
                assertTrue(out.lines().filter(l -> l.startsWith("CONSOLEERROR"))
                        .allMatch(l -> l.contains("ERR_CONNECTION_REFUSED") || l.endsWith("/favicon.ico")), out);
                assertTrue(turnout.log().contains("restarting: "), turnout.log());
                ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
            } finally {
                node.destroy();
            }
        }
    }
}
