package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.dist.controller.Api;
import dev.turnout.dist.controller.Launched;
import dev.turnout.dist.testing.Daemons;
import dev.turnout.dist.testing.Netns;
import dev.turnout.dist.testing.ScratchNamespace;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An airport's subscription as Clash Verge writes it into the config: nodes of every kind inline, among them
 * hysteria2, tuic, VLESS with REALITY and Shadowsocks 2022, which Turnout does not implement, beside one it does
 * (dante here). Before, the first of them stopped the start ("unknown outbound type 'hysteria2'"); now they are left
 * out, each named at its line, the groups go on with what is left, and whatever would have used only them (a rule
 * naming one, a url-test of them alone, a relay through one) is refused, never sent DIRECT.
 */
class LeftOutProxiesIT {

    static final int MIXED = 7890;
    static final int CONTROLLER = 9090;
    static final int WEB = 8080;
    static final String HY2 = "\uD83C\uDDED\uD83C\uDDF0 HK 01 hy2";

    @RegisterExtension
    final ScratchNamespace scratch = new ScratchNamespace("tleft", "danted", "curl");

    static String config() {
        return String.join("\n",
                "mixed-port: " + MIXED,
                "external-controller: 127.0.0.1:" + CONTROLLER,
                "proxies:",
                "  - {name: '" + HY2 + "', type: hysteria2, server: 192.0.2.10, port: 443, password: p, sni: hk.example}",
                "  - {name: JP 01 tuic, type: tuic, server: 192.0.2.11, port: 443,"
                        + " uuid: 00000000-0000-0000-0000-000000000001, password: p}",
                "  - {name: US 01 reality, type: vless, server: 192.0.2.12, port: 443,"
                        + " uuid: 00000000-0000-0000-0000-000000000001, tls: true, flow: xtls-rprx-vision,"
                        + " servername: www.example.com, client-fingerprint: chrome,"
                        + " reality-opts: {public-key: k, short-id: ab}}",
                "  - {name: SG 01 ss2022, type: ss, server: 192.0.2.13, port: 8388, cipher: 2022-blake3-aes-128-gcm,"
                        + " password: 'AAAAAAAAAAAAAAAAAAAAAA=='}",
                "  - {name: DE 01 upgrade, type: vless, server: 192.0.2.14, port: 80,"
                        + " uuid: 00000000-0000-0000-0000-000000000001, network: ws,"
                        + " ws-opts: {path: /up, v2ray-http-upgrade: true}}",
                "  - {name: s5, type: socks5, server: 127.0.0.1, port: 1080}",
                "proxy-groups:",
                "  - {name: PROXY, type: select, proxies: ['" + HY2 + "', JP 01 tuic, US 01 reality, SG 01 ss2022,"
                        + " DE 01 upgrade, s5]}",
                "  - {name: AUTO, type: url-test, proxies: ['" + HY2 + "', JP 01 tuic],"
                        + " url: 'http://127.0.0.1:" + WEB + "/generate_204', interval: 300}",
                "  - {name: CHAIN, type: relay, proxies: [s5, JP 01 tuic]}",
                "rules:",
                "  - DOMAIN,named.test," + HY2,
                "  - DOMAIN,auto.test,AUTO",
                "  - DOMAIN,chain.test,CHAIN",
                "  - MATCH,PROXY",
                "");
    }

    @Test
    void theNodesTurnoutSpeaksCarryTheFlowsAndTheRestAreLeftOutAndRefused() throws Exception {
        Path dir = scratch.dir();
        Netns ns = scratch.ns();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, config());

        Netns.Result check = PluginsIT.runLauncher("check", "-c", config.toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        String said = check.stdout() + check.stderr();
        for (String line : List.of(
                config + ":4:" + column(config().lines().toList().get(3), "hysteria2") + ": '" + HY2
                        + "' is left out: type 'hysteria2' (mihomo's Hysteria2) is not implemented by Turnout",
                config + ":5:30: 'JP 01 tuic' is left out: type 'tuic' (mihomo's Tuic) is not implemented by Turnout",
                "'US 01 reality' is left out: 'flow: xtls-rprx-vision' (XTLS) is not implemented by the vless plugin",
                "'SG 01 ss2022' is left out: cipher '2022-blake3-aes-128-gcm' (Shadowsocks 2022) is not implemented",
                "'DE 01 upgrade' is left out: 'ws-opts.v2ray-http-upgrade' (V2Ray's HTTPUpgrade transport) is not implemented",
                "group 'AUTO' has no members: '" + HY2 + "', 'JP 01 tuic' were left out; flows routed to it are refused",
                "relay 'CHAIN' has no way through: its hop 'JP 01 tuic' left out; flows routed to it are refused",
                "  SG 01 ss2022             ss   (left out)",
                "  AUTO                     url-test     (none: its flows are refused)")) {
            assertTrue(said.contains(line), "check does not say: " + line + "\n" + said);
        }

        ns.hosts(Map.of("web.test", "127.0.0.1", "named.test", "127.0.0.1", "auto.test", "127.0.0.1",
                "chain.test", "127.0.0.1"));
        ns.spawn(dir.resolve("web.log"), Daemons.peer("http", Integer.toString(WEB)));
        Path danteLog = dir.resolve("danted.log");
        Daemons.dante(ns, dir, 1080, danteLog);
        ns.awaitTcpPort(WEB, Duration.ofSeconds(20));
        try (Launched turnout = Launched.start(ns, config, dir.resolve("turnout.log"), CONTROLLER)) {
            ns.awaitTcpPort(MIXED, Duration.ofSeconds(30));
            Netns.Result viaS5 = curl(ns, "web.test", "/through-s5");
            assertEquals(0, viaS5.exitCode(), viaS5.stderr() + turnout.log());
            assertTrue(viaS5.stdout().startsWith("hello /through-s5"), viaS5.stdout());
            assertTrue(MixedPortIT.read(danteLog).contains("address: web.test." + WEB),
                    () -> "PROXY's flow did not go through s5 (dante):\n" + MixedPortIT.read(danteLog));

            for (String refused : List.of("named.test", "auto.test", "chain.test")) {
                Netns.Result r = curl(ns, refused, "/" + refused);
                // 97: the SOCKS5 reply said no, at once; a flow left waiting would time out (28).
                assertEquals(97, r.exitCode(), refused + ": " + r.stdout() + r.stderr() + turnout.log());
            }
            String web = MixedPortIT.read(dir.resolve("web.log"));
            for (String refused : List.of("named.test", "auto.test", "chain.test")) {
                assertFalse(web.contains("/" + refused), refused + " reached the server, DIRECT:\n" + web);
                assertFalse(MixedPortIT.read(danteLog).contains("address: " + refused),
                        refused + " went through s5:\n" + MixedPortIT.read(danteLog));
            }
            assertTrue(turnout.log().contains("--> named.test:8080 match DOMAIN,named.test using " + HY2),
                    turnout.log());
            assertTrue(turnout.log().contains("failed: relay 'CHAIN' has no members"), turnout.log());
            assertFalse(turnout.log().contains("An exception was thrown"), turnout.log());

            Api api = new Api(ns, CONTROLLER, null);
            Map<String, Object> proxy = api.get("/proxies/PROXY").object();
            assertEquals(List.of("s5"), proxy.get("all"), proxy.toString());
            assertEquals("s5", proxy.get("now"));
            Api.Response hy2 = api.get("/proxies/" + URLEncoder.encode(HY2, StandardCharsets.UTF_8).replace("+", "%20"));
            assertEquals(200, hy2.status(), hy2.toString());
            assertEquals("Hysteria2", hy2.object().get("type"), "a dashboard shows what the node is");
            @SuppressWarnings("unchecked")
            List<String> global = (List<String>) api.get("/proxies/GLOBAL").object().get("all");
            assertFalse(global.contains(HY2) || global.contains("JP 01 tuic"), global.toString());
            Api.Response pick = api.call("PUT", "/proxies/PROXY", "{\"name\": \"JP 01 tuic\"}");
            assertEquals(400, pick.status(), "a dashboard cannot pick a node that was left out: " + pick);
        }
    }

    /** Where {@code type: value} has its value, in characters (code points) as the YAML reader counts them. */
    private static int column(String line, String type) {
        int at = line.indexOf("type: " + type) + "type: ".length();
        return line.codePointCount(0, at) + 1;
    }

    private static Netns.Result curl(Netns ns, String host, String path) throws Exception {
        return ns.run(Duration.ofSeconds(30), "curl", "-sS", "--max-time", "10", "--socks5-hostname",
                "127.0.0.1:" + MIXED, "http://" + host + ":" + WEB + path);
    }
}
