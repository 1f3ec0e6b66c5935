package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What metacubexd's config page sends beside the ports, as mihomo's {@code PATCH /configs} takes it: its Core Config
 * card's {@code unified-delay} and {@code interface-name}, mihomo's {@code tcp-concurrent} and {@code sniffing}, and
 * the TUN's {@code device} and {@code stack}. Before, each was a 400 ("Turnout changes ... while running, not
 * interface-name"), so the card's switches showed an error and changed nothing.
 */
class CoreConfigPatchIT {

    static final String WEB = "192.0.2.1";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tcorecfg", "curl");

    Netns ns;
    Path dir;
    Api api;

    @BeforeEach
    void start() throws Exception {
        ns = scratch.ns();
        dir = scratch.dir();
        ns.address("lo", WEB + "/32");
        ns.spawn(dir.resolve("http.log"), Daemons.peer("http", "8080"));
        ns.awaitTcpPort(8080, Duration.ofSeconds(20));
        api = new Api(ns, 9090, null);
    }

    private Launched turnout(String... extra) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n", "mixed-port: 7890", "log-level: info",
                "external-controller: 127.0.0.1:9090", String.join("\n", extra), "rules:", "  - MATCH,DIRECT", ""));
        return Launched.start(ns, config, dir.resolve("turnout.log"), 9090);
    }

    private int get() throws Exception {
        String code = ns.run(Duration.ofSeconds(20), "curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w",
                "%{http_code}", "-x", "http://127.0.0.1:7890", "http://" + WEB + ":8080/x").stdout().trim();
        return Integer.parseInt(code.isEmpty() ? "0" : code);
    }

    private Map<String, Object> configs() throws Exception {
        return api.get("/configs").object();
    }

    @Test
    void theCoreConfigCardsSwitchesApplyAtOnce() throws Exception {
        try (Launched t = turnout()) {
            assertEquals(200, get(), t::log);
            assertEquals(204, api.call("PATCH", "/configs", "{\"unified-delay\":true}").status(), t::log);
            assertEquals(true, configs().get("unified-delay"));
            assertEquals(204, api.call("PATCH", "/configs", "{\"tcp-concurrent\":true,\"sniffing\":true}").status());
            assertEquals(true, configs().get("tcp-concurrent"));
            // No sniffer in this config: nothing to switch on, as mihomo's SetSniffing (sniffer F8 of session 70).
            assertEquals(false, configs().get("sniffing"));

            // Turnout's own connections leave through the interface named: one that does not exist here fails them.
            assertEquals(204, api.call("PATCH", "/configs", "{\"interface-name\":\"nosuch0\"}").status(), t::log);
            assertEquals("nosuch0", configs().get("interface-name"));
            assertNotEquals(200, get(), "DIRECT is bound to an interface that is not there");
            assertEquals(204, api.call("PATCH", "/configs", "{\"interface-name\":\"\"}").status(), t::log);
            assertEquals(200, get(), t::log);

            Api.Response bad = api.call("PATCH", "/configs", "{\"unified-delay\":\"yes\"}");
            assertEquals(400, bad.status(), bad::toString);
            assertTrue(bad.body().contains("unified-delay must be true or false"), bad::body);
        }
    }

    /** metacubexd's TUN device field and stack list, while the TUN is off and while it runs. */
    @Test
    void theTunsDeviceFollowsThePatchAndAStackTurnoutDoesNotRunIsRefused() throws Exception {
        try (Launched t = turnout("tun:", "  enable: false", "  device: tcard0", "  auto-route: false",
                "  state-file: " + dir.resolve("tun.state"))) {
            assertEquals(204, api.call("PATCH", "/configs", "{\"tun\":{\"device\":\"tcard1\"}}").status(), t::log);
            assertEquals(Map.of("enable", false, "device", "tcard1"), subset(configs().get("tun"), "enable", "device"));
            assertEquals(204, api.call("PATCH", "/configs", "{\"tun\":{\"enable\":true}}").status(), t::log);
            assertEquals(0, link("tcard1"), t::log);

            assertEquals(204, api.call("PATCH", "/configs",
                    "{\"tun\":{\"device\":\"tcard2\",\"stack\":\"System\",\"mtu\":1400}}").status(), t::log);
            assertEquals(0, link("tcard2"), t::log);
            assertTrue(ns.run(Duration.ofSeconds(10), "ip", "link", "show", "tcard2").stdout().contains("mtu 1400"),
                    "the JSON number is the config's mtu");
            assertNotEquals(0, link("tcard1"), "reopened under its new name");
            assertEquals(Map.of("enable", true, "device", "tcard2"), subset(configs().get("tun"), "enable", "device"));

            // As the start takes the config's: a warning, and the system stack goes on running.
            Api.Response gvisor = api.call("PATCH", "/configs", "{\"tun\":{\"stack\":\"gVisor\"}}");
            assertEquals(204, gvisor.status(), gvisor::toString);
            String said = "tun.stack gVisor set by the controller: not implemented by Turnout; the system stack is used";
            for (int i = 0; i < 50 && !t.log().contains(said); i++) {
                Thread.sleep(100); // the controller's loop queues its lines for standard error
            }
            assertTrue(t.log().contains(said), t::log);
            assertEquals(0, link("tcard2"), "the TUN runs on as it ran");
            assertEquals("System", ((Map<?, ?>) configs().get("tun")).get("stack"));
            Api.Response vpn = api.call("PATCH", "/configs", "{\"tun\":{\"stack\":\"vpn\"}}");
            assertEquals(400, vpn.status(), vpn::toString);
            assertTrue(vpn.body().contains("expected gvisor, system or mixed"), vpn::body);
            assertEquals(0, link("tcard2"), "a refused change leaves the TUN as it runs");
        }
    }

    private int link(String device) throws Exception {
        return ns.run(Duration.ofSeconds(10), "ip", "link", "show", device).exitCode();
    }

    private static Map<String, Object> subset(Object view, String... keys) {
        Map<?, ?> all = (Map<?, ?>) view;
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (String k : List.of(keys)) {
            out.put(k, all.get(k));
        }
        return out;
    }
}
