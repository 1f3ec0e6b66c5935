package dev.turnout.api;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@code proxies:} entry as the user wrote it: its name, its type and the remaining keys. Values are
 * what YAML gives: strings, numbers, booleans, lists and maps.
 */
public final class OutboundOptions {

    private final String name;
    private final String type;
    private final Map<String, Object> values;
    /** The keys asked for through the accessors, so a host can name those nothing read (see {@link #asked()}). */
    private final Set<String> asked = ConcurrentHashMap.newKeySet();
    /** Whether {@link #values()} was handed out: then what was read from it is not known. */
    private volatile boolean handedOut;

    public OutboundOptions(String name, String type, Map<String, Object> values) {
        this.name = name;
        this.type = type;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    /** Every key with its value as YAML gave it (unmodifiable): what a host copies when it amends an entry. */
    public Map<String, Object> values() {
        handedOut = true;
        return values;
    }

    /**
     * The keys asked for so far through {@link #has} and the typed accessors; empty when {@link #values()} was handed
     * out (whoever took the map may have read any key). A host compares it with {@link #keys()} after a plugin built
     * the entry, to warn about keys the plugin never read: misspelt, or of mihomo's that it does not act on.
     * A key of a nested map from {@link #map} counts as {@code parent.key} once read from that map, and the map
     * as {@code parent.*} once iterated or copied (then all of it may have been read).
     */
    public Optional<Set<String>> asked() {
        return handedOut ? Optional.empty() : Optional.of(Set.copyOf(asked));
    }

    private Object get(String key) {
        asked.add(key);
        return values.get(key);
    }

    public boolean has(String key) {
        return get(key) != null;
    }

    public String requireString(String key) throws OptionException {
        String value = string(key, null);
        if (value == null || value.isEmpty()) {
            throw new OptionException(key, "'" + key + "' is required for type " + type);
        }
        return value;
    }

    public String string(String key, String fallback) throws OptionException {
        Object value = get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        throw new OptionException(key, "'" + key + "' must be a string");
    }

    public int requirePort(String key) throws OptionException {
        if (!has(key)) {
            throw new OptionException(key, "'" + key + "' is required for type " + type);
        }
        return port(key, 0);
    }

    /**
     * The {@code server} and {@code port} options as where to dial, without any lookup: an address literal (IPv6
     * with or without brackets) becomes an address, anything else stays a name for the dialer to resolve (so that
     * a name is resolved when dialed, through the host's resolver, as Clash does).
     */
    public Destination server() throws OptionException {
        String server = requireString("server").trim();
        int port = requirePort("port");
        try {
            Destination destination = Destination.ofHost(server, port);
            if (!destination.hasHost() || server.chars().noneMatch(c -> c <= ' ' || c == '/' || c == '[' || c == ']')) {
                return destination;
            }
        } catch (IllegalArgumentException e) {
            // said below, as a name with a space is
        }
        throw new OptionException("server", "'server' is neither a host name nor an IP address: " + server);
    }

    public int port(String key, int fallback) throws OptionException {
        int port = integer(key, fallback);
        if (port < 1 || port > 65535) {
            throw new OptionException(key, "'" + key + "' must be a port from 1 to 65535, got " + values.get(key));
        }
        return port;
    }

    public int integer(String key, int fallback) throws OptionException {
        Object value = get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).intValue();
        }
        if (value instanceof Double d && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
            return d.intValue(); // mihomo's weak decoding truncates a float
        }
        if (value instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new OptionException(key, "'" + key + "' must be a whole number, got " + value);
    }

    public boolean bool(String key, boolean fallback) throws OptionException {
        Object value = get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue() != 0; // mihomo's weak decoding: udp: 1
        }
        if ("true".equals(value) || "false".equals(value)) {
            return Boolean.parseBoolean((String) value);
        }
        throw new OptionException(key, "'" + key + "' must be true or false, got " + value);
    }

    /**
     * A nested map such as {@code ws-opts}; empty when the key is absent. Its values are what YAML gives, as
     * for the entry's own keys.
     */
    public Map<String, Object> map(String key) throws OptionException {
        Object value = get(key);
        if (value == null) {
            return Map.of();
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), v));
            return new AskedMap(key, Collections.unmodifiableMap(copy), asked);
        }
        throw new OptionException(key, "'" + key + "' must be a map");
    }

    /** A nested map that notes which of its keys were read, as {@code parent.key}, or {@code parent.*} for all. */
    private static final class AskedMap extends AbstractMap<String, Object> {

        private final String parent;
        private final Map<String, Object> map;
        private final Set<String> asked;

        AskedMap(String parent, Map<String, Object> map, Set<String> asked) {
            this.parent = parent;
            this.map = map;
            this.asked = asked;
        }

        @Override
        public Object get(Object key) {
            asked.add(parent + "." + key);
            return map.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            asked.add(parent + "." + key);
            return map.containsKey(key);
        }

        @Override
        public Object getOrDefault(Object key, Object otherwise) {
            asked.add(parent + "." + key);
            return map.getOrDefault(key, otherwise);
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public boolean isEmpty() {
            return map.isEmpty();
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            asked.add(parent + ".*");
            return map.entrySet();
        }
    }

    /**
     * A list of strings such as {@code alpn}; empty when the key is absent. A single string counts as a list of
     * one, as Clash reads it.
     */
    public List<String> stringList(String key) throws OptionException {
        Object value = get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof List<?> list) {
            List<String> strings = new ArrayList<>(list.size());
            for (Object item : list) {
                if (!(item instanceof String || item instanceof Number)) {
                    throw new OptionException(key, "'" + key + "' must be a list of strings");
                }
                strings.add(item.toString());
            }
            return List.copyOf(strings);
        }
        throw new OptionException(key, "'" + key + "' must be a list of strings");
    }

    /**
     * A duration such as {@code timeout}: a whole number of milliseconds, or a number with {@code ms} or {@code s};
     * from 1 ms to 600 s.
     */
    public long millis(String key, long fallback) throws OptionException {
        String text = string(key, null);
        if (text == null) {
            return fallback;
        }
        String t = text.trim();
        long scale = 1;
        if (t.endsWith("ms")) {
            t = t.substring(0, t.length() - 2).trim();
        } else if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1).trim();
            scale = 1000;
        }
        try {
            long value = Long.parseLong(t) * scale;
            if (value > 0 && value <= 600_000) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new OptionException(key, "'" + key + "' must be a duration from 1ms to 600s (a number is milliseconds), got "
                + text);
    }

    @Override
    public String toString() {
        return type + " '" + name + "'";
    }
}
