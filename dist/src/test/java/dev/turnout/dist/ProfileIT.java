package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo's {@code profile:} on the packaged Turnout (ignored with a warning before: choices and fake-IP mappings were
 * kept whatever it said): a group's choice and a name's fake address survive a restart, unless {@code store-selected}
 * and {@code store-fake-ip} say false; then nothing is written beside the config.
 */
class ProfileIT {

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tprofile", "dig");

    Path dir;
    Netns ns;

    @BeforeEach
    void start() throws Exception {
        dir = scratch.dir();
        ns = scratch.ns();
    }

    /** Two runs: the first picks REJECT in G and asks for a name's address; what the second sees of both. */
    private String[] twoRuns(String profile) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "external-controller: 127.0.0.1:9090",
                profile, "dns:", "  enable: true", "  listen: 127.0.0.1:1053", "  enhanced-mode: fake-ip",
                "  nameserver: [203.0.113.53]", "proxy-groups:", "  - {name: G, type: select, proxies: [DIRECT, REJECT]}",
                "rules:", "  - MATCH,G", ""));
        String first = "";
        try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), 9090)) {
            Api api = new Api(ns, 9090, null);
            assertEquals(204, api.call("PUT", "/proxies/G", "{\"name\":\"REJECT\"}").status(), turnout::log);
            // Names are handed out in order: a few first, so the one kept is not the pool's first address anyway.
            dig("a.test");
            dig("b.test");
            first = dig("kept.test");
            Thread.sleep(500); // the selections file is written by a thread of its own, after the answer
        }
        try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), 9090)) {
            String now = (String) new Api(ns, 9090, null).get("/proxies/G").object().get("now");
            return new String[] {now, first, dig("kept.test")};
        }
    }

    private String dig(String name) throws Exception {
        return ns.run(Duration.ofSeconds(20), "dig", "+short", "+time=2", "+tries=1", "-p", "1053", "@127.0.0.1",
                name).stdout().trim();
    }

    @Test
    void choicesAndFakeAddressesAreKeptUnlessTheProfileSaysOtherwise() throws Exception {
        String[] kept = twoRuns("");
        assertEquals("REJECT", kept[0], "the choice came back");
        assertTrue(kept[1].startsWith("198.18."), kept[1]);
        assertEquals(kept[1], kept[2], "the name kept its fake address");
        assertTrue(Files.exists(dir.resolve(".turnout-selections")));
        assertTrue(Files.exists(dir.resolve("turnout-fakeip.cache")));

        Files.delete(dir.resolve(".turnout-selections"));
        Files.delete(dir.resolve("turnout-fakeip.cache"));
        String[] forgotten = twoRuns("profile: {store-selected: false, store-fake-ip: false}");
        assertEquals("DIRECT", forgotten[0], "the group's first member again");
        assertTrue(forgotten[2].startsWith("198.18."), forgotten[2]);
        assertFalse(forgotten[1].equals(forgotten[2]), "the pool started afresh: " + forgotten[1] + " then "
                + forgotten[2]);
        assertFalse(Files.exists(dir.resolve(".turnout-selections")), "nothing written for the choices");
        assertFalse(Files.exists(dir.resolve("turnout-fakeip.cache")), "nor for the mappings");
    }
}
