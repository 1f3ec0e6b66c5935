package dev.turnout.host.dns;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Domain patterns in Clash's wildcard syntax, matched most-specific first: {@code example.com} (exact),
 * {@code *.example.com} ({@code *} is exactly one label, anywhere), {@code +.example.com} (the name itself and
 * every subdomain) and {@code .example.com} (every subdomain, not the name itself). Built once, read
 * concurrently.
 */
public final class DomainTrie<V> {

    private static final class Node<V> {
        final Map<String, Node<V>> children = new HashMap<>(4);
        V exact;
        V plus;
        V dot;
    }

    /** Deeper names than this are never matched; keeps the backtracking search bounded. */
    private static final int MAX_LABELS = 127;

    private final Node<V> root = new Node<>();
    private int size;

    /**
     * Checks that a table could hold {@code pattern}, as {@link #insert} would.
     *
     * @throws IllegalArgumentException saying why it cannot
     */
    public static void check(String pattern) {
        new DomainTrie<Boolean>().insert(pattern, Boolean.TRUE);
    }

    /** Adds {@code pattern}; a later duplicate replaces the earlier value. */
    public void insert(String pattern, V value) {
        String p = normalize(pattern);
        if (p.isEmpty()) {
            throw new IllegalArgumentException("empty domain pattern");
        }
        char kind = 0;
        if (p.startsWith("+.") || p.equals("+")) {
            kind = '+';
            p = p.length() == 1 ? "" : p.substring(2);
        } else if (p.startsWith(".")) {
            kind = '.';
            p = p.substring(1);
        }
        Node<V> node = root;
        if (!p.isEmpty()) {
            String[] labels = p.split("\\.", -1);
            for (int i = labels.length - 1; i >= 0; i--) {
                String label = labels[i];
                if (label.isEmpty()) {
                    throw new IllegalArgumentException("empty label in domain pattern '" + pattern + "'");
                }
                if (label.indexOf('+') >= 0) {
                    throw new IllegalArgumentException("'+' may only start a domain pattern: '" + pattern + "'");
                }
                if (label.indexOf('*') >= 0 && !label.equals("*")) {
                    throw new IllegalArgumentException("'*' must be a whole label: '" + pattern + "'");
                }
                node = node.children.computeIfAbsent(label, k -> new Node<>());
            }
        } else if (kind == '.') {
            throw new IllegalArgumentException("empty domain pattern '" + pattern + "'");
        }
        switch (kind) {
            case '+' -> node.plus = value;
            case '.' -> node.dot = value;
            default -> node.exact = value;
        }
        size++;
    }

    public int size() {
        return size;
    }

    /** The value of the most specific pattern matching {@code name}, or {@code null}. */
    public V match(String name) {
        String n = normalize(name);
        if (n.isEmpty()) {
            return null;
        }
        return search(root, n, n.length(), 0);
    }

    /**
     * Matches the labels of {@code name} before index {@code end} (exclusive; -1 when none are left),
     * rightmost first, without splitting the whole name up front.
     */
    private V search(Node<V> node, String name, int end, int depth) {
        if (end < 0) {
            return node.exact != null ? node.exact : node.plus;
        }
        if (depth >= MAX_LABELS) {
            return null;
        }
        int start = name.lastIndexOf('.', end - 1) + 1;
        if (!node.children.isEmpty()) {
            Node<V> child = node.children.get(name.substring(start, end));
            if (child != null) {
                V v = search(child, name, start - 1, depth + 1);
                if (v != null) {
                    return v;
                }
            }
            Node<V> any = node.children.get("*");
            if (any != null) {
                V v = search(any, name, start - 1, depth + 1);
                if (v != null) {
                    return v;
                }
            }
        }
        return node.plus != null ? node.plus : node.dot;
    }

    /** Lower case, without the trailing root dot. */
    public static String normalize(String name) {
        String n = name.trim();
        if (n.endsWith(".") && n.length() > 1) {
            n = n.substring(0, n.length() - 1);
        } else if (n.equals(".")) {
            return "";
        }
        return n.toLowerCase(Locale.ROOT);
    }
}
