package dev.turnout.dist.controller;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Playwright script ProvidersBrowserIT runs with node inside its namespace: opens Turnout's dashboard in
 * headless Chromium, reads the Providers panel (the provider, its nodes, its subscription info), presses Health
 * check and waits for every node to show a delay or "down", then presses Refresh and waits for a node the
 * subscription server has added since Turnout fetched it. Prints one line per step and saves screenshots.
 */
public final class ProvidersBrowserScript {

    private ProvidersBrowserScript() {
    }

    public static Path write(Path dir) throws IOException {
        BrowserScript.writeOpenChromium(dir);
        Path script = dir.resolve("providers.js");
        Files.writeString(script, SCRIPT);
        return script;
    }

    static final String SCRIPT = """
            'use strict';
            // args: BASE SECRET SCREENSHOT_DIR USER_DATA_DIR PROVIDER NEW_NODE
            const openChromium = require('./open-chromium.js');
            const [base, secret, shots, profile, provider, newNode] = process.argv.slice(2);
            const step = (s) => console.log(s);

            (async () => {
              const { context, page } = await openChromium(profile, step);
              const p = `[data-provider="${provider}"]`;
              const nodes = async () => page.$$eval(`${p} [data-node]`,
                  (els) => els.map((e) => e.dataset.node + '=' + e.querySelector('.delay').textContent).join('|'));
              try {
                await page.goto(base + '/ui/?secret=' + encodeURIComponent(secret));
                await page.waitForSelector(`${p} [data-node]`, { timeout: 20000 });
                step('PROVIDER ' + (await page.textContent(`${p} .group-name`)) + ' | '
                    + (await page.textContent(`${p} .vehicle`)) + ' | ' + (await page.textContent(`${p} .count`)));
                step('TRAFFIC ' + (await page.textContent(`${p} .traffic`)));
                step('EXPIRE ' + (await page.textContent(`${p} .expire`)));
                step('UPDATED ' + (await page.textContent(`${p} .updated`)));
                step('NODES ' + (await nodes()));
                await page.screenshot({ path: shots + '/providers-1-shown.png', fullPage: true });

                await page.click(`${p} button.healthcheck`);
                // Every node has a result: a delay for the live one, "down" for the dead one.
                await page.waitForFunction((sel) => {
                  const ds = [...document.querySelectorAll(sel + ' [data-node] .delay')];
                  return ds.length > 0 && ds.every((d) => d.textContent !== '');
                }, p, { timeout: 30000 });
                step('CHECKED ' + (await nodes()));
                await page.screenshot({ path: shots + '/providers-2-checked.png', fullPage: true });

                await page.click(`${p} button.refresh`);
                await page.waitForSelector(`${p} [data-node="${newNode}"]`, { timeout: 30000 });
                step('REFRESHED ' + (await page.textContent(`${p} .count`)) + ' | ' + (await nodes()));
                step('UPDATED ' + (await page.textContent(`${p} .updated`)));
                await page.screenshot({ path: shots + '/providers-3-refreshed.png', fullPage: true });
                step('DONE');
              } catch (e) {
                step('FAILED ' + e.message.split('\\n')[0]);
                await page.screenshot({ path: shots + '/providers-failure.png', fullPage: true }).catch(() => {});
                process.exitCode = 1;
              } finally {
                await context.close();
              }
            })();
            """;
}
