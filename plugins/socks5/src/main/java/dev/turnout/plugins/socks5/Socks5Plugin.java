package dev.turnout.plugins.socks5;

import org.pf4j.Plugin;

/** The plugin that provides the {@code socks5} outbound type; it holds no state of its own. */
public final class Socks5Plugin extends Plugin {
}
