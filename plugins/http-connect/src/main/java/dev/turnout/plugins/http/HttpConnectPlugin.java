package dev.turnout.plugins.http;

import org.pf4j.Plugin;

/** The plugin that provides the {@code http} outbound type; it holds no state of its own. */
public final class HttpConnectPlugin extends Plugin {
}
