package dev.turnout.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Playwright script DesktopIT runs with node inside the desktop namespace: headless Chromium, launched with
 * none of Playwright's default switches (so its resolver, field trials and background networking are those of a
 * desktop browser), opens each URL by name and prints one line per URL:
 * {@code LOADED <url> <status> <server address> <body>} or {@code FAILED <url> <net error>}.
 *
 * <p>Only {@code --headless} and {@code --no-sandbox} change behaviour; {@code --user-data-dir},
 * {@code --remote-debugging-pipe} and {@code --no-startup-window} are how Playwright talks to the browser.
 */
final class PagesByNameScript {

    private PagesByNameScript() {
    }

    static Path write(Path dir) throws IOException {
        Path script = dir.resolve("pages-by-name.js");
        Files.writeString(script, SCRIPT);
        return script;
    }

    static final String SCRIPT = """
            'use strict';
            // args: USER_DATA_DIR URL...
            const { chromium } = require('playwright-core');
            const [profile, ...urls] = process.argv.slice(2);

            (async () => {
              const browser = await chromium.launch({
                executablePath: '/usr/bin/chromium',
                headless: true,
                ignoreDefaultArgs: true,
                args: ['--headless', '--no-sandbox', '--user-data-dir=' + profile, '--remote-debugging-pipe',
                       '--no-startup-window'],
              });
              try {
                const page = await browser.newPage();
                for (const url of urls) {
                  try {
                    const response = await page.goto(url, { timeout: 20000 });
                    const server = await response.serverAddr();
                    const body = (await response.text()).trim();
                    console.log(`LOADED ${url} ${response.status()} ${server ? server.ipAddress : '?'} ${body}`);
                  } catch (e) {
                    console.log(`FAILED ${url} ${e.message.split('\\n')[0]}`);
                  }
                }
              } finally {
                await browser.close();
              }
            })().catch((e) => { console.log('ERROR ' + e.message.split('\\n')[0]); process.exitCode = 1; });
            """;
}
