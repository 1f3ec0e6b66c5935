package dev.turnout.plugins.trojan;

import org.pf4j.Plugin;

/** The plugin that provides the {@code trojan} outbound type; it holds no state of its own. */
public final class TrojanPlugin extends Plugin {
}
