package dev.turnout.host.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The URLs of groups over a proxy provider that checks its nodes, as mihomo's parser.go sets them: a group without
 * its own {@code url} tests with the provider's (its testUrl), and one with its own has it checked by the provider's
 * rounds (addTestUrlToProviders). Direct nodes probe a real HTTP server on loopback, which counts by path and query.
 */
class ProviderGroupUrlTest {

    private ProbeServer server;

    @BeforeEach
    void setUp() throws Exception {
        server = new ProbeServer("group-url-test");
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private Outbounds build(String probe) throws ConfigException {
        return server.build(String.join("\n",
                "proxy-providers:",
                "  sub:",
                "    type: inline",
                "    health-check: {enable: true, url: '" + probe + "/prov', interval: 60, lazy: false}",
                "    payload: [{name: n1, type: direct}, {name: n2, type: direct}]",
                "proxy-groups:",
                "  - {name: PLAIN, type: fallback, use: [sub]}",
                "  - {name: NF, type: fallback, use: [sub], url: '" + probe + "/nf', filter: 'n1', interval: 60,"
                        + " lazy: false}",
                ""));
    }

    @Test
    void aUseGroupTestsWithTheProvidersUrlOrHasItsOwnCheckedByTheProvider() throws Exception {
        String probe = server.url();
        Outbounds outbounds = build(probe);
        GroupSupervisor supervisor = new GroupSupervisor(server.loops, Selections.at(null));
        try {
            supervisor.adopt(outbounds);
            // F10: mihomo's "if test URL is empty, use the first health check URL of providers"
            assertEquals(probe + "/prov", ((ProxyGroup) outbounds.get("PLAIN")).settings().url());
            assertEquals(probe + "/nf", ((ProxyGroup) outbounds.get("NF")).settings().url());
            // F13: the provider's first round checks both nodes with its URL and n1 (NF's filter) with NF's.
            assertTrue(ProbeServer.await(() -> server.count("/prov") >= 2 && server.count("/nf") >= 1, 15),
                    () -> "probes seen: " + server.seen());
            Thread.sleep(300);
            assertEquals(1, server.count("/nf"), () -> "only n1 is NF's: " + server.seen());
            assertTrue(supervisor.book().history("n1").stream().anyMatch(h -> h.ok()), "recorded");
        } finally {
            supervisor.close();
            outbounds.close();
        }
    }
}
