package dev.turnout.host.config;

import dev.turnout.rules.Origin;
import java.util.List;
import java.util.Map;

/**
 * A config section whose meaning belongs to another part of Turnout ({@code tun:}, {@code dns:}): its
 * values as YAML gives them, with the origin of every key so that part can still point at file and line.
 */
public record Section(Map<String, Object> values, Map<String, Origin> keyOrigins, Origin origin) {

    public static final Section ABSENT = new Section(Map.of(), Map.of(), new Origin("(built-in)", 0, 0));

    public boolean present() {
        return !values.isEmpty();
    }

    /** This section with {@code key} set to {@code value}, written at {@code from} (a dashboard's change). */
    public Section with(String key, Object value, Origin from) {
        Map<String, Object> v = new java.util.LinkedHashMap<>(values);
        v.put(key, value);
        Map<String, Origin> o = new java.util.LinkedHashMap<>(keyOrigins);
        o.keySet().removeIf(k -> k.startsWith(key + "[")); // the items written before are gone
        o.put(key, from);
        return new Section(java.util.Collections.unmodifiableMap(v), java.util.Collections.unmodifiableMap(o),
                present() ? origin : from);
    }

    public Origin originOf(String key) {
        return keyOrigins.getOrDefault(key, origin);
    }

    /** Where item {@code index} of the list {@code key} was written (the key's place when not known). */
    public Origin originOf(String key, int index) {
        Origin at = keyOrigins.get(itemKey(key, index));
        return at != null ? at : originOf(key);
    }

    /** How {@link #keyOrigins} names a list's item. */
    static String itemKey(String key, int index) {
        return key + "[" + index + "]";
    }

    public boolean bool(String key, boolean fallback) throws ConfigException {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(originOf(key), "'" + key + "' must be true or false, got " + v);
    }

    public int integer(String key, int fallback) throws ConfigException {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Integer i) {
            return i;
        }
        throw new ConfigException(originOf(key), "'" + key + "' must be a whole number, got " + v);
    }

    public String string(String key, String fallback) throws ConfigException {
        Object v = values.get(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw new ConfigException(originOf(key), "'" + key + "' must be a string");
    }

    public List<String> strings(String key) throws ConfigException {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (v instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        throw new ConfigException(originOf(key), "'" + key + "' must be a list of strings");
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> map(String key) throws ConfigException {
        Object v = values.get(key);
        if (v == null) {
            return Map.of();
        }
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new ConfigException(originOf(key), "'" + key + "' must be a mapping");
    }
}
