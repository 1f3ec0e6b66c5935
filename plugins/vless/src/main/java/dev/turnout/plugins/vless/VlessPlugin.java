package dev.turnout.plugins.vless;

import org.pf4j.Plugin;

/** The plugin that provides the {@code vless} outbound type; it holds no state of its own. */
public final class VlessPlugin extends Plugin {
}
