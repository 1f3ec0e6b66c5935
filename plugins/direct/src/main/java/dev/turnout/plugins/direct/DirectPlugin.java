package dev.turnout.plugins.direct;

import org.pf4j.Plugin;

/** The plugin that provides the {@code direct} outbound type; it holds no state of its own. */
public final class DirectPlugin extends Plugin {
}
