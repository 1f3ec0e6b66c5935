package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * mihomo 1.19.19's rule switches and counts on the packaged Turnout, as zashboard and Clash Party use them: {@code GET
 * /rules} gives each rule its index and how often it decided a flow or was passed over, {@code PATCH /rules/disable}
 * switches a rule off and on again while flows go on. Before, /rules had neither and the PATCH was a 404.
 */
class RuleSwitchesIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int WEB = 8080;

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("trsw", "curl");

    @Test
    void aRuleSwitchedOffLetsTheNextDecideAndTheCountsSaySo() throws Exception {
        Path dir = scratch.dir();
        Netns ns = scratch.ns();
        ns.hosts(Map.of("blocked.test", "127.0.0.1", "other.test", "127.0.0.1"));
        ns.spawn(dir.resolve("web.log"), Daemons.peer("http", Integer.toString(WEB)));
        ns.awaitTcpPort(WEB, Duration.ofSeconds(20));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "rule-providers:",
                "  two: {type: inline, behavior: domain, payload: [a.example, b.example]}",
                "rules:",
                "  - DOMAIN,blocked.test,REJECT",
                "  - DOMAIN-SUFFIX,test,DIRECT",
                "  - RULE-SET,two,REJECT",
                "  - MATCH,REJECT",
                ""));
        try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER)) {
            Api api = new Api(ns, CONTROLLER, null);
            assertEquals("403", status(ns, "blocked.test"), turnout.log());
            assertEquals("200", status(ns, "other.test"));
            List<Map<String, Object>> rules = rules(api);
            assertEquals(List.of(0, 1, 2, 3), rules.stream().map(r -> ((Number) r.get("index")).intValue()).toList());
            assertEquals(List.of(-1, -1, 2, -1), rules.stream().map(r -> ((Number) r.get("size")).intValue()).toList(),
                    "a RULE-SET's size is its provider's entries");
            assertEquals(List.of(1L, 1L, 0L, 0L), counts(rules, "hitCount"));
            assertEquals(List.of(1L, 0L, 0L, 0L), counts(rules, "missCount"), "other.test passed rule 0 over");
            assertTrue(!extra(rules.get(0)).get("hitAt").equals("0001-01-01T00:00:00Z"), rules.toString());
            assertEquals("0001-01-01T00:00:00Z", extra(rules.get(2)).get("hitAt"), "never: Go's zero time");

            Api.Response off = api.call("PATCH", "/rules/disable", "{\"0\": true}");
            assertEquals(204, off.status(), off + turnout.log());
            assertEquals("200", status(ns, "blocked.test"), "rule 0 is off: the next rule decides\n" + turnout.log());
            assertTrue(turnout.log().contains("--> blocked.test:8080 match DOMAIN-SUFFIX,test using DIRECT"),
                    turnout.log());
            rules = rules(api);
            assertEquals(List.of(true, false, false, false), rules.stream().map(r -> extra(r).get("disabled")).toList());
            assertEquals(List.of(1L, 2L, 0L, 0L), counts(rules, "hitCount"), "the counts go on across the switch");

            assertEquals(400, api.call("PATCH", "/rules/disable", "{\"4\": true}").status(), "no rule 4");
            assertEquals(400, api.call("PATCH", "/rules/disable", "{\"first\": true}").status());
            assertEquals(400, api.call("PATCH", "/rules/disable", "{\"1\": \"yes\"}").status());
            assertEquals(List.of(true, false, false, false),
                    rules(api).stream().map(r -> extra(r).get("disabled")).toList(), "a refused PATCH changes nothing");

            assertEquals(204, api.call("PATCH", "/rules/disable", "{\"0\": false}").status());
            assertEquals("403", status(ns, "blocked.test"), "on again");

            assertEquals(204, api.call("PATCH", "/rules/disable", "{\"0\": true}").status());
            assertTrue(turnout.reload(), turnout.log());
            assertEquals("403", status(ns, "blocked.test"), "a reload reads the file: every rule on again, as in mihomo");
            assertEquals(List.of(false, false, false, false),
                    rules(api).stream().map(r -> extra(r).get("disabled")).toList());
        }
    }

    private static String status(Netns ns, String host) throws Exception {
        Netns.Result r = ns.run(Duration.ofSeconds(30), "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "10", "--proxy", "http://127.0.0.1:" + MIXED, "http://" + host + ":" + WEB + "/");
        return r.stdout();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules(Api api) throws Exception {
        Api.Response r = api.get("/rules");
        assertEquals(200, r.status(), r.toString());
        return (List<Map<String, Object>>) r.object().get("rules");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> extra(Map<String, Object> rule) {
        return (Map<String, Object>) rule.get("extra");
    }

    private static List<Long> counts(List<Map<String, Object>> rules, String key) {
        return rules.stream().map(r -> ((Number) extra(r).get(key)).longValue()).toList();
    }
}
