package dev.turnout.rules;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads a rule provider's content into rules, keeping each entry's file and line for error messages. */
final class ProviderParser {

    /** A provider's entries in file order; {@code origins.get(i)} is where {@code entries.get(i)} was written. */
    record Parsed(String name, Behavior behavior, List<Rule> entries, List<Origin> origins) {
    }

    record RawEntry(String text, Origin origin) {
    }

    private ProviderParser() {
    }

    static Parsed parse(ProviderSource source, Consumer<String> warnings) throws RuleException {
        List<RawEntry> raw = source.payload() != null ? inline(source)
                : source.format() == ProviderFormat.MRS ? mrs(source)
                : source.format() == ProviderFormat.YAML ? yaml(source) : text(source);
        List<Rule> entries = new ArrayList<>(raw.size());
        List<Origin> origins = new ArrayList<>(raw.size());
        int skipped = 0;
        for (RawEntry e : raw) {
            Rule rule = switch (source.behavior()) {
                case DOMAIN -> domainEntry(e.text(), e.origin());
                case IPCIDR -> cidrEntry(e.text(), e.origin());
                case CLASSICAL -> classicalEntry(e.text(), e.origin(), warnings);
            };
            if (rule == null) {
                skipped++;
                if (skipped <= 5) {
                    warnings.accept(e.origin() + ": provider '" + source.name() + "': unsupported entry '" + e.text()
                            + "' skipped");
                }
                continue;
            }
            entries.add(rule);
            origins.add(e.origin());
        }
        if (skipped > 5) {
            warnings.accept(source.file() + ": provider '" + source.name() + "': " + skipped
                    + " unsupported entries skipped in all");
        }
        if (entries.isEmpty()) {
            warnings.accept(source.file() + ": provider '" + source.name() + "' is empty");
        }
        return new Parsed(source.name(), source.behavior(), entries, origins);
    }

    /**
     * Domain behavior: {@code example.com} exact, {@code +.example.com} the domain and below, {@code .example.com}
     * only below, {@code *} labels standing for exactly one label.
     */
    static Rule domainEntry(String text, Origin origin) throws RuleException {
        String d = text.trim().toLowerCase(Locale.ROOT);
        if (d.endsWith(".") && d.length() > 1) {
            d = d.substring(0, d.length() - 1);
        }
        String body = d.startsWith("+.") ? d.substring(2) : d.startsWith(".") ? d.substring(1) : d;
        if (body.isEmpty() || body.startsWith(".") || body.endsWith(".") || body.contains("..")) {
            throw new RuleException(origin, "bad domain entry '" + text + "'");
        }
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c <= ' ' || c == ',' || c == '/' || c == '+') {
                throw new RuleException(origin, "bad domain entry '" + text + "'");
            }
        }
        if (d.startsWith("+.")) {
            return body.indexOf('*') < 0 ? new Rule.Suffix(body) : new Rule.Wildcard(d);
        }
        if (d.startsWith(".") || d.indexOf('*') >= 0) {
            return new Rule.Wildcard(d);
        }
        return new Rule.Exact(d);
    }

    private static Rule cidrEntry(String text, Origin origin) throws RuleException {
        try {
            return new Rule.Cidr(Addresses.parseCidr(text.trim()), false, false);
        } catch (IllegalArgumentException e) {
            throw new RuleException(origin, "bad CIDR: " + e.getMessage());
        }
    }

    private static Rule classicalEntry(String text, Origin origin, Consumer<String> warnings) throws RuleException {
        Rule rule = RuleParser.parseEntry(text, origin, warnings);
        if (rule instanceof Rule.SetRef) {
            throw new RuleException(origin, "RULE-SET cannot appear inside a rule provider");
        }
        return rule;
    }

    /** {@code type: inline}: the entries were written in the config, each with its own line and column. */
    private static List<RawEntry> inline(ProviderSource source) {
        List<RawEntry> out = new ArrayList<>();
        for (RuleLine line : source.payload()) {
            if (!line.text().trim().isEmpty()) {
                out.add(new RawEntry(line.text().trim(), line.origin()));
            }
        }
        return out;
    }

    /** {@code format: mrs}: mihomo's binary set, turned back into text entries; errors name the file. */
    private static List<RawEntry> mrs(ProviderSource source) throws RuleException {
        Origin whole = new Origin(source.file(), 0, 0);
        if (source.binary() == null || source.binary().length == 0) {
            return List.of();
        }
        try {
            List<RawEntry> out = new ArrayList<>();
            for (String entry : MrsReader.read(source.binary(), source.behavior(), source.file())) {
                out.add(new RawEntry(entry, whole));
            }
            return out;
        } catch (java.io.IOException e) {
            throw new RuleException(whole, "provider '" + source.name() + "': bad mrs file: " + e.getMessage());
        }
    }

    private static List<RawEntry> text(ProviderSource source) {
        List<RawEntry> out = new ArrayList<>();
        String content = source.content();
        int lineNo = 0;
        int start = 0;
        while (start <= content.length()) {
            int nl = content.indexOf('\n', start);
            int end = nl < 0 ? content.length() : nl;
            lineNo++;
            String line = content.substring(start, end);
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            int lead = 0;
            while (lead < line.length() && Character.isWhitespace(line.charAt(lead))) {
                lead++;
            }
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#") && !trimmed.startsWith("//")) {
                out.add(new RawEntry(trimmed, new Origin(source.file(), lineNo, lead + 1)));
            }
            if (nl < 0) {
                break;
            }
            start = nl + 1;
        }
        return out;
    }

    private static List<RawEntry> yaml(ProviderSource source) throws RuleException {
        List<RawEntry> simple = simpleYaml(source);
        return simple != null ? simple : snakeYaml(source);
    }

    /**
     * The common provider layout ({@code payload:} then one {@code - 'entry'} per line) read line by line:
     * SnakeYAML takes seconds on the 117,000-entry lists, this takes milliseconds. Anything outside that
     * layout (other keys, flow style, escapes, block scalars, special characters) returns null and goes to
     * SnakeYAML, so the result is always what a YAML parser would give.
     */
    static List<RawEntry> simpleYaml(ProviderSource source) {
        String content = source.content();
        List<RawEntry> out = new ArrayList<>();
        boolean inPayload = false;
        int indent = -1;
        int lineNo = 0;
        int start = 0;
        int n = content.length();
        while (start < n) {
            int nl = content.indexOf('\n', start);
            int end = nl < 0 ? n : nl;
            lineNo++;
            if (end > start && content.charAt(end - 1) == '\r') {
                end--;
            }
            int i = start;
            while (i < end && content.charAt(i) == ' ') {
                i++;
            }
            int stop = end;
            while (stop > i && content.charAt(stop - 1) == ' ') {
                stop--;
            }
            if (i == stop || content.charAt(i) == '#') {
                // blank or comment line
            } else if (!inPayload && i == start && content.startsWith("payload:", i) && stop == i + 8) {
                inPayload = true;
            } else if (inPayload && content.charAt(i) == '-' && i + 1 < stop && content.charAt(i + 1) == ' '
                    && (indent < 0 || indent == i - start)) {
                indent = i - start;
                int v = i + 2;
                while (v < stop && content.charAt(v) == ' ') {
                    v++;
                }
                String value = scalar(content, v, stop);
                if (value == null) {
                    return null;
                }
                if (!value.trim().isEmpty()) {
                    out.add(new RawEntry(value.trim(), new Origin(source.file(), lineNo, v - start + 1)));
                }
            } else {
                return null;
            }
            start = nl < 0 ? n : nl + 1;
        }
        return out;
    }

    /** A single-quoted, double-quoted (no escapes) or plain scalar spanning {@code [from, to)}, or null. */
    private static String scalar(String s, int from, int to) {
        if (from >= to) {
            return null;
        }
        char first = s.charAt(from);
        if (first == '\'') {
            if (to - from < 2 || s.charAt(to - 1) != '\'') {
                return null;
            }
            StringBuilder sb = null;
            for (int i = from + 1; i < to - 1; i++) {
                char c = s.charAt(i);
                if (c == '\'') {
                    if (i + 1 >= to - 1 || s.charAt(i + 1) != '\'') {
                        return null;
                    }
                    if (sb == null) {
                        sb = new StringBuilder(s.substring(from + 1, i));
                    }
                    sb.append('\'');
                    i++;
                } else if (c == '\t') {
                    return null;
                } else if (sb != null) {
                    sb.append(c);
                }
            }
            return sb == null ? s.substring(from + 1, to - 1) : sb.toString();
        }
        if (first == '"') {
            if (to - from < 2 || s.charAt(to - 1) != '"') {
                return null;
            }
            for (int i = from + 1; i < to - 1; i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\' || c == '\t') {
                    return null;
                }
            }
            return s.substring(from + 1, to - 1);
        }
        if ("[]{}&*!|>%@`#,?:-'\"".indexOf(first) >= 0) {
            return null;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '\t' || (c == ':' && (i + 1 == to || s.charAt(i + 1) == ' ')) || (c == '#' && s.charAt(i - 1) == ' ')) {
                return null;
            }
        }
        return s.substring(from, to);
    }

    private static List<RawEntry> snakeYaml(ProviderSource source) throws RuleException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Integer.MAX_VALUE);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(source.content()));
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            throw new RuleException(new Origin(source.file(), mark == null ? 0 : mark.getLine() + 1,
                    mark == null ? 0 : mark.getColumn() + 1), "bad YAML: " + e.getProblem());
        } catch (YAMLException e) {
            throw new RuleException(new Origin(source.file(), 0, 0), "bad YAML: " + e.getMessage());
        }
        List<RawEntry> out = new ArrayList<>();
        if (root == null) {
            return out;
        }
        if (!(root instanceof MappingNode map)) {
            throw new RuleException(origin(source, root), "expected a mapping with 'payload:'");
        }
        Node payload = null;
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("payload")) {
                payload = t.getValueNode();
            }
        }
        if (payload == null || (payload instanceof ScalarNode s && s.getValue().isEmpty())) {
            return out;
        }
        if (!(payload instanceof SequenceNode seq)) {
            throw new RuleException(origin(source, payload), "'payload' must be a list");
        }
        for (Node item : seq.getValue()) {
            if (!(item instanceof ScalarNode s)) {
                throw new RuleException(origin(source, item), "payload entries must be strings");
            }
            String value = s.getValue().trim();
            if (!value.isEmpty()) {
                out.add(new RawEntry(value, origin(source, item)));
            }
        }
        return out;
    }

    private static Origin origin(ProviderSource source, Node node) {
        var mark = node.getStartMark();
        return mark == null ? new Origin(source.file(), 0, 0)
                : new Origin(source.file(), mark.getLine() + 1, mark.getColumn() + 1);
    }
}
