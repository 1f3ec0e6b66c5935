package dev.turnout.host.plugin;

import org.pf4j.Plugin;

/**
 * A plugin for {@link PluginHostTest}, copied into jars: each copy, in a class loader of its own, counts its stop in a
 * system property, the one place both loaders share.
 */
public class StopCountingPlugin extends Plugin {

    static final String STOPS = "turnout.test.plugin-stops";

    @Override
    public void stop() {
        synchronized (System.getProperties()) {
            System.setProperty(STOPS, Integer.toString(Integer.getInteger(STOPS, 0) + 1));
        }
    }
}
