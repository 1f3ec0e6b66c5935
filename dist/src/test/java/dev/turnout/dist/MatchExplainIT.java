package dev.turnout.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turnout.api.testing.Required;
import dev.turnout.dist.testing.Netns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code turnout check} and {@code turnout match --explain} on mihomo's rule types: SUB-RULE with
 * {@code sub-rules:}, an inline and an mrs rule provider, DOMAIN-WILDCARD, IP-SUFFIX and an RE2 DOMAIN-REGEX. In an
 * empty namespace, so nothing resolves or leaves the machine.
 */
class MatchExplainIT {

    static final Path DIST = Path.of(System.getProperty("turnout.dist"));

    /** a.cn and +.b.cn in mihomo's MRS format (rules' InlineAndMrsProvidersTest spells out its bytes). */
    static final byte[] DOMAIN_MRS = Base64.getDecoder().decode(
            "KLUv/SRFDQEAmE1SUwEAAgABsGsqB25jLmFiLisFACDDmTJ7uwAZZ0ALc9pJlA==");

    @TempDir
    Path dir;

    private Netns.Result turnout(Path config, String input, String... args) throws Exception {
        String why = Netns.unavailableReason();
        Required.nothingMissing(why);
        Path in = dir.resolve("queries.txt");
        Files.writeString(in, input, StandardCharsets.UTF_8);
        List<String> command = new java.util.ArrayList<>(List.of("bash", "-c",
                "exe=$0; cfg=$1; in=$2; shift 2; \"$exe\" \"$@\" -c \"$cfg\" < \"$in\"",
                DIST.resolve("bin/turnout").toString(), config.toString(), in.toString()));
        command.addAll(List.of(args));
        try (Netns ns = Netns.create("texpl")) {
            return ns.run(Duration.ofSeconds(120), command.toArray(String[]::new));
        }
    }

    @Test
    void checkAcceptsMihomosRuleTypesAndMatchExplainsTheWalk() throws Exception {
        Files.write(dir.resolve("cn.mrs"), DOMAIN_MRS);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "proxy-groups:",
                "  - {name: PROXY, type: select, proxies: [DIRECT]}",
                "rule-providers:",
                "  ads:",
                "    type: inline",
                "    behavior: domain",
                "    payload: ['+.ads.example']",
                "  cn:",
                "    type: file",
                "    format: mrs",
                "    behavior: domain",
                "    path: ./cn.mrs",
                "rules:",
                "  - RULE-SET,ads,REJECT",
                "  - DOMAIN-REGEX,^(?P<n>cdn[0-9]{1,3})\\.,PROXY",
                "  - DOMAIN-WILDCARD,*.video.*,PROXY",
                "  - IP-SUFFIX,0.0.0.53/8,REJECT,no-resolve",
                "  - SUB-RULE,(NETWORK,TCP),web",
                "  - MATCH,DIRECT",
                "sub-rules:",
                "  web:",
                "    - RULE-SET,cn,DIRECT",
                "    - DST-PORT,443,PROXY",
                ""), StandardCharsets.UTF_8);
        Netns.Result check = turnout(config, "", "check");
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        assertTrue(check.stdout().contains("SUB-RULE"), check.stdout());

        Netns.Result r = turnout(config, "cdn12.example.org 443\nx.b.cn 443\nnews.example.org 443 tcp\n", "match",
                "--explain");
        assertEquals(0, r.exitCode(), r.stderr());
        String c = config.toString();
        assertEquals(List.of(
                "cdn12.example.org 443\tPROXY\tDOMAIN-REGEX,^(?P<n>cdn[0-9]{1,3})\\.",
                "  " + c + ":14:5  RULE-SET,ads,REJECT  no entry of provider 'ads' matches",
                "  " + c + ":15:5  DOMAIN-REGEX,^(?P<n>cdn[0-9]{1,3})\\.,PROXY  matches",
                "x.b.cn 443\tDIRECT\tRULE-SET,cn",
                "  " + c + ":14:5  RULE-SET,ads,REJECT  no entry of provider 'ads' matches",
                "  " + c + ":15:5  DOMAIN-REGEX,^(?P<n>cdn[0-9]{1,3})\\.,PROXY  /^(?P<n>cdn[0-9]{1,3})\\./ is not"
                        + " found in x.b.cn",
                "  " + c + ":16:5  DOMAIN-WILDCARD,*.video.*,PROXY  x.b.cn does not fit the wildcard *.video.*",
                "  " + c + ":17:5  IP-SUFFIX,0.0.0.53/8,REJECT,no-resolve  no address, and no-resolve: the name is"
                        + " not resolved for it",
                "  " + c + ":18:5  SUB-RULE,(NETWORK,TCP),web  condition holds: walking sub-rules 'web'",
                "    " + c + ":22:7  RULE-SET,cn,DIRECT  matches",
                "  " + c + ":18:5  SUB-RULE,(NETWORK,TCP),web  sub-rules 'web' decided",
                "news.example.org 443 tcp\tPROXY\tDST-PORT,443"),
                r.stdout().lines().limit(12).toList());
        assertTrue(r.stdout().contains("    " + c + ":23:7  DST-PORT,443,PROXY  matches"), r.stdout());
    }

    @Test
    void theWalkSeesWhatTheAnswerSawHostsAddressesAndGroupsOnPass() throws Exception {
        // The walk was given the query without hosts:' address: it ended at MATCH under an answer of REJECT.
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "hosts:",
                "  a.test: 192.0.2.5",
                "proxy-groups:",
                "  - {name: ads, type: select, proxies: [bypass, block]}",
                "  - {name: bypass, type: select, proxies: [PASS]}",
                "  - {name: block, type: select, proxies: [REJECT]}",
                "rules:",
                "  - IP-CIDR,192.0.2.0/24,REJECT,no-resolve",
                "  - DOMAIN-SUFFIX,ads.test,ads",
                "  - MATCH,DIRECT",
                ""), StandardCharsets.UTF_8);
        Netns.Result r = turnout(config, "a.test 80\nx.ads.test 443\n", "match", "--explain");
        assertEquals(0, r.exitCode(), r.stderr());
        String c = config.toString();
        assertEquals(List.of(
                "a.test 80\tREJECT\tIP-CIDR,192.0.2.0/24",
                "  " + c + ":8:5  IP-CIDR,192.0.2.0/24,REJECT,no-resolve  matches",
                "x.ads.test 443\tDIRECT\tMATCH",
                "  " + c + ":8:5  IP-CIDR,192.0.2.0/24,REJECT,no-resolve  no address, and no-resolve: the name is not"
                        + " resolved for it",
                "  " + c + ":9:5  DOMAIN-SUFFIX,ads.test,ads  matches",
                "  'ads' chooses PASS now: going on to the next rule, as mihomo does",
                "  " + c + ":10:5  MATCH,DIRECT  matches"), r.stdout().lines().toList());

        // A run keeps a dashboard's choice beside the config and starts the group there: match does too.
        Files.writeString(dir.resolve(".turnout-selections"), "ads=block\n", StandardCharsets.UTF_8);
        Netns.Result chosen = turnout(config, "x.ads.test 443\n", "match");
        assertEquals(0, chosen.exitCode(), chosen.stderr());
        assertEquals("x.ads.test 443\tads\tDOMAIN-SUFFIX,ads.test\n", chosen.stdout());
        Files.writeString(config, Files.readString(config) + "profile: {store-selected: false}\n");
        assertEquals("x.ads.test 443\tDIRECT\tMATCH\n", turnout(config, "x.ads.test 443\n", "match").stdout(),
                "a run that keeps no choices starts at the first member");
    }

    /**
     * mihomo's PASS-RULE (echs-top/proxy, refused before): a group of [PASS-RULE, REJECT] that ends the main rules and
     * each sub-rules list lets QUIC go on with the next rule of the list it is in; check names the built-in.
     */
    @Test
    void passRuleGoesOnWithinTheSubRulesListWherePassWouldLeaveIt() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "proxies:",
                // udp: a node without it is passed over by a UDP flow (match answers as run routes, mihomo's way)
                "  - {name: ai-node, type: socks5, server: 192.0.2.1, port: 1080, udp: true}",
                "proxy-groups:",
                "  - {name: QUIC, type: select, proxies: [PASS-RULE, REJECT]}",
                "  - {name: AI, type: select, proxies: [ai-node]}",
                "rules:",
                "  - SUB-RULE,(DOMAIN-SUFFIX,ai.test),sub-ai",
                "  - AND,((NETWORK,UDP),(DST-PORT,443)),QUIC",
                "  - MATCH,DIRECT",
                "sub-rules:",
                "  sub-ai:",
                "    - AND,((NETWORK,UDP),(DST-PORT,443)),QUIC",
                "    - MATCH,AI",
                ""), StandardCharsets.UTF_8);
        Netns.Result r = turnout(config, "chat.ai.test 443 udp\nvideo.test 443 udp\nchat.ai.test 443 tcp\n", "match");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(List.of("chat.ai.test 443 udp\tAI\tMATCH", "video.test 443 udp\tDIRECT\tMATCH",
                "chat.ai.test 443 tcp\tAI\tMATCH"), r.stdout().lines().toList());
        Netns.Result explained = turnout(config, "chat.ai.test 443 udp\n", "match", "--explain");
        assertTrue(explained.stdout().contains("    'QUIC' chooses PASS-RULE now: going on with this list's next rule,"
                + " as mihomo does"), explained.stdout());
        Files.writeString(dir.resolve(".turnout-selections"), "QUIC=REJECT\n", StandardCharsets.UTF_8);
        assertEquals("chat.ai.test 443 udp\tQUIC\tAND,((NETWORK,UDP),(DST-PORT,443))\n",
                turnout(config, "chat.ai.test 443 udp\n", "match").stdout(), "QUIC on REJECT decides in the list");
        Netns.Result check = turnout(config, "", "check");
        assertEquals(0, check.exitCode(), check.stderr());
        assertTrue(check.stdout().contains("PASS-RULE"), check.stdout());
    }
}
