package dev.turnout.host.outbound;

import dev.turnout.api.Outbound;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Every outbound and group of one config, by name, with DIRECT and REJECT always present. Immutable. */
public final class Outbounds implements AutoCloseable {

    private final Map<String, Outbound> byName;

    Outbounds(Map<String, Outbound> byName) {
        this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    public Outbound get(String name) {
        return byName.get(name);
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public Map<String, Outbound> all() {
        return byName;
    }

    @Override
    public void close() {
        for (Outbound o : byName.values()) {
            try {
                o.close();
            } catch (RuntimeException e) {
                // closing one outbound must not keep the others open
            }
        }
    }
}
