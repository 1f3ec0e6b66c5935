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
 * {@code --remote-debugging-pipe} and {@code --no-startup-window} are how Playwright talks to the browser, and
 * {@code --log-net-log} keeps Chromium's own record of its network work. When the first URL (always one that
 * should load) fails, the script prints that record's events, one {@code NETLOG} line each, after the result lines:
 * a rare stall in CI ended in ERR_EMPTY_RESPONSE 10 s after Turnout routed the page's one connection, and only the
 * browser could say that it had written its request by then (the request had been taken by a closed DNS socket's
 * read loop; see {@code DatagramReadsEndAtClose} in the host).
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

            const fs = require('fs');
            const path = require('path');
            const netlog = path.join(profile, 'netlog.json');

            (async () => {
              const browser = await chromium.launch({
                executablePath: '/usr/bin/chromium',
                headless: true,
                ignoreDefaultArgs: true,
                args: ['--headless', '--no-sandbox', '--user-data-dir=' + profile, '--remote-debugging-pipe',
                       '--no-startup-window', '--log-net-log=' + netlog],
              });
              let firstFailed = false;
              try {
                const page = await browser.newPage();
                for (const [i, url] of urls.entries()) {
                  try {
                    const response = await page.goto(url, { timeout: 20000 });
                    const server = await response.serverAddr();
                    const body = (await response.text()).trim();
                    console.log(`LOADED ${url} ${response.status()} ${server ? server.ipAddress : '?'} ${body}`);
                  } catch (e) {
                    firstFailed = firstFailed || i === 0;
                    console.log(`FAILED ${url} ${e.message.split('\\n')[0]}`);
                  }
                }
              } finally {
                await browser.close();
              }
              if (firstFailed) {
                printNetLog();
              }
            })().catch((e) => { console.log('ERROR ' + e.message.split('\\n')[0]); process.exitCode = 1; });

            // The events of the first URL's work (its host named in a source's params, and the sources linked to
            // those), one line each, at most 800: ms since the log began, source id and type, event type, phase,
            // params.
            function printNetLog() {
              let log;
              try {
                const text = fs.readFileSync(netlog, 'utf8').trim();
                try {
                  log = JSON.parse(text);
                } catch (notClosed) {
                  // Chromium closes the log as it exits; one it did not close ends in a comma after an event.
                  log = JSON.parse(text.replace(/,$/, '') + ']}');
                }
              } catch (e) {
                console.log('NETLOG unreadable: ' + e.message);
                return;
              }
              const name = (table, value) => Object.keys(table).find((k) => table[k] === value) || value;
              const c = log.constants;
              const events = log.events || [];
              const host = new URL(urls[0]).hostname;
              const ours = new Set(events.filter((e) => JSON.stringify(e.params || {}).includes(host))
                  .map((e) => e.source.id));
              for (let round = 0; round < 4; round++) {
                for (const e of events) {
                  const dep = e.params && e.params.source_dependency;
                  if (dep && ours.has(e.source.id)) {
                    ours.add(dep.id);
                  } else if (dep && ours.has(dep.id)) {
                    ours.add(e.source.id);
                  }
                }
              }
              const picked = events.filter((e) => ours.has(e.source.id));
              const t0 = events.length ? Number(events[0].time) : 0;
              console.log(`NETLOG ${picked.length} of ${events.length} events concern ${host}`);
              for (const e of picked.slice(0, 800)) {
                const params = e.params ? ' ' + JSON.stringify(e.params).slice(0, 200) : '';
                console.log(`NETLOG ${Number(e.time) - t0} ${e.source.id}/${name(c.logSourceType, e.source.type)} `
                    + `${name(c.logEventTypes, e.type)} ${name(c.logEventPhase, e.phase)}${params}`);
              }
            }
            """;
}
