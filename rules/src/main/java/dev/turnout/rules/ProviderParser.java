package dev.turnout.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
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
        return parse(source, warnings, (text, problem) -> { });
    }

    /** As {@link #parse(ProviderSource, Consumer)}, telling {@code skipped} of each entry skipped as unusable. */
    static Parsed parse(ProviderSource source, Consumer<String> warnings,
                        java.util.function.BiConsumer<String, RuleException> skipped) throws RuleException {
        RawEntries raw = source.payload() != null ? inline(source)
                : source.format() == ProviderFormat.MRS ? mrs(source)
                : source.format() == ProviderFormat.YAML ? yaml(source, warnings) : text(source);
        if (source.behavior() == Behavior.DOMAIN) {
            return domains(source, raw, warnings, skipped);
        }
        List<Rule> entries = new ArrayList<>(raw.size());
        Skipped bad = new Skipped(source, skipped);
        int unsupported = 0;
        for (int i = 0; i < raw.size(); i++) {
            Rule rule;
            try {
                rule = source.behavior() == Behavior.IPCIDR ? cidrEntry(raw.text(i), raw.origin(i))
                        : classicalEntry(raw.text(i), raw.origin(i), warnings);
            } catch (RuleException e) {
                bad.add(raw.text(i), e);
                continue;
            }
            if (rule == null) {
                unsupported++;
                if (unsupported <= 5) {
                    warnings.accept(raw.origin(i) + ": provider '" + source.name() + "': unsupported entry '"
                            + raw.text(i) + "' skipped");
                }
                continue;
            }
            raw.moveTo(i, entries.size());
            entries.add(rule);
        }
        raw.truncate(entries.size());
        if (unsupported > 5) {
            warnings.accept(source.file() + ": provider '" + source.name() + "': " + unsupported
                    + " unsupported entries skipped in all");
        }
        bad.warn(warnings);
        warnIfEmpty(source, entries, warnings);
        return new Parsed(source.name(), source.behavior(), entries, raw.origins());
    }

    /**
     * Domain behavior: the entries the reader already made table keys stay keys (the big lists are nearly all
     * such); every other one is parsed by {@link #domainEntry}, and one it refuses is skipped, as mihomo's
     * domain strategy skips an invalid domain.
     */
    private static Parsed domains(ProviderSource source, RawEntries raw, Consumer<String> warnings,
                                  java.util.function.BiConsumer<String, RuleException> skipped) {
        Rule[] parsed = null;
        Skipped bad = new Skipped(source, skipped);
        int kept = 0;
        for (int i = 0; i < raw.size(); i++) {
            if (raw.kind(i) == RawEntries.TEXT) {
                parsed = parsed == null ? new Rule[raw.size()] : parsed;
                try {
                    parsed[kept] = domainEntry(raw.text(i), raw.origin(i));
                } catch (RuleException e) {
                    bad.add(raw.text(i), e);
                    continue;
                }
            }
            raw.moveTo(i, kept++);
        }
        raw.truncate(kept);
        bad.warn(warnings);
        DomainEntries entries = new DomainEntries(raw, parsed);
        warnIfEmpty(source, entries, warnings);
        return new Parsed(source.name(), Behavior.DOMAIN, entries, raw.origins());
    }

    /**
     * The entries of one provider skipped as unusable. mihomo's strategies skip such an entry with a warning and keep
     * the rest (domain_strategy.go 'invalid domain', ipcidr_strategy.go 'invalid Ipcidr', classical_strategy.go
     * 'parse classical rule error'), so one odd line of a third-party list does not cost the whole list; said once
     * per provider, naming the first entry and where it is.
     */
    private static final class Skipped {
        private final ProviderSource source;
        private final java.util.function.BiConsumer<String, RuleException> told;
        private RuleException first;
        private String firstText;
        private int count;

        Skipped(ProviderSource source, java.util.function.BiConsumer<String, RuleException> told) {
            this.source = source;
            this.told = told;
        }

        void add(String text, RuleException e) {
            told.accept(text, e);
            if (count++ == 0) {
                first = e;
                firstText = text;
            }
        }

        void warn(Consumer<String> warnings) {
            if (count == 0) {
                return;
            }
            warnings.accept(first.getMessage() + ": provider '" + source.name() + "': entry '" + firstText
                    + "' skipped, as mihomo skips it" + (count > 1 ? " (" + count + " such entries skipped in all)"
                    : ""));
        }
    }

    private static void warnIfEmpty(ProviderSource source, List<Rule> entries, Consumer<String> warnings) {
        if (entries.isEmpty()) {
            warnings.accept(RuleSet.emptyProviderNote(source));
        }
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
    private static RawEntries inline(ProviderSource source) {
        RawEntries out = new RawEntries(source.payload().size());
        for (RuleLine line : source.payload()) {
            if (!line.text().trim().isEmpty()) {
                out.add(line.text().trim(), line.origin());
            }
        }
        return out;
    }

    /** {@code format: mrs}: mihomo's binary set, turned back into text entries; errors name the file. */
    private static RawEntries mrs(ProviderSource source) throws RuleException {
        Origin whole = new Origin(source.file(), 0, 0);
        if (source.binary() == null || source.binary().length == 0) {
            return new RawEntries(0);
        }
        try {
            List<String> read = MrsReader.read(source.binary(), source.behavior(), source.file());
            RawEntries out = new RawEntries(read.size());
            for (String entry : read) {
                out.add(entry, whole);
            }
            return out;
        } catch (java.io.IOException e) {
            throw new RuleException(whole, "provider '" + source.name() + "': bad mrs file: " + e.getMessage());
        }
    }

    private static RawEntries text(ProviderSource source) {
        RawEntries out = new RawEntries(1024);
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
                out.add(trimmed, source.file(), lineNo, lead + 1);
            }
            if (nl < 0) {
                break;
            }
            start = nl + 1;
        }
        return out;
    }

    private static RawEntries yaml(ProviderSource source, Consumer<String> warnings) throws RuleException {
        RawEntries simple = simpleYaml(source);
        return simple != null ? simple : snakeYaml(source, warnings);
    }

    /** The common layout read line by line (see {@link SimpleYamlPayload}), or null for anything else. */
    static RawEntries simpleYaml(ProviderSource source) {
        return SimpleYamlPayload.read(source);
    }

    /** The first YAML document, as mihomo reads it; one after it is not read, and a warning says where it begins. */
    private static RawEntries snakeYaml(ProviderSource source, Consumer<String> warnings) throws RuleException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(Integer.MAX_VALUE);
        Node root;
        try {
            FirstYamlDocument first = FirstYamlDocument.compose(source.content(), options);
            root = first.node();
            if (first.rest() != null) {
                warnings.accept(first.restNote(source.file()));
            }
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            throw new RuleException(new Origin(source.file(), mark == null ? 0 : mark.getLine() + 1,
                    mark == null ? 0 : mark.getColumn() + 1), "bad YAML: " + YamlProblem.describe(e));
        } catch (YAMLException e) {
            throw new RuleException(new Origin(source.file(), 0, 0), "bad YAML: " + e.getMessage());
        }
        RawEntries out = new RawEntries(0);
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
                out.add(value, origin(source, item));
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
