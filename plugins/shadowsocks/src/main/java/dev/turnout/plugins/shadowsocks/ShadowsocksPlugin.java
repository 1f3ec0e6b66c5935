package dev.turnout.plugins.shadowsocks;

import org.pf4j.Plugin;

/** The plugin that provides the {@code ss} outbound type; it holds no state of its own. */
public final class ShadowsocksPlugin extends Plugin {
}
