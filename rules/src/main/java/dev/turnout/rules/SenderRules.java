package dev.turnout.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses the payloads of mihomo's rules about who sent a flow and how it came in: {@code IN-TYPE},
 * {@code IN-NAME}, {@code IN-USER}, {@code PROCESS-PATH}, {@code PROCESS-NAME-REGEX}, {@code PROCESS-PATH-REGEX},
 * {@code UID} and {@code DSCP} (mihomo's rules/common/in_*.go, process.go, uid.go, dscp.go). Lists are separated
 * by {@code /}, as in mihomo.
 */
final class SenderRules {

    /** mihomo's constant.ParseType names; {@code SOCKS} is read as both SOCKS versions. */
    static final Set<String> INBOUND_TYPES = Set.of("HTTP", "HTTPS", "SOCKS4", "SOCKS5", "SHADOWSOCKS", "VMESS",
            "VLESS", "REDIR", "TPROXY", "TROJAN", "TUNNEL", "TUN", "TUIC", "HYSTERIA2", "ANYTLS", "INNER");

    /** mihomo's limit on ranges in one rule (common/utils/ranges.go). */
    private static final int MAX_RANGES = 28;

    private SenderRules() {
    }

    /** The rule of one of the types above, or null for any other type. */
    static Rule parse(String type, String value, Origin origin) throws RuleException {
        switch (type) {
            case "IN-TYPE": {
                List<String> types = new ArrayList<>();
                for (String t : value.split("/", -1)) {
                    String u = t.trim().toUpperCase(Locale.ROOT);
                    if (u.equals("SOCKS")) {
                        types.add("SOCKS4");
                        types.add("SOCKS5");
                    } else if (INBOUND_TYPES.contains(u)) {
                        types.add(u);
                    } else {
                        throw new RuleException(origin, "unknown inbound type '" + t.trim() + "' in IN-TYPE; one of "
                                + "HTTP, HTTPS, SOCKS, SOCKS4, SOCKS5, TUN, REDIR, TPROXY, ...");
                    }
                }
                return new Rule.InType(List.copyOf(types));
            }
            case "IN-NAME":
                return new Rule.InName(List.of(value.split("/", -1)));
            case "IN-USER":
                return new Rule.InUser(List.of(value.split("/", -1)));
            case "PROCESS-PATH":
                return new Rule.ProcessPath(value.toLowerCase(Locale.ROOT));
            case "PROCESS-NAME-REGEX":
            case "PROCESS-PATH-REGEX":
                try {
                    return new Rule.ProcessRegex(Pattern.compile(value, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
                            type.equals("PROCESS-PATH-REGEX"));
                } catch (PatternSyntaxException e) {
                    throw new RuleException(origin, "bad regex '" + value + "' in " + type + ": " + e.getDescription());
                }
            case "PROCESS-NAME-WILDCARD":
            case "PROCESS-PATH-WILDCARD":
                return new Rule.ProcessRegex(wildcard(value), type.equals("PROCESS-PATH-WILDCARD"));
            case "UID":
                return new Rule.Uid(ranges(value, 0xFFFFFFFFL, "UID", origin));
            case "DSCP":
                return new Rule.Dscp(value.trim().equals("*") ? new long[] {0, 63} : ranges(value, 63, "DSCP", origin));
            default:
                return null;
        }
    }

    /**
     * mihomo's PROCESS-NAME-WILDCARD and PROCESS-PATH-WILDCARD: the whole name or path against a glob where {@code *}
     * is any run of characters and {@code ?} one, as in DOMAIN-WILDCARD; in any case, as PROCESS-NAME and
     * PROCESS-PATH compare. Written as the anchored pattern the regex rules already match by.
     */
    static Pattern wildcard(String glob) {
        StringBuilder regex = new StringBuilder(glob.length() + 8).append('^');
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.append('$').toString(),
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL);
    }

    /**
     * {@code 1000}, {@code 1000-2000}, {@code 0/3-5}: inclusive pairs. As in mihomo a reversed range is read
     * the right way round and empty parts are skipped; unlike mihomo, a number beyond the maximum is an error
     * (mihomo truncates it silently).
     */
    static long[] ranges(String value, long max, String type, Origin origin) throws RuleException {
        String[] parts = value.split("/", -1);
        if (parts.length > MAX_RANGES) {
            throw new RuleException(origin, type + " takes at most " + MAX_RANGES + " ranges, not " + parts.length);
        }
        List<long[]> out = new ArrayList<>();
        for (String part : parts) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            String[] ends = p.split("-", -1);
            if (ends.length > 2) {
                throw new RuleException(origin, "bad " + type + " range '" + p + "'");
            }
            long a = number(ends[0], max, type, value, origin);
            long b = ends.length == 2 ? number(ends[1], max, type, value, origin) : a;
            out.add(new long[] {Math.min(a, b), Math.max(a, b)});
        }
        if (out.isEmpty()) {
            throw new RuleException(origin, "empty value for " + type);
        }
        long[] flat = new long[out.size() * 2];
        for (int i = 0; i < out.size(); i++) {
            flat[2 * i] = out.get(i)[0];
            flat[2 * i + 1] = out.get(i)[1];
        }
        return flat;
    }

    private static long number(String s, long max, String type, String whole, Origin origin) throws RuleException {
        s = s.replace("[", "").replace("]", "").trim();
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new RuleException(origin, "bad " + type + " '" + whole + "'");
        }
        long n = Long.parseLong(s);
        if (n > max) {
            throw new RuleException(origin, "bad " + type + " '" + whole + "': " + n + " is above " + max);
        }
        return n;
    }
}
