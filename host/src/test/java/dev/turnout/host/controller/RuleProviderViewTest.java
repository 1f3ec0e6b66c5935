package dev.turnout.host.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigLoader;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.outbound.HostDirect;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.route.Routing;
import dev.turnout.host.route.RoutingCompiler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /providers/rules} as mihomo's ruleSetProvider and inlineProvider write it: the count of the set the running
 * rules use and the time it was read, not the file as it is now (s69 F1, F3).
 */
class RuleProviderViewTest {

    @TempDir
    Path dir;
    private Config config;
    private Routing routing;

    @BeforeEach
    void compile() throws Exception {
        Files.writeString(dir.resolve("rflow.yaml"), "payload: ['flow1.test', 'flow2.test', 'flow3.test']\n");
        Files.writeString(dir.resolve("rcl.yaml"), String.join("\n", "payload:", "  - DOMAIN,cl1.test",
                "  - DOMAIN-SUFFIX,cl2.test", "  - DOMAIN,cl1.test", "  - BOGUS-TYPE,x", "  - IP-CIDR,203.0.113.0/24", ""));
        Files.writeString(dir.resolve("rf.yaml"), "payload:\n  - rf1.test\n  - rf2.test\n");
        Files.setLastModifiedTime(dir.resolve("rf.yaml"), FileTime.from(Instant.parse("2026-01-02T03:04:05Z")));
        config = ConfigLoader.parse(String.join("\n",
                "rule-providers:",
                "  rflow: {type: file, behavior: domain, path: ./rflow.yaml}",
                "  rcl: {type: file, behavior: classical, path: ./rcl.yaml}",
                "  rf: {type: file, behavior: domain, path: ./rf.yaml}",
                "  rp: {type: inline, behavior: domain, payload: [a.test, b.test, c.test]}",
                "rules:",
                "  - RULE-SET,rf,DIRECT",
                "  - RULE-SET,rflow,DIRECT",
                "  - RULE-SET,rcl,DIRECT",
                "  - RULE-SET,rp,DIRECT",
                "  - MATCH,DIRECT",
                ""), "c.yaml", dir.resolve("c.yaml"), dir);
        routing = new RoutingCompiler(new OutboundFactory(HostDirect.types(), null, (dev.turnout.api.Resolver) null))
                .compile(config, Downloads.NONE).routing();
    }

    @AfterEach
    void close() {
        routing.outbounds().close();
    }

    private Map<String, Object> shown(String name) {
        return ClashViews.ruleProvider(config.providers().get(name), routing);
    }

    @Test
    void ruleCountIsTheParsedSetsCount() {
        assertEquals(3, shown("rflow").get("ruleCount"), "a flow-style YAML list");
        assertEquals(4, shown("rcl").get("ruleCount"), "the skipped BOGUS-TYPE line is not counted");
        assertEquals(2, shown("rf").get("ruleCount"));
        assertEquals(3, shown("rp").get("ruleCount"));
    }

    @Test
    void anEditNotYetReadChangesNeitherTheCountNorTheTime() throws Exception {
        assertEquals("2026-01-02T03:04:05Z", shown("rf").get("updatedAt"), "the file's time as read");
        Files.writeString(dir.resolve("rf.yaml"), "payload:\n  - rf1.test\n  - rf2.test\n  - rf3.test\n  - rf4.test\n");
        Map<String, Object> after = shown("rf");
        assertEquals(2, after.get("ruleCount"));
        assertEquals("2026-01-02T03:04:05Z", after.get("updatedAt"));
    }

    @Test
    void anInlineProviderShowsWhenItWasLoadedItsPayloadAndNoFormat() {
        Map<String, Object> rp = shown("rp");
        assertNotEquals("0001-01-01T00:00:00Z", rp.get("updatedAt"));
        assertTrue(Instant.parse((String) rp.get("updatedAt")).isAfter(Instant.now().minusSeconds(60)));
        assertEquals("", rp.get("format"));
        assertEquals(List.of("a.test", "b.test", "c.test"), rp.get("payload"));
        assertEquals("Inline", rp.get("vehicleType"));
        assertEquals("YamlRule", shown("rf").get("format"));
        assertFalse(shown("rf").containsKey("payload"));
    }
}
