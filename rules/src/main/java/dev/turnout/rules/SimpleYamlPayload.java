package dev.turnout.rules;

import java.nio.charset.StandardCharsets;

/**
 * The common rule-provider layout ({@code payload:} then one {@code - 'entry'} per line) read line by line.
 * SnakeYAML takes seconds on the 117,000-entry lists; this takes milliseconds. Anything outside that layout
 * (other keys, flow style, escapes, block scalars, special characters) gives null and goes to SnakeYAML, so the
 * result is always what a YAML parser would give.
 *
 * <p>It reads the content's UTF-8 bytes rather than the string: on a start the JVM is cold, and every
 * {@code String.charAt} of not yet compiled code is a call where a byte is one instruction. Everything the layout
 * looks at (indentation, dashes, quotes, line ends) is ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte
 * character, so lines and columns come out as SnakeYAML counts them (only ASCII precedes an entry on its line).
 * In a {@link Behavior#DOMAIN} provider, an entry that is a plain lower-case domain is handed on as its table key
 * ({@link RawEntries#EXACT} or {@link RawEntries#SUFFIX}), so that the provider parser need not look at it again.
 */
final class SimpleYamlPayload {

    private final byte[] b;
    // The scalar scalar() found: bytes [from, to), and whether it is single-quoted with '' to undo.
    private int from;
    private int to;
    private boolean doubledQuotes;
    // The DomainTable.hash of the domain isPlainDomain last accepted.
    private int hash;

    private SimpleYamlPayload(byte[] b) {
        this.b = b;
    }

    /** The entries of {@code source}'s content, or null when it is not in the simple layout. */
    static RawEntries read(ProviderSource source) {
        return new SimpleYamlPayload(source.utf8()).entries(source.file(), source.behavior() == Behavior.DOMAIN);
    }

    private RawEntries entries(String file, boolean domains) {
        // About one entry per 20 bytes in real lists: sized once rather than grown a dozen times.
        RawEntries out = new RawEntries(b.length / 20, b, file);
        boolean inPayload = false;
        int indent = -1;
        int lineNo = 0;
        int start = 0;
        int n = b.length;
        while (start < n) {
            int nl = start;
            while (nl < n && b[nl] != '\n') {
                nl++;
            }
            int end = nl;
            lineNo++;
            if (end > start && b[end - 1] == '\r') {
                end--;
            }
            int i = start;
            while (i < end && b[i] == ' ') {
                i++;
            }
            int stop = end;
            while (stop > i && b[stop - 1] == ' ') {
                stop--;
            }
            if (i == stop || b[i] == '#') {
                // blank or comment line
            } else if (!inPayload && i == start && stop == i + 8 && isPayloadKey(i)) {
                inPayload = true;
            } else if (inPayload && b[i] == '-' && i + 1 < stop && b[i + 1] == ' '
                    && (indent < 0 || indent == i - start)) {
                indent = i - start;
                int v = i + 2;
                while (v < stop && b[v] == ' ') {
                    v++;
                }
                if (!scalar(v, stop)) {
                    return null;
                }
                add(out, domains, file, lineNo, v - start + 1);
            } else {
                return null;
            }
            start = nl + 1;
        }
        return out;
    }

    private boolean isPayloadKey(int i) {
        byte[] key = {'p', 'a', 'y', 'l', 'o', 'a', 'd', ':'};
        for (int k = 0; k < key.length; k++) {
            if (b[i + k] != key[k]) {
                return false;
            }
        }
        return true;
    }

    /** Adds the scalar scalar() found, trimmed as String.trim() would, unless it is empty. */
    private void add(RawEntries out, boolean domains, String file, int line, int column) {
        int f = from;
        int t = to;
        while (f < t && (b[f] & 0xff) <= ' ') {
            f++;
        }
        while (t > f && (b[t - 1] & 0xff) <= ' ') {
            t--;
        }
        if (f == t) {
            return;
        }
        if (doubledQuotes) {
            out.add(new String(b, f, t - f, StandardCharsets.UTF_8).replace("''", "'"), file, line, column);
            return;
        }
        int suffix = t - f > 2 && b[f] == '+' && b[f + 1] == '.' ? 2 : 0;
        if (domains && isPlainDomain(f + suffix, t)) {
            // Its line and column are not kept: positionOfKey finds them again from where it lies.
            out.addKey(f + suffix, t - f - suffix, suffix == 0 ? RawEntries.EXACT : RawEntries.SUFFIX, hash);
        } else {
            out.add(new String(b, f, t - f, StandardCharsets.UTF_8), file, line, column);
        }
    }

    /** Where a key lies: at byte {@code offset}, on {@code line}; the entry it belongs to begins at {@code column}. */
    record Position(int offset, int line, int column) {
    }

    /**
     * The line and column {@link #entries} gave the entry whose key starts at {@code key} in {@code b} ({@code +.}
     * before it for a suffix): lines counted from {@code from}, an earlier position in {@code b}, or from the start.
     * The column is that of the scalar, its opening quote included, as {@code add} was given it.
     */
    static Position positionOfKey(byte[] b, int key, boolean suffix, Position from) {
        int line = from == null ? 1 : from.line();
        for (int i = from == null ? 0 : from.offset(); i < key; i++) {
            if (b[i] == '\n') {
                line++;
            }
        }
        int f = suffix ? key - 2 : key;
        // What add() trimmed, back to the scalar's start: its opening quote, or the first byte after "- ".
        int q = f;
        while (q > 0 && (b[q - 1] & 0xff) <= ' ' && b[q - 1] != '\n') {
            q--;
        }
        int scalar;
        if (q > 0 && (b[q - 1] == '\'' || b[q - 1] == '"')) {
            scalar = q - 1;
        } else {
            scalar = q;
            while (scalar < f && b[scalar] == ' ') {
                scalar++;
            }
        }
        int lineStart = scalar;
        while (lineStart > 0 && b[lineStart - 1] != '\n') {
            lineStart--;
        }
        return new Position(key, line, scalar - lineStart + 1);
    }

    /**
     * Lower-case letters, digits, '-' and '_' in labels joined by single dots: what the provider parser keeps as
     * written (anything else, such as upper case, '*', a leading dot or a trailing one, goes to it as text).
     * Walks from the right so that it also leaves the domain's {@link DomainTable#hash} in {@link #hash}: the
     * table then need not read the key again.
     */
    private boolean isPlainDomain(int f, int t) {
        if (b[f] == '.' || b[t - 1] == '.') {
            return false;
        }
        int h = 0;
        for (int i = t - 1; i >= f; i--) {
            byte c = b[i];
            boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.' && b[i - 1] != '.';
            if (!ok) {
                return false;
            }
            h = 31 * h + c;
        }
        hash = h;
        return true;
    }

    /**
     * Finds a single-quoted, double-quoted (no escapes) or plain scalar spanning {@code [start, end)} and sets
     * {@link #from}, {@link #to} and {@link #doubledQuotes}; false when the line is anything else.
     */
    private boolean scalar(int start, int end) {
        doubledQuotes = false;
        if (start >= end) {
            return false;
        }
        byte first = b[start];
        if (first == '\'') {
            if (end - start < 2 || b[end - 1] != '\'') {
                return false;
            }
            for (int i = start + 1; i < end - 1; i++) {
                byte c = b[i];
                if (c == '\'') {
                    if (i + 1 >= end - 1 || b[i + 1] != '\'') {
                        return false;
                    }
                    doubledQuotes = true;
                    i++;
                } else if (c == '\t') {
                    return false;
                }
            }
            from = start + 1;
            to = end - 1;
            return true;
        }
        if (first == '"') {
            if (end - start < 2 || b[end - 1] != '"') {
                return false;
            }
            for (int i = start + 1; i < end - 1; i++) {
                byte c = b[i];
                if (c == '"' || c == '\\' || c == '\t') {
                    return false;
                }
            }
            from = start + 1;
            to = end - 1;
            return true;
        }
        if ("[]{}&*!|>%@`#,?:-'\"".indexOf(first) >= 0) {
            return false;
        }
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c == '\t' || (c == ':' && (i + 1 == end || b[i + 1] == ' ')) || (c == '#' && b[i - 1] == ' ')) {
                return false;
            }
        }
        from = start;
        to = end;
        return true;
    }
}
