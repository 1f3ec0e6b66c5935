package dev.turnout.plugins.ssh;

import org.pf4j.Plugin;

/** The plugin that provides the {@code ssh} outbound type; it holds no state of its own. */
public final class SshPlugin extends Plugin {
}
