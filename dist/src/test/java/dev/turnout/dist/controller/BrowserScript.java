package dev.turnout.dist.controller;

import dev.turnout.api.testing.Required;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Playwright script BrowserIT runs with node inside its namespace: opens Turnout's dashboard in headless
 * Chromium, switches a select group's member, waits for a connection made through the mixed port to appear,
 * closes it from the page, and saves screenshots along the way. Prints one line per step for the test.
 */
public final class BrowserScript {

    private BrowserScript() {
    }

    /** Where .ci/test-deps.sh installs playwright-core. */
    public static Path playwrightHome() {
        String dir = System.getenv("TURNOUT_PW_DIR");
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "turnout-playwright");
    }

    /**
     * The {@code node_modules} folder that holds playwright-core, for {@code NODE_PATH}; a test without it fails
     * under CI and is skipped elsewhere, saying where it looked.
     */
    public static Path requirePlaywright() {
        Path pw = playwrightHome().resolve("node_modules");
        Required.that(Files.isDirectory(pw.resolve("playwright-core")),
                () -> "playwright-core is not installed in " + pw + " (.ci/test-deps.sh installs it)");
        return pw;
    }

    /** Where browser tests save their screenshots: dist/target/screenshots/. */
    public static Path screenshots() throws IOException {
        return Files.createDirectories(Path.of(System.getProperty("turnout.dist")).getParent().resolve("screenshots"));
    }

    public static Path write(Path dir) throws IOException {
        writeOpenChromium(dir);
        Path script = dir.resolve("dashboard.js");
        Files.writeString(script, SCRIPT);
        return script;
    }

    /** Writes {@code open-chromium.js}, the start every dashboard script in {@code dir} shares. */
    static void writeOpenChromium(Path dir) throws IOException {
        Files.writeString(dir.resolve("open-chromium.js"), OPEN_CHROMIUM);
    }

    /** Headless Chromium on a profile of its own, its first page, and the page's errors printed as steps. */
    static final String OPEN_CHROMIUM = """
            'use strict';
            const { chromium } = require('playwright-core');
            module.exports = async (profile, step) => {
              const context = await chromium.launchPersistentContext(profile, {
                executablePath: '/usr/bin/chromium',
                headless: true,
                args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
                viewport: { width: 1280, height: 900 },
              });
              const page = context.pages()[0] || await context.newPage();
              page.on('pageerror', (e) => step('PAGEERROR ' + e.message));
              return { context, page };
            };
            """;

    static final String SCRIPT = """
            'use strict';
            // args: BASE SECRET SCREENSHOT_DIR USER_DATA_DIR GROUP MEMBER HOST:PORT GO_FILE
            const openChromium = require('./open-chromium.js');
            const fs = require('fs');
            const [base, secret, shots, profile, group, member, host, goFile] = process.argv.slice(2);
            const step = (s) => console.log(s);
            const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

            (async () => {
              const { context, page } = await openChromium(profile, step);
              try {
                await page.goto(base + '/ui/?secret=' + encodeURIComponent(secret));
                const g = `[data-group="${group}"]`;
                await page.waitForSelector(`${g} [data-member="${member}"]`, { timeout: 20000 });
                await page.waitForSelector('#rules li', { timeout: 20000 });
                step('GROUPS ' + (await page.$$eval('[data-group]', (els) => els.map((e) => e.dataset.group).join('|'))));
                step('RULES ' + (await page.$$eval('#rules li', (els) => els.length)));
                await page.screenshot({ path: shots + '/1-groups.png', fullPage: true });

                await page.click(`${g} [data-member="${member}"]`);
                await page.waitForSelector(`${g} [data-member="${member}"].now`, { timeout: 10000 });
                step('SELECTED ' + member);
                await page.screenshot({ path: shots + '/2-selected.png', fullPage: true });
                fs.writeFileSync(goFile, 'go');

                const row = `#connections tr:has(td.dest:text-is("${host}"))`;
                await page.waitForSelector(row, { timeout: 20000 });
                step('ROW ' + (await page.textContent(row + ' td.chain')) + ' / ' + (await page.textContent(row + ' td.rule')));
                await page.screenshot({ path: shots + '/3-connection.png', fullPage: true });
                await page.click(row + ' button.close');
                await page.waitForSelector(row, { state: 'detached', timeout: 10000 });
                step('CLOSED');
                await sleep(1200); // one more traffic tick on the graph
                await page.screenshot({ path: shots + '/4-closed.png', fullPage: true });
                step('DONE');
              } catch (e) {
                step('FAILED ' + e.message.split('\\n')[0]);
                await page.screenshot({ path: shots + '/failure.png', fullPage: true }).catch(() => {});
                process.exitCode = 1;
              } finally {
                await context.close();
              }
            })();
            """;
}
