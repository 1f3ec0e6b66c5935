package dev.turnout.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns rule text into {@link Rule}s. Three shapes share one grammar: a {@code rules:} line
 * ({@code TYPE,VALUE,TARGET[,OPTION...]}, {@code MATCH,TARGET}), a classical provider entry and a logical
 * rule's sub-rule (both {@code TYPE,VALUE[,OPTION...]}).
 */
final class RuleParser {

    /** A {@code rules:} line: the rule, its target and the text {@link Decision#rule()} reports. */
    record Parsed(Rule rule, String target, String written) {
    }

    /** What may follow a rule's target. */
    private static final Set<String> OPTIONS = Set.of("no-resolve", "src");

    /**
     * The types mihomo's parser hands {@code src} to (rules/parser.go, ParseParams): the rule then tests the flow's
     * source address (RULE-SET: its provider with source and destination swapped) and never resolves the name.
     */
    private static final Set<String> SOURCE_TYPES = Set.of("IP-CIDR", "IP-CIDR6", "IP-SUFFIX", "GEOIP", "IP-ASN",
            "RULE-SET");

    /** Logical types: their value is everything between the type and the line's last field, as in mihomo. */
    private static final Set<String> LOGICAL_TYPES = Set.of("AND", "OR", "NOT");

    /** Types whose value is a regex, which may hold commas ({1,3}): the target is the line's last field. */
    private static final Set<String> REGEX_TYPES = Set.of("DOMAIN-REGEX", "PROCESS-NAME-REGEX",
            "PROCESS-PATH-REGEX");

    private RuleParser() {
    }

    /** Parses one {@code rules:} line. Unknown types are errors here. */
    static Parsed parseLine(RuleLine line, Consumer<String> warnings) throws RuleException {
        String text = line.text();
        List<int[]> fields = split(text, line.origin());
        String type = field(text, fields, 0).toUpperCase(Locale.ROOT);
        if (type.isEmpty()) {
            throw new RuleException(line.origin(), "empty rule");
        }
        if (type.equals("MATCH") || type.equals("FINAL")) {
            if (fields.size() < 2 || field(text, fields, 1).isEmpty()) {
                throw new RuleException(line.origin(), "malformed rule: expected " + type + ",TARGET");
            }
            if (fields.size() > 2) {
                // mihomo's parseRules reads MATCH's target alone and loads the line
                warnings.accept(at(line.origin(), fields.get(2)[0]) + ": what follows " + type + "'s target is ignored,"
                        + " as mihomo ignores it");
            }
            return new Parsed(new Rule.Match(), field(text, fields, 1), field(text, fields, 0));
        }
        if (fields.size() < 3) {
            throw new RuleException(line.origin(), "malformed rule: expected TYPE,VALUE,TARGET but got '" + text + "'");
        }
        if (REGEX_TYPES.contains(type) && fields.size() > 3) {
            // mihomo's parseRules: a regex may hold commas ({1,3}); the target is the last field.
            fields = valueThrough(fields, fields.size() - 2);
        } else if (LOGICAL_TYPES.contains(type) && fields.size() > 3) {
            // mihomo's parseRules: a logical rule's sub-rules may stand without the parentheses around them all
            // (AND,(DST-PORT,443),(NETWORK,UDP),REJECT): the target is the last field that is not an option.
            fields = valueThrough(fields, lastBeforeOptions(text, fields, 2) - 1);
        }
        String target = field(text, fields, 2);
        if (target.isEmpty()) {
            throw new RuleException(at(line.origin(), fields.get(2)[0]), "empty target");
        }
        List<String> options = new ArrayList<>();
        for (int i = 3; i < fields.size(); i++) {
            options.add(field(text, fields, i));
        }
        Rule rule = build(type, field(text, fields, 1), options, line.origin(), fields.get(1)[0], warnings, true);
        if (rule instanceof Rule.SubRule s) {
            rule = new Rule.SubRule(s.condition(), target);
        }
        return new Parsed(rule, target, field(text, fields, 0) + "," + field(text, fields, 1));
    }

    /**
     * Parses a classical provider entry or a logical sub-rule: {@code TYPE,VALUE[,OPTION...]}.
     *
     * @return the rule, or null when its type is one we do not implement (GEOIP, URL-REGEX, ...), so a
     *     provider can skip it with a warning
     */
    static Rule parseEntry(String text, Origin origin, Consumer<String> warnings) throws RuleException {
        List<int[]> fields = split(text, origin);
        String type = field(text, fields, 0).toUpperCase(Locale.ROOT);
        if (type.equals("MATCH") || type.equals("FINAL") || type.equals("SUB-RULE")) {
            throw new RuleException(origin, type + " cannot appear inside a rule provider or a logical rule");
        }
        if (fields.size() < 2) {
            throw new RuleException(origin, "malformed entry: expected TYPE,VALUE but got '" + text + "'");
        }
        if (LOGICAL_TYPES.contains(type) && fields.size() > 2) {
            // As mihomo's payloadToRule: a logical sub-rule's value is all after its type ((A,x),(B,y) unwrapped),
            // options after it aside.
            fields = valueThrough(fields, lastBeforeOptions(text, fields, 1));
        }
        List<String> options = new ArrayList<>();
        for (int i = 2; i < fields.size(); i++) {
            options.add(field(text, fields, i));
        }
        return build(type, field(text, fields, 1), options, origin, fields.get(1)[0], warnings, false);
    }

    private static Rule build(String type, String value, List<String> options, Origin lineOrigin, int valueOffset,
                              Consumer<String> warnings, boolean topLevel) throws RuleException {
        Origin origin = at(lineOrigin, valueOffset);
        if (value.isEmpty()) {
            throw new RuleException(origin, "empty value for " + type);
        }
        boolean noResolve = false;
        boolean source = false;
        for (String option : options) {
            if (option.equalsIgnoreCase("no-resolve")) {
                noResolve = true;
            } else if (option.equalsIgnoreCase("src") && SOURCE_TYPES.contains(type)) {
                source = true;
            } else {
                warnings.accept(lineOrigin + ": option '" + option + "' ignored");
            }
        }
        noResolve |= source; // mihomo's ParseParams: a source address is never resolved
        switch (type) {
            // As mihomo's NewDomain, NewDomainSuffix and NewDomainKeyword: lower case, then idna.ToASCII, so a
            // payload written in Unicode matches the punycode names clients send (and the Unicode spelling never).
            case "DOMAIN":
                return new Rule.Exact(domain(Punycode.toAscii(value.toLowerCase(Locale.ROOT)), origin));
            case "DOMAIN-SUFFIX":
                return new Rule.Suffix(domain(Punycode.toAscii(value.toLowerCase(Locale.ROOT)), origin));
            case "DOMAIN-KEYWORD":
                return new Rule.Keyword(Punycode.toAscii(value.toLowerCase(Locale.ROOT)));
            case "DOMAIN-REGEX":
                try {
                    return new Rule.Regex(DomainRegex.compile(value));
                } catch (IllegalArgumentException e) {
                    throw new RuleException(origin, "bad regex '" + value + "': " + e.getMessage());
                }
            case "DOMAIN-WILDCARD":
                return new Rule.Glob(glob(value, origin));
            case "IP-SUFFIX":
            case "SRC-IP-SUFFIX":
                try {
                    return SuffixTable.parse(value, source || type.equals("SRC-IP-SUFFIX"), noResolve);
                } catch (IllegalArgumentException e) {
                    throw new RuleException(origin, "bad " + type + ": " + e.getMessage());
                }
            case "SUB-RULE":
                return subRule(value, lineOrigin, valueOffset, warnings, topLevel);
            case "IP-CIDR":
            case "IP-CIDR6":
            case "SRC-IP-CIDR":
                try {
                    return new Rule.Cidr(Addresses.parseCidr(value), source || type.equals("SRC-IP-CIDR"), noResolve);
                } catch (IllegalArgumentException e) {
                    throw new RuleException(origin, "bad CIDR: " + e.getMessage());
                }
            case "DST-PORT":
            case "SRC-PORT":
                return new Rule.Port(ports(value, origin, warnings), type.equals("SRC-PORT"));
            case "NETWORK":
                if (value.equalsIgnoreCase("tcp")) {
                    return new Rule.Net(Network.TCP);
                }
                if (value.equalsIgnoreCase("udp")) {
                    return new Rule.Net(Network.UDP);
                }
                throw new RuleException(origin, "NETWORK must be tcp or udp, not '" + value + "'");
            case "PROCESS-NAME":
                return new Rule.Process(value.toLowerCase(Locale.ROOT));
            case "RULE-SET":
                return new Rule.SetRef(value, noResolve, source);
            case "IN-PORT":
                return new Rule.InPort(ports(value, origin, warnings));
            case "IN-TYPE":
            case "IN-NAME":
            case "IN-USER":
            case "PROCESS-PATH":
            case "PROCESS-NAME-REGEX":
            case "PROCESS-PATH-REGEX":
            case "PROCESS-NAME-WILDCARD":
            case "PROCESS-PATH-WILDCARD":
            case "UID":
            case "DSCP": {
                Rule sender = SenderRules.parse(type, value, origin);
                long[] ranges = sender instanceof Rule.Uid u ? u.ranges()
                        : sender instanceof Rule.Dscp d ? d.ranges() : new long[0];
                for (int i = 0; i < ranges.length; i += 2) {
                    if (ranges[i] == 0) {
                        // Both documented differences (README), said where a rule relies on them.
                        warnings.accept(origin + ": " + type + " 0 " + (type.equals("UID")
                                ? "matches root's flows here; mihomo's UID rule never matches user 0"
                                : "never matches a flow whose DSCP is unknown here (the proxy ports'); mihomo's takes"
                                        + " those as 0") + ", as the README says");
                        break;
                    }
                }
                return sender;
            }
            case "GEOIP":
                return source ? GeoRules.srcGeoIp(value, origin) : GeoRules.geoIp(value, noResolve, origin);
            case "GEOSITE":
                return GeoRules.geoSite(value, origin);
            case "IP-ASN":
                return source ? GeoRules.srcAsn(value, origin) : GeoRules.asn(value, noResolve, origin);
            case "SRC-GEOIP":
                return GeoRules.srcGeoIp(value, origin);
            case "SRC-IP-ASN":
                return GeoRules.srcAsn(value, origin);
            case "AND":
            case "OR":
            case "NOT":
                return logical(Rule.Op.valueOf(type), value, lineOrigin, valueOffset, warnings);
            default:
                if (topLevel) {
                    throw new RuleException(lineOrigin, "unsupported rule type '" + type + "'");
                }
                return null;
        }
    }

    /**
     * {@code SUB-RULE}'s value: one rule in parentheses, {@code (NETWORK,TCP)} or {@code (OR,((...),(...)))}; the
     * sub-rule name is the line's target. Only {@code rules:} and {@code sub-rules:} lines may hold one.
     */
    private static Rule subRule(String value, Origin lineOrigin, int offset, Consumer<String> warnings,
                                boolean topLevel) throws RuleException {
        Origin origin = at(lineOrigin, offset);
        if (!topLevel) {
            throw new RuleException(origin, "SUB-RULE can only appear in 'rules:' or 'sub-rules:'");
        }
        if (value.length() < 2 || value.charAt(0) != '(' || matching(value, 0) != value.length() - 1) {
            throw new RuleException(origin, "SUB-RULE needs one condition in parentheses, such as (NETWORK,TCP) or "
                    + "(OR,((NETWORK,TCP),(DST-PORT,443))), not '" + value + "'");
        }
        Origin inner = at(lineOrigin, offset + 1);
        String condition = value.substring(1, value.length() - 1);
        Rule rule = parseEntry(condition, inner, warnings);
        if (rule == null) {
            throw new RuleException(inner, "unsupported rule type in SUB-RULE: '" + condition + "'");
        }
        return new Rule.SubRule(rule, null); // the name is the line's target: parseLine fills it in
    }

    /** A DOMAIN-WILDCARD pattern: lower case, no spaces, commas or slashes. */
    private static String glob(String value, Origin origin) throws RuleException {
        String p = value.toLowerCase(Locale.ROOT);
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c <= ' ' || c == ',' || c == '/') {
                throw new RuleException(origin, "bad DOMAIN-WILDCARD pattern '" + value + "'");
            }
        }
        return p;
    }

    private static Rule logical(Rule.Op op, String value, Origin lineOrigin, int offset, Consumer<String> warnings)
            throws RuleException {
        Origin origin = at(lineOrigin, offset);
        if (value.length() < 2 || value.charAt(0) != '(' || value.charAt(value.length() - 1) != ')') {
            throw new RuleException(origin, op + " needs its sub-rules as ((TYPE,VALUE),(TYPE,VALUE)), not '"
                    + value + "'");
        }
        // mihomo takes the parentheses around all the sub-rules when they are there, and the sub-rules alone too:
        // ((A,x),(B,y)) and (A,x),(B,y) are the same two.
        boolean wrapped = matching(value, 0) == value.length() - 1;
        List<Rule> children = new ArrayList<>();
        int i = wrapped ? 1 : 0;
        int end = wrapped ? value.length() - 1 : value.length();
        while (i < end) {
            if (value.charAt(i) != '(') {
                throw new RuleException(at(lineOrigin, offset + i), "expected '(' in " + op + " rule");
            }
            int close = matching(value, i);
            if (close < 0 || close > end) {
                throw new RuleException(at(lineOrigin, offset + i), "unbalanced parentheses in " + op + " rule");
            }
            String sub = value.substring(i + 1, close);
            Origin subOrigin = at(lineOrigin, offset + i + 1);
            Rule child = parseEntry(sub, subOrigin, warnings);
            if (child == null) {
                throw new RuleException(subOrigin, "unsupported rule type in " + op + " rule: '" + sub + "'");
            }
            children.add(child);
            i = close + 1;
            if (i < end) {
                if (value.charAt(i) != ',') {
                    throw new RuleException(at(lineOrigin, offset + i), "expected ',' between sub-rules");
                }
                i++;
            }
        }
        if (children.isEmpty()) {
            throw new RuleException(origin, op + " has no sub-rules");
        }
        if (op == Rule.Op.NOT && children.size() != 1) {
            throw new RuleException(origin, "NOT takes exactly one sub-rule");
        }
        return new Rule.Logical(op, List.copyOf(children));
    }

    /** The index of the last field that is not an option ({@code no-resolve}), {@code floor} at least. */
    private static int lastBeforeOptions(String text, List<int[]> fields, int floor) {
        int last = fields.size() - 1;
        while (last > floor && OPTIONS.contains(field(text, fields, last).toLowerCase(Locale.ROOT))) {
            last--;
        }
        return last;
    }

    /** {@code fields} with fields 1 to {@code last} made one, the value. */
    private static List<int[]> valueThrough(List<int[]> fields, int last) {
        List<int[]> merged = new ArrayList<>(List.of(fields.get(0), new int[] {fields.get(1)[0], fields.get(last)[1]}));
        merged.addAll(fields.subList(last + 1, fields.size()));
        return merged;
    }

    private static int matching(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Field boundaries {@code [start, end)}. Commas inside parentheses do not split, but only for logical rules:
     * a DOMAIN-REGEX may hold unbalanced parentheses and Clash splits it at every comma too.
     */
    private static List<int[]> split(String text, Origin origin) throws RuleException {
        List<int[]> out = new ArrayList<>();
        int comma = text.indexOf(',');
        String head = (comma < 0 ? text : text.substring(0, comma)).trim().toUpperCase(Locale.ROOT);
        boolean logical = head.equals("AND") || head.equals("OR") || head.equals("NOT") || head.equals("SUB-RULE");
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (logical && c == '(') {
                depth++;
            } else if (logical && c == ')') {
                depth--;
                if (depth < 0) {
                    throw new RuleException(at(origin, i), "unbalanced ')'");
                }
            } else if (c == ',' && depth == 0) {
                out.add(new int[] {start, i});
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new RuleException(origin, "unbalanced '(' in '" + text + "'");
        }
        out.add(new int[] {start, text.length()});
        return out;
    }

    private static String field(String text, List<int[]> fields, int i) {
        int[] f = fields.get(i);
        return text.substring(f[0], f[1]).trim();
    }

    /** The origin moved right by {@code offset} characters, when the column is known. */
    static Origin at(Origin origin, int offset) {
        if (origin.column() <= 0 || offset == 0) {
            return origin;
        }
        return new Origin(origin.file(), origin.line(), origin.column() + offset);
    }

    /** Lower case, trailing dot dropped; no spaces, commas or empty labels. */
    static String domain(String value, Origin origin) throws RuleException {
        String d = value.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.startsWith(".") || d.contains("..")) {
            throw new RuleException(origin, "bad domain '" + value + "'");
        }
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (c <= ' ' || c == ',' || c == '/') {
                throw new RuleException(origin, "bad domain '" + value + "'");
            }
        }
        return d;
    }

    /**
     * {@code 80}, {@code 1000-2000}, {@code 80/443}. As mihomo's utils.NewUnsignedRanges, an empty item is skipped and
     * a range written backwards is read the right way round, each with a warning; a port above 65535 is refused
     * (mihomo would cut it to 16 bits: 65616 is port 80 there).
     */
    private static int[] ports(String value, Origin origin, Consumer<String> warnings) throws RuleException {
        String[] parts = value.split("/", -1);
        int[] ranges = new int[parts.length * 2];
        int n = 0;
        for (String part : parts) {
            String p = part.trim();
            if (p.isEmpty()) {
                warnings.accept(origin + ": an empty port in '" + value + "' is skipped, as mihomo skips it");
                continue;
            }
            int dash = p.indexOf('-');
            int from = port(dash < 0 ? p : p.substring(0, dash), value, origin);
            int to = dash < 0 ? from : port(p.substring(dash + 1), value, origin);
            if (from > to) {
                warnings.accept(origin + ": port range '" + p + "' is read as " + to + "-" + from + ", as mihomo reads"
                        + " it");
                int t = from;
                from = to;
                to = t;
            }
            ranges[n++] = from;
            ranges[n++] = to;
        }
        if (n == 0) {
            throw new RuleException(origin, "bad port '" + value + "': no port in it");
        }
        return java.util.Arrays.copyOf(ranges, n);
    }

    private static int port(String s, String whole, Origin origin) throws RuleException {
        s = s.trim();
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new RuleException(origin, "bad port '" + whole + "'");
        }
        int p = Integer.parseInt(s);
        if (p > 65535) {
            throw new RuleException(origin, "bad port '" + whole + "': " + p + " is above 65535");
        }
        return p;
    }
}
