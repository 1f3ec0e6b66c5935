package dev.turnout.host.outbound;

import dev.turnout.host.config.ProxyEntry;
import dev.turnout.rules.Origin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * What plugins said of the entries they built ({@link dev.turnout.api.OutboundContext#warn}), one line per message
 * and source: a subscription of fifty nodes that all carry {@code client-fingerprint} gives one line, not fifty.
 */
final class EntryWarnings {

    /** One message, the entries that drew it, and where the first one is written. */
    private static final class Said {
        final Origin firstAt;
        final List<String> names = new ArrayList<>();

        Said(Origin firstAt) {
            this.firstAt = firstAt;
        }
    }

    /** Source ({@code null}: the config's own {@code proxies:}) to message to what was said. */
    private final Map<String, Map<String, Said>> bySource = new LinkedHashMap<>();

    /**
     * Where the plugin building {@code entry} reports; {@code provider}: the proxy provider it came from, or null.
     * What it says counts once the entry is built ({@link Entry#built}): of an entry left out, the reason is what
     * the user needs, not what else its plugin noticed.
     */
    Entry of(String provider, ProxyEntry entry) {
        return new Entry(provider, entry);
    }

    /** One entry's reports, held until it is built. */
    final class Entry implements BiConsumer<String, String> {
        private final String provider;
        private final ProxyEntry entry;
        private final List<String[]> held = new ArrayList<>();

        private Entry(String provider, ProxyEntry entry) {
            this.provider = provider;
            this.entry = entry;
        }

        @Override
        public void accept(String key, String message) {
            held.add(new String[] {key, message});
        }

        void built() {
            for (String[] h : held) {
                bySource.computeIfAbsent(provider, p -> new LinkedHashMap<>())
                        .computeIfAbsent(h[1], m -> new Said(entry.originOf(h[0]))).names.add(entry.name());
            }
            held.clear();
        }
    }

    /** The folded lines, each starting where its first entry is written. */
    List<String> lines() {
        List<String> out = new ArrayList<>();
        bySource.forEach((provider, messages) -> messages.forEach((message, said) -> {
            int more = said.names.size() - 1;
            String who = "'" + said.names.get(0) + "'" + (more == 0 ? ""
                    : " and " + more + " more " + (provider == null ? "entr" + (more == 1 ? "y" : "ies")
                    : "node" + (more == 1 ? "" : "s") + " of proxy provider '" + provider + "'"));
            out.add(said.firstAt + ": " + who + ": " + message);
        }));
        return out;
    }
}
