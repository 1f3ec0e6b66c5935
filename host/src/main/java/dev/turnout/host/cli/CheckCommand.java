package dev.turnout.host.cli;

import dev.turnout.api.Outbound;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.GroupEntry;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.controller.Controller;
import dev.turnout.host.outbound.LeftOutProxy;
import dev.turnout.host.plugin.PluginHost;
import dev.turnout.host.route.RoutingCompiler;
import dev.turnout.host.runtime.ConfigCheck;
import dev.turnout.host.runtime.Logging;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code turnout check}: validates a config as {@code run} would (plugins, outbounds, groups, rules,
 * providers from their cached copies, TUN, DNS, listeners, controller; nothing is started or downloaded),
 * lists every problem it finds, and prints a summary.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Version.class, description = "Validate a config and print a summary.")
final class CheckCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Mixin
    PluginOptions plugins;

    /** {@code turnout check FILE}, as people type it; the same as {@code -f FILE}. */
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "The config to check (the same as -f FILE).")
    Path file;

    @Override
    public Integer call() {
        if (file != null) {
            if (config.file != null && !config.file.equals(file)) {
                System.err.println("turnout: check takes one config: " + config.file + " (-f) or " + file + ", not both");
                return 2;
            }
            config.file = file;
        }
        PrintStream out = System.out;
        Config c;
        try {
            c = config.load();
        } catch (ConfigException e) {
            System.err.println("turnout: " + ConfigOptions.everyProblem(e, plugins).getMessage());
            return 2;
        }
        Logging.apply("warning");
        try (PluginHost host = PluginHost.load(plugins.folder(), false)) {
            host.failures().forEach(f -> System.err.println("turnout: plugin " + f.path() + " failed: " + f.reason()));
            host.warnings().forEach(w -> System.err.println("turnout: plugin " + w.path() + ": " + w.message()));
            RoutingCompiler.Compiled compiled;
            try {
                // The very check run makes before it starts anything, so check passes what run accepts.
                compiled = ConfigCheck.offline(c, host).compiled();
            } catch (ConfigException e) {
                System.err.println("turnout: " + e.getMessage());
                return 2;
            }
            out.println("config: " + c.displayName());
            out.println("inbounds: " + inbounds(c));
            out.println("outbounds (" + c.proxies().size() + " + DIRECT, REJECT, REJECT-DROP, PASS):");
            // The groups as built: include-all and filters applied, GLOBAL included.
            List<GroupEntry> groups = compiled.routing().outbounds().groups();
            var proxyProviders = compiled.routing().outbounds().providers();
            java.util.Set<String> nodes = new java.util.HashSet<>();
            proxyProviders.values().forEach(p -> nodes.addAll(p.nodes()));
            for (Outbound o : compiled.routing().outbounds().all().values()) {
                if (groups.stream().noneMatch(g -> g.name().equals(o.name())) && !nodes.contains(o.name())) {
                    out.printf("  %-24s %s%s%n", o.name(), o.type(), o instanceof LeftOutProxy ? "   (left out)" : "");
                }
            }
            out.println("groups (" + groups.size() + "):");
            for (GroupEntry g : groups) {
                out.printf("  %-24s %-12s %s%n", g.name(), g.type(), g.members().isEmpty() ? "(none: its flows are refused)"
                        : String.join(", ", g.members()));
            }
            out.println("rules (" + compiled.routing().rules().size() + " inline):");
            compiled.routing().rules().countByType().forEach((type, n) -> out.printf("  %-24s %d%n", type, n));
            out.println("rule providers (" + c.providers().size() + "):");
            for (ProviderEntry p : c.providers().values()) {
                String state = p.payload() != null ? p.payload().size() + " entries in the config"
                        : !Files.exists(p.path()) ? (p.type().equals("file") ? "no file at " + p.path()
                                : "not fetched (" + dev.turnout.host.provider.SubscriptionUrl.redacted(p.url()) + ")")
                        : !compiled.unreadableCopies().contains(p.name()) ? "loaded from " + p.path()
                        : "its copy at " + p.path() + " cannot be read: run downloads it again";
                out.printf("  %-24s %-6s %-9s %s%n", p.name(), p.type(), p.behavior().name().toLowerCase(), state);
            }
            out.println("proxy providers (" + proxyProviders.size() + "):");
            for (var p : proxyProviders.values()) {
                var entry = p.content().entry();
                String count = p.nodes().size() + (p.nodes().size() == 1 ? " node" : " nodes");
                String state = entry.payload() != null ? count + " in the config"
                        : p.content().updatedAt() == null ? (!Files.exists(entry.path()) ? (entry.type().equals("file")
                                ? "no file at " + entry.path() : "not fetched yet ("
                                        + dev.turnout.host.provider.SubscriptionUrl.redacted(entry.url()) + ")")
                                : entry.type().equals("file") ? "its file at " + entry.path() + " cannot be read"
                                : "its copy at " + entry.path() + " cannot be read: run downloads it again")
                        : count + " from " + entry.path() + " ("
                                + dev.turnout.host.provider.ProxyProviders.describeAge(entry.path()) + ")";
                out.printf("  %-24s %-6s %s%n", p.name(), entry.type(), state);
            }
            String controller;
            try {
                controller = controllerWarning(c);
            } catch (IllegalArgumentException e) {
                System.err.println("turnout: -ext-ctl: " + e.getMessage());
                return 2;
            }
            try {
                Controller.check(c, config.overrides());
            } catch (IllegalArgumentException e) {
                System.err.println("turnout: " + e.getMessage());
                return 2;
            }
            String ui = Controller.uiNote(c, config.overrides().externalUi());
            if (ui != null && config.overrides().externalUi() == null) {
                ui = c.originOf("external-ui") + ": " + ui;
            }
            if (!c.warnings().isEmpty() || !compiled.notes().isEmpty() || controller != null || ui != null) {
                out.println("warnings:");
                c.warnings().forEach(w -> out.println("  " + w));
                compiled.notes().forEach(n -> out.println("  " + n));
                if (controller != null) {
                    out.println("  " + controller);
                }
                if (ui != null) {
                    out.println("  " + ui);
                }
            }
            compiled.routing().outbounds().close();
            out.println("OK");
            return 0;
        }
    }

    /**
     * What run would warn about where the controller listens; throws for an unusable {@code -ext-ctl} (the config's
     * own address was checked above).
     */
    private String controllerWarning(Config c) {
        Controller.Overrides o = config.overrides();
        String listen = o.externalController() != null ? o.externalController() : c.externalController();
        if (listen == null || listen.isBlank()) {
            return null;
        }
        String warning = Controller.listen(listen, o.secret() != null ? o.secret() : c.secret()).warning();
        // At the key's place, as every other note about the file; an -ext-ctl has none.
        return warning == null || o.externalController() != null ? warning
                : c.originOf("external-controller") + ": " + warning;
    }

    /** The ports as run opens them (each a mixed SOCKS5 and HTTP listener), where, and the TUN. */
    static String inbounds(Config c) {
        StringBuilder line = new StringBuilder(c.listening());
        for (var l : c.listeners()) {
            line.append(", listener ").append(l.name()).append(" (").append(l.type()).append(") ").append(l.port())
                    .append(" on ").append(l.address()).append(l.proxy() == null ? "" : " -> " + l.proxy());
        }
        return line + (c.tun().present() ? ", tun: " + c.tun().values().getOrDefault("enable", false) : "");
    }
}
