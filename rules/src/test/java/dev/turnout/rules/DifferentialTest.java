package dev.turnout.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random rule lists of every type against random queries: the index must agree with the linear reference. */
class DifferentialTest {

    private static final String[] LABELS = {"a", "b", "ab", "ex", "com", "cn", "net", "goo", "gle", "x-y"};
    private static final String[] REGEXES = {"^a", "b\\.com$", "(ab|ex)\\.", "goo.*gle", "^[a-c]+\\.cn$", "x-y"};
    private static final String[] PROCS = {"curl", "Curl", "frpc", "aria2c"};
    private static final String[] V4 = {"10.1.2.3", "10.1.3.4", "10.200.0.1", "192.0.2.7", "198.51.100.9"};
    private static final String[] V6 = {"2001:db8::1", "2001:db8:1::5", "2001:db8:ffff::9", "::ffff:10.1.2.3"};
    private static final Set<String> TARGETS = Set.of("PROXY", "G1", "G2");

    @Test
    void indexAgreesWithLinearReferenceOnRandomRuleLists() throws Exception {
        long seed = Long.getLong("turnout.seed", System.nanoTime());
        System.out.println("DifferentialTest seed " + seed + " (rerun with -Dturnout.seed=" + seed + ")");
        Random rnd = new Random(seed);
        long deadline = System.nanoTime() + 60_000_000_000L;
        // PIT reruns this test for every mutant it covers: its profile asks for fewer lists (a count, not a time,
        // so a loaded machine cannot make the floor fail).
        int wanted = Integer.getInteger("turnout.differential.lists", 3000);
        int lists = 0;
        int queries = 0;
        int matchedSomething = 0;
        int resolvedSomething = 0;
        for (; lists < wanted && System.nanoTime() < deadline; lists++) {
            Map<String, ProviderSource> providers = randomProviders(rnd);
            List<RuleLine> lines = new ArrayList<>();
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 40);
            for (int i = 0; i < n; i++) {
                lines.add(new RuleLine(randomRule(rnd, providers, 0) + "," + target(rnd) + options(rnd),
                        new Origin("config.yaml", i + 1, 5)));
            }
            if (rnd.nextInt(4) == 0) {
                lines.add(new RuleLine("MATCH,PROXY", new Origin("config.yaml", n + 1, 5)));
            }
            RuleSet set;
            LinearReference ref;
            try {
                set = RuleSet.compile(lines, providers, TARGETS);
                ref = new LinearReference(lines, providers);
            } catch (RuleException e) {
                throw new AssertionError("seed " + seed + ": generated rules must compile: " + e.getMessage(), e);
            }
            for (int k = 0; k < 60; k++, queries++) {
                Query q = randomQuery(rnd);
                Map<String, List<InetAddress>> answers = new HashMap<>();
                int[] indexCalls = {0};
                NameResolver counting = d -> {
                    indexCalls[0]++;
                    return answers.computeIfAbsent(d, x -> resolve(x));
                };
                int before = ref.resolverCalls();
                int expected = ref.decide(q, this::resolve);
                int refCalls = ref.resolverCalls() - before;
                Decision got = set.decide(q, counting);
                if (got.index() != expected) {
                    fail("seed " + seed + " list " + lists + ": " + q + " -> index " + got.index() + " but linear "
                            + expected + "\nrules:\n" + String.join("\n", lines.stream().map(RuleLine::text).toList())
                            + "\nproviders: " + providers);
                }
                assertTrue(indexCalls[0] <= refCalls, "index resolved where Clash would not: " + q);
                if (expected >= 0) {
                    matchedSomething++;
                    assertEquals(lines.get(expected).text().split(",")[0].trim().toUpperCase().replace("FINAL",
                            "MATCH").substring(0, 2), got.rule().toUpperCase().replace("FINAL", "MATCH")
                            .substring(0, 2));
                }
                resolvedSomething += indexCalls[0];
            }
        }
        System.out.println("DifferentialTest: " + lists + " lists, " + queries + " queries, " + matchedSomething
                + " matched, " + resolvedSomething + " resolutions");
        assertTrue(lists >= Math.min(200, wanted), "too few lists in the time budget: " + lists);
        assertTrue(matchedSomething > queries / 10, "generator too weak: only " + matchedSomething + " matches");
        assertTrue(resolvedSomething > 0, "generator never exercised resolution");
    }

    /** A deterministic fake DNS: some names have no address. */
    private List<InetAddress> resolve(String domain) {
        int h = Math.floorMod(domain.hashCode(), 7);
        try {
            return switch (h) {
                case 0 -> List.of();
                case 1, 2 -> List.of(InetAddress.getByName(V4[Math.floorMod(domain.hashCode(), V4.length)]));
                case 3 -> List.of(InetAddress.getByName(V6[Math.floorMod(domain.hashCode() >> 3, V6.length)]));
                default -> List.of(InetAddress.getByName("10.1." + h + ".9"));
            };
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String domain(Random rnd) {
        int n = 1 + rnd.nextInt(4);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append('.');
            }
            sb.append(LABELS[rnd.nextInt(LABELS.length)]);
        }
        return sb.toString();
    }

    private static String cidr(Random rnd) {
        if (rnd.nextInt(3) == 0) {
            String[] v6 = {"2001:db8::/32", "2001:db8::/64", "2001:db8:1::/48", "::ffff:10.1.0.0/112", "::/0",
                "2001:db8::1/128", "2001:db8:8000::/33"};
            return v6[rnd.nextInt(v6.length)];
        }
        String base = V4[rnd.nextInt(V4.length)];
        int len = new int[] {0, 8, 12, 16, 23, 24, 31, 32}[rnd.nextInt(8)];
        return base + "/" + len;
    }

    private static String ports(Random rnd) {
        int parts = 1 + rnd.nextInt(2);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            if (i > 0) {
                sb.append('/');
            }
            int a = new int[] {22, 80, 443, 1000, 8080}[rnd.nextInt(5)];
            sb.append(a);
            if (rnd.nextBoolean()) {
                sb.append('-').append(a + rnd.nextInt(2000));
            }
        }
        return sb.toString();
    }

    private static String randomRule(Random rnd, Map<String, ProviderSource> providers, int depth) {
        int kind = rnd.nextInt(depth > 1 ? 12 : 15);
        return switch (kind) {
            case 0, 1 -> "DOMAIN," + maybeUpper(rnd, domain(rnd)) + (rnd.nextInt(5) == 0 ? "." : "");
            case 2, 3 -> "DOMAIN-SUFFIX," + maybeUpper(rnd, domain(rnd));
            case 4 -> "DOMAIN-KEYWORD," + LABELS[rnd.nextInt(LABELS.length)].substring(0, 1 + rnd.nextInt(1));
            case 5 -> "DOMAIN-REGEX," + REGEXES[rnd.nextInt(REGEXES.length)];
            case 6 -> (rnd.nextBoolean() ? "IP-CIDR," : "IP-CIDR6,") + cidr(rnd)
                    + (depth > 0 && rnd.nextBoolean() ? ",no-resolve" : "");
            case 7 -> "SRC-IP-CIDR," + cidr(rnd);
            case 8 -> (rnd.nextBoolean() ? "DST-PORT," : "SRC-PORT,") + ports(rnd);
            case 9 -> "NETWORK," + (rnd.nextBoolean() ? "tcp" : "UDP");
            case 10 -> "PROCESS-NAME," + PROCS[rnd.nextInt(PROCS.length)];
            case 11 -> providers.isEmpty() ? "NETWORK,tcp"
                    : "RULE-SET," + new ArrayList<>(providers.keySet()).get(rnd.nextInt(providers.size()));
            default -> {
                String op = new String[] {"AND", "OR", "NOT"}[rnd.nextInt(3)];
                int n = op.equals("NOT") ? 1 : 1 + rnd.nextInt(3);
                StringBuilder sb = new StringBuilder(op).append(",(");
                for (int i = 0; i < n; i++) {
                    sb.append(i > 0 ? "," : "").append('(').append(randomRule(rnd, providers, depth + 1)).append(')');
                }
                yield sb.append(')').toString();
            }
        };
    }

    private static String maybeUpper(Random rnd, String s) {
        return rnd.nextInt(6) == 0 ? s.toUpperCase() : s;
    }

    private static String target(Random rnd) {
        return new String[] {"PROXY", "DIRECT", "REJECT", "G1", "G2"}[rnd.nextInt(5)];
    }

    private static String options(Random rnd) {
        return rnd.nextInt(3) == 0 ? ",no-resolve" : "";
    }

    private static Map<String, ProviderSource> randomProviders(Random rnd) {
        Map<String, ProviderSource> out = new LinkedHashMap<>();
        int n = rnd.nextInt(4);
        for (int p = 0; p < n; p++) {
            Behavior behavior = Behavior.values()[rnd.nextInt(3)];
            boolean yaml = rnd.nextBoolean();
            List<String> entries = new ArrayList<>();
            int count = rnd.nextInt(12);
            for (int i = 0; i < count; i++) {
                entries.add(switch (behavior) {
                    case DOMAIN -> new String[] {"", "+.", ".", "*."}[rnd.nextInt(4)] + domain(rnd)
                            .replace(rnd.nextInt(8) == 0 ? "ex" : "\u0000", "*");
                    case IPCIDR -> cidr(rnd);
                    case CLASSICAL -> rnd.nextInt(10) == 0 ? "GEOIP,CN" : randomRule(rnd, Map.of(), 1)
                            + (rnd.nextInt(3) == 0 ? ",no-resolve" : "");
                });
            }
            StringBuilder content = new StringBuilder(yaml ? "payload:\n" : "# generated\n");
            for (String e : entries) {
                content.append(yaml ? "  - '" + e.replace("'", "''") + "'\n" : e + "\n");
            }
            String name = "p" + p;
            out.put(name, new ProviderSource(name, behavior, yaml ? ProviderFormat.YAML : ProviderFormat.TEXT,
                    content.toString(), name + (yaml ? ".yaml" : ".txt"), new Origin("config.yaml", 100 + p, 3)));
        }
        return out;
    }

    private static Query randomQuery(Random rnd) throws UnknownHostException {
        String domain = rnd.nextInt(5) == 0 ? null : maybeUpper(rnd, domain(rnd)) + (rnd.nextInt(8) == 0 ? "." : "");
        InetAddress dest = null;
        if (domain == null || rnd.nextInt(4) == 0) {
            dest = rnd.nextBoolean() ? InetAddress.getByName(V4[rnd.nextInt(V4.length)])
                    : InetAddress.getByName(V6[rnd.nextInt(V6.length)]);
            if (rnd.nextInt(5) == 0) {
                dest = null;
            }
        }
        InetAddress src = rnd.nextBoolean() ? InetAddress.getByName(V4[rnd.nextInt(V4.length)])
                : rnd.nextBoolean() ? InetAddress.getByName(V6[rnd.nextInt(V6.length)]) : null;
        int[] ports = {0, 22, 80, 443, 999, 1500, 2500, 8080, 9999, 65535};
        return new Query(rnd.nextBoolean() ? Network.TCP : Network.UDP, domain, dest,
                ports[rnd.nextInt(ports.length)], src, ports[rnd.nextInt(ports.length)],
                rnd.nextInt(3) == 0 ? null : PROCS[rnd.nextInt(PROCS.length)]);
    }
}
