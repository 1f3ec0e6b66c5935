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
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Random rule lists of every type against random queries: the index must agree with the linear reference. */
class DifferentialTest {

    private static final String[] LABELS = {"a", "b", "ab", "ex", "com", "cn", "net", "goo", "gle", "x-y"};
    /** Java-regex-compatible ones, and RE2 forms: a comma in a quantifier, \\Q..\\E, (?P<name>..), upper case. */
    private static final String[] REGEXES = {"^a", "b\\.com$", "(ab|ex)\\.", "goo.*gle", "^[a-c]+\\.cn$", "x-y",
        "^[a-c]{1,2}\\.", "\\Qx-y.\\E", "(?P<l>ab)\\.(com|cn)$", "^EX", "(a+)+$"};
    private static final String[] GLOBS = {"*", "*.com", "a*", "*b*", "?b.*", "ex.c?m", "*.cn", "goo*gle.*", "x-y",
        "*.*.net", "a?.*", "*?"};
    private static final String[] SUFFIXES = {"0.0.0.3/8", "0.0.0.9/4", "0.0.2.3/16", "1.2.3.4/0", "10.1.2.3/32",
        "::1/8", "::5/16", "::ffff:0:9/4", "2001:db8::1/128"};
    private static final String[] PROCS = {"curl", "Curl", "frpc", "aria2c"};
    private static final String[] V4 = {"10.1.2.3", "10.1.3.4", "10.200.0.1", "192.0.2.7", "198.51.100.9"};
    private static final String[] V6 = {"2001:db8::1", "2001:db8:1::5", "2001:db8:ffff::9", "::ffff:10.1.2.3"};
    private static final Set<String> TARGETS = Set.of("PROXY", "G1", "G2");

    @Test
    void indexAgreesWithLinearReferenceOnRandomRuleLists() throws Exception {
        // PIT reruns this test for every mutant it covers: its profile asks for fewer lists (a count, not a time,
        // so a loaded machine cannot make the floor fail).
        check(Long.getLong("turnout.seed", System.nanoTime()), Integer.getInteger("turnout.differential.lists", 3000));
    }

    /** Seeds that always run, so a failure they find is the same on every machine. */
    @ParameterizedTest
    @ValueSource(longs = {13L, 1313L, 20261130L})
    void indexAgreesWithLinearReferenceOnFixedSeeds(long seed) throws Exception {
        check(seed, 300);
    }

    private void check(long seed, int maxLists) throws Exception {
        System.out.println("DifferentialTest seed " + seed + " (rerun with -Dturnout.seed=" + seed + ")");
        Random rnd = new Random(seed);
        long deadline = System.nanoTime() + 60_000_000_000L;
        int lists = 0;
        int queries = 0;
        int matchedSomething = 0;
        int resolvedSomething = 0;
        int viaSubRules = 0;
        int explained = 0;
        int disabledRules = 0;
        int passedSomething = 0;
        int passedWithinList = 0;
        for (; lists < maxLists && System.nanoTime() < deadline; lists++) {
            Map<String, ProviderSource> textual = new LinkedHashMap<>();
            Map<String, ProviderSource> providers = randomProviders(rnd, textual);
            Map<String, List<RuleLine>> subs = randomSubRules(rnd, providers);
            List<RuleLine> lines = new ArrayList<>();
            int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 8 : 40);
            for (int i = 0; i < n; i++) {
                lines.add(new RuleLine(line(rnd, providers, subs, subs.size()), new Origin("config.yaml", i + 1, 5)));
            }
            if (rnd.nextInt(4) == 0) {
                lines.add(new RuleLine("MATCH,PROXY", new Origin("config.yaml", n + 1, 5)));
            }
            // Some lists with rules switched off (PATCH /rules/disable): mihomo skips them as if they were not there.
            Set<Integer> disabled = new java.util.HashSet<>();
            boolean switchSomeOff = rnd.nextInt(3) == 0;
            for (int i = 0; switchSomeOff && i < lines.size(); i++) {
                if (rnd.nextInt(3) == 0) {
                    disabled.add(i);
                }
            }
            disabledRules += disabled.size();
            RuleSet set;
            LinearReference ref;
            FakeGeo geo = new FakeGeo(rnd.nextInt(3) == 0);
            Explanation explanation;
            // G2 is a group that may choose PASS (mihomo: the flow goes on to the next rule); in some lists it does.
            boolean g2Passes = rnd.nextBoolean();
            Predicate<String> passes = target -> g2Passes && target.equals("G2");
            // When it passes, in half of those lists its choice is PASS-RULE: within a sub-rules list, the list's next.
            boolean g2WithinList = g2Passes && rnd.nextBoolean();
            Predicate<String> withinList = target -> g2WithinList && target.equals("G2");
            try {
                set = RuleSet.compile(lines, providers, TARGETS, subs, geo, disabled, Set.of("G2"));
                explanation = set.explanation(providers);
                ref = new LinearReference(lines, textual, subs, geo); // mrs providers: the reference reads their text
                ref.disable(disabled);
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
                int expected = ref.decide(q, this::resolve, passes, withinList);
                InetAddress expectedAddress = ref.lastAddress();
                int refCalls = ref.resolverCalls() - before;
                // Only a list where G2 passes can decide otherwise; the walk without is made only there.
                passedSomething += g2Passes && k % 4 == 1 && expected != ref.decide(q, this::resolve) ? 1 : 0;
                passedWithinList += g2WithinList && expected != ref.decide(q, this::resolve, passes) ? 1 : 0;
                Decision got = set.decide(q, counting, passes, withinList);
                if (got.index() != expected) {
                    fail("seed " + seed + " list " + lists + ": " + q + " -> index " + got.index() + " but linear "
                            + expected + "\nrules:\n" + String.join("\n", lines.stream().map(RuleLine::text).toList())
                            + "\nproviders: " + providers);
                }
                assertTrue(indexCalls[0] <= refCalls, "index resolved where Clash would not: " + q);
                if (expected >= 0 && lines.get(expected).text().startsWith("SUB-RULE,")) {
                    matchedSomething++;
                    viaSubRules++;
                    String name = lines.get(expected).text().substring(lines.get(expected).text().lastIndexOf(',') + 1);
                    String[] at = ref.subDecision(name, q, RuleSet.normalize(q.domain()), expectedAddress, withinList)
                            .split("#");
                    RuleLine decider = subs.get(at[0]).get(Integer.parseInt(at[1]));
                    assertEquals(RuleParser.parseLine(decider, w -> { }).target(), got.target(), "seed " + seed
                            + ": " + q + " via " + decider.text());
                } else if (expected >= 0) {
                    matchedSomething++;
                    assertEquals(lines.get(expected).text().split(",")[0].trim().toUpperCase().replace("FINAL",
                            "MATCH").substring(0, 2), got.rule().toUpperCase().replace("FINAL", "MATCH")
                            .substring(0, 2));
                }
                resolvedSomething += indexCalls[0];
                if (k % 4 == 0) {
                    explained++;
                    List<Explanation.Step> steps = explanation.walk(q, d -> answers.computeIfAbsent(d,
                            x -> resolve(x)), passes, withinList);
                    Explanation.Step last = steps.get(steps.size() - 1);
                    if (expected < 0) {
                        assertTrue(last.rule() == null && !last.matched(), "seed " + seed + ": explain found a match "
                                + "for " + q + " where the index has none: " + last);
                    } else {
                        assertTrue(last.matched() && last.depth() == 0, "seed " + seed + ": " + last);
                        assertEquals(lines.get(expected).origin(), last.origin(), "seed " + seed + " list " + lists
                                + ": explain disagrees with the index for " + q + "\n" + steps);
                    }
                }
            }
        }
        System.out.println("DifferentialTest: " + lists + " lists, " + queries + " queries, " + matchedSomething
                + " matched (" + viaSubRules + " through sub-rules), " + resolvedSomething + " resolutions, "
                + explained + " explained, " + passedSomething + " decided otherwise for a PASS, " + passedWithinList
                + " otherwise for a PASS-RULE than for a PASS");
        assertTrue(viaSubRules > 0, "generator never decided through a SUB-RULE");
        assertTrue(disabledRules > 0, "generator never switched a rule off");
        assertTrue(passedSomething > 0, "generator never decided otherwise for a PASS");
        assertTrue(passedWithinList > 0, "generator never decided otherwise for a PASS-RULE than for a PASS");
        assertTrue(lists >= Math.min(200, maxLists), "too few lists in the time budget: " + lists);
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
        int kind = rnd.nextInt(depth > 1 ? 18 : 21);
        if (rnd.nextInt(4) == 0) {
            return senderRule(rnd);
        }
        return switch (kind) {
            case 12 -> "DOMAIN-WILDCARD," + maybeUpper(rnd, GLOBS[rnd.nextInt(GLOBS.length)]);
            case 13 -> "IP-SUFFIX," + SUFFIXES[rnd.nextInt(SUFFIXES.length)]
                    + (depth > 0 && rnd.nextBoolean() ? ",no-resolve" : "");
            case 14 -> "SRC-IP-SUFFIX," + SUFFIXES[rnd.nextInt(SUFFIXES.length)];
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
            case 15 -> rnd.nextInt(3) == 0 ? "SRC-GEOIP," + new String[] {"CN", "us", "LAN", "JP"}[rnd.nextInt(4)]
                    : "GEOIP," + new String[] {"CN", "us", "LAN", "JP"}[rnd.nextInt(4)]
                    + (depth > 0 && rnd.nextBoolean() ? ",no-resolve" : "");
            case 16 -> "GEOSITE," + new String[] {"a", "A", "a@cn", "b", "a@ads", "b@cn@ads"}[rnd.nextInt(6)];
            case 17 -> rnd.nextInt(3) == 0 ? "SRC-IP-ASN," + (1 + rnd.nextInt(3))
                    : "IP-ASN," + (1 + rnd.nextInt(3)) + (depth > 0 && rnd.nextBoolean() ? ",no-resolve" : "");
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

    private static final String[] IN_TYPES = {"HTTP", "https", "SOCKS", "SOCKS5", "TUN", "http/socks5"};
    private static final String[] IN_NAMES = {"DEFAULT-MIXED", "DEFAULT-TUN", "DEFAULT-HTTP", "in1"};
    private static final String[] USERS = {"alice", "bob", "Alice"};
    private static final String[] PATHS = {"/usr/bin/curl", "/usr/bin/Curl", "/opt/frpc"};

    /** mihomo's rules about who sent the flow and how it came in: IN-*, PROCESS-PATH, UID, DSCP. */
    private static String senderRule(Random rnd) {
        return switch (rnd.nextInt(9)) {
            case 7 -> "PROCESS-NAME-REGEX," + new String[] {"^cur", "(?i)CURL$", "a|c", "fr.c", "ar{2}"}[rnd.nextInt(5)];
            case 8 -> "PROCESS-PATH-REGEX," + new String[] {"^/usr/", "bin/c", "FRPC$", "/opt/.+"}[rnd.nextInt(4)];
            case 0 -> "IN-PORT," + ports(rnd);
            case 1 -> "IN-TYPE," + IN_TYPES[rnd.nextInt(IN_TYPES.length)];
            case 2 -> "IN-NAME," + IN_NAMES[rnd.nextInt(IN_NAMES.length)]
                    + (rnd.nextBoolean() ? "/" + IN_NAMES[rnd.nextInt(IN_NAMES.length)] : "");
            case 3 -> "IN-USER," + USERS[rnd.nextInt(USERS.length)];
            case 4 -> "PROCESS-PATH," + PATHS[rnd.nextInt(PATHS.length)];
            case 5 -> "UID," + new String[] {"0", "1000", "1000-1999", "65534/0", "2000-1500", "4294967295"}
                    [rnd.nextInt(6)];
            default -> "DSCP," + new String[] {"0", "46", "8-15", "63/0", "*", "10-40"}[rnd.nextInt(6)];
        };
    }

    private static Sender randomSender(Random rnd) {
        if (rnd.nextInt(4) == 0) {
            return Sender.UNKNOWN;
        }
        int[] ports = {0, 80, 443, 1500, 7890};
        String[] types = {null, "HTTP", "HTTPS", "SOCKS5", "SOCKS4", "TUN"};
        long[] uids = {-1, 0, 1000, 1500, 1999, 65534, 4294967295L};
        int[] dscps = {-1, 0, 8, 15, 46, 63};
        return new Sender(ports[rnd.nextInt(ports.length)], types[rnd.nextInt(types.length)],
                rnd.nextInt(5) == 0 ? null : IN_NAMES[rnd.nextInt(IN_NAMES.length)],
                rnd.nextInt(3) == 0 ? null : USERS[rnd.nextInt(USERS.length)],
                rnd.nextInt(3) == 0 ? null : PATHS[rnd.nextInt(PATHS.length)],
                uids[rnd.nextInt(uids.length)], dscps[rnd.nextInt(dscps.length)]);
    }

    /**
     * A {@code rules:} (or {@code sub-rules:}) line: a rule and a target, or a SUB-RULE naming one of the first
     * {@code lists} lists. DOMAIN-REGEX and the PROCESS-*-REGEX take no option: mihomo reads their last field as
     * the target.
     */
    private static String line(Random rnd, Map<String, ProviderSource> providers, Map<String, List<RuleLine>> subs,
                               int lists) {
        if (lists > 0 && rnd.nextInt(5) == 0) {
            String condition = randomRule(rnd, providers, 1);
            return "SUB-RULE,(" + condition + "),s" + rnd.nextInt(lists);
        }
        String rule = randomRule(rnd, providers, 0);
        return rule + "," + target(rnd) + (rule.startsWith("DOMAIN-REGEX,") || rule.startsWith("PROCESS-NAME-REGEX,")
                || rule.startsWith("PROCESS-PATH-REGEX,") ? "" : options(rnd));
    }

    /** Up to three lists; list k may name only lists after it, so there are no cycles. */
    private static Map<String, List<RuleLine>> randomSubRules(Random rnd, Map<String, ProviderSource> providers) {
        Map<String, List<RuleLine>> subs = new LinkedHashMap<>();
        int count = rnd.nextInt(4);
        for (int k = count - 1; k >= 0; k--) {
            List<RuleLine> list = new ArrayList<>();
            int n = 1 + rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                String text = line(rnd, providers, subs, 0);
                if (rnd.nextInt(8) == 0) {
                    text = text.replaceFirst(",(PROXY|DIRECT|REJECT|G1|G2)(,no-resolve)?$", ",PASS$2");
                }
                if (k + 1 < count && rnd.nextInt(4) == 0) {
                    text = "SUB-RULE,(" + randomRule(rnd, providers, 1) + "),s" + (k + 1 + rnd.nextInt(count - k - 1));
                }
                list.add(new RuleLine(text, new Origin("config.yaml", 200 + 10 * k + i, 7)));
            }
            subs.put("s" + k, list);
        }
        return subs;
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

    /**
     * Providers for the index: text, YAML, inline and (domain and ipcidr) mrs; {@code textual} gets the same
     * entries as text for the reference, so that mrs is checked from writer to decision.
     */
    private static Map<String, ProviderSource> randomProviders(Random rnd, Map<String, ProviderSource> textual) {
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
            Origin declared = new Origin("config.yaml", 100 + p, 3);
            ProviderSource text = new ProviderSource(name, behavior, yaml ? ProviderFormat.YAML : ProviderFormat.TEXT,
                    content.toString(), name + (yaml ? ".yaml" : ".txt"), declared);
            textual.put(name, text);
            int form = rnd.nextInt(4);
            if (form == 0) {
                List<RuleLine> payload = new ArrayList<>();
                for (int i = 0; i < entries.size(); i++) {
                    payload.add(new RuleLine(entries.get(i), new Origin("config.yaml", 100 + p, 10 + i)));
                }
                out.put(name, ProviderSource.inline(name, behavior, payload, declared));
            } else if (form == 1 && behavior != Behavior.CLASSICAL && !entries.isEmpty()
                    && entries.stream().noneMatch(e -> e.startsWith("::ffff:"))) {
                // (mihomo's reader unmaps ::ffff:a.b.c.d ranges, so an IPv4-mapped CIDR changes meaning in mrs.)
                byte[] mrs = behavior == Behavior.DOMAIN ? MrsWriter.domains(entries) : MrsWriter.cidrs(entries);
                out.put(name, ProviderSource.mrs(name, behavior, mrs, name + ".mrs", declared));
            } else {
                out.put(name, text);
            }
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
                rnd.nextInt(3) == 0 ? null : PROCS[rnd.nextInt(PROCS.length)], randomSender(rnd));
    }
}
