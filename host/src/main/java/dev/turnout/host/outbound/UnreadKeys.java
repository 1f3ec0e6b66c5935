package dev.turnout.host.outbound;

import dev.turnout.api.OutboundOptions;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The keys of a {@code proxies:} entry (or a provider's node) that its plugin never read while building it: a
 * misspelt or made-up key, or one of mihomo's that the plugin does not act on ({@code tfo},
 * {@code smux}, {@code ech-opts} on an ss or trojan node; {@code plugin-opts} without a {@code plugin}). As with the
 * config's other unknown keys, each is a warning, never a refusal: mihomo takes them, and a subscription must not
 * stop working for a detail, but silence would let the user believe they act.
 */
final class UnreadKeys {

    /** Read by the host itself for every entry, whatever its plugin. */
    private static final Set<String> HOST_KEYS = Set.of("dialer-proxy", "interface-name", "routing-mark", "ip-version");

    private UnreadKeys() {
    }

    /**
     * Tells {@code said} of each key of {@code built} (the options its plugin was handed) that the plugin did not ask
     * for, unless its value asks for nothing ({@code false}, empty, null: the same as leaving it out). Nothing when
     * the plugin took the whole map of values, as then what it read is not known.
     */
    static void warn(OutboundOptions built, Map<String, Object> written, BiConsumer<String, String> said) {
        built.asked().ifPresent(asked -> {
            for (Map.Entry<String, Object> e : written.entrySet()) {
                String key = e.getKey();
                if (!HOST_KEYS.contains(key) && !asked.contains(key) && asksSomething(e.getValue())) {
                    said.accept(key, "'" + key + "' is not read by the " + built.type() + " plugin (an unknown key, or"
                            + " one it does not act on for this entry); ignored");
                } else if (asked.contains(key) && e.getValue() instanceof Map<?, ?> nested
                        && !asked.contains(key + ".*")) {
                    // plugin-opts, ws-opts and the like: a key inside that nothing read is as unknown as one outside
                    for (Map.Entry<?, ?> n : nested.entrySet()) {
                        String inner = key + "." + n.getKey();
                        if (!asked.contains(inner) && asksSomething(n.getValue())) {
                            said.accept(key, "'" + n.getKey() + "' in '" + key + "' is not read by the " + built.type()
                                    + " plugin (an unknown key, or one it does not act on for this entry); ignored");
                        }
                    }
                }
            }
        });
    }

    private static boolean asksSomething(Object value) {
        return !(value == null || Boolean.FALSE.equals(value) || value instanceof String s && s.isEmpty()
                || value instanceof Map<?, ?> m && m.isEmpty() || value instanceof Collection<?> c && c.isEmpty());
    }
}
