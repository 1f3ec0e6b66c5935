package dev.turnout.plugins.vmess;

import org.pf4j.Plugin;

/** The plugin that provides the {@code vmess} outbound type; it holds no state of its own. */
public final class VmessPlugin extends Plugin {
}
