package dev.turnout.plugins.reject;

import org.pf4j.Plugin;

/** The plugin that provides the {@code reject} and {@code reject-drop} outbound types; it holds no state of its own. */
public final class RejectPlugin extends Plugin {
}
