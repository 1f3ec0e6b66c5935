package dev.turnout.host.route;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.Outbounds;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a config into a {@link Routing}: outbounds first (rules may only name what exists), then the rules
 * with their providers. Off the flow path; a failure leaves nothing half-built behind.
 */
public final class RoutingCompiler {

    /** A compiled routing and what the user should read about it. */
    public record Compiled(Routing routing, List<String> notes) {
    }

    private final OutboundFactory outbounds;

    public RoutingCompiler(OutboundFactory outbounds) {
        this.outbounds = outbounds;
    }

    public Compiled compile(Config config, boolean fetchProviders) throws ConfigException {
        Outbounds built = outbounds.build(config);
        try {
            ProviderLoader.Loaded providers = ProviderLoader.load(config, fetchProviders);
            RuleSet rules = RuleSet.compile(config.rules(), providers.sources(), built.names());
            List<String> notes = new ArrayList<>(providers.notes());
            notes.addAll(rules.warnings());
            return new Compiled(new Routing(rules, built, config.mode()), notes);
        } catch (RuleException e) {
            built.close();
            throw new ConfigException(e.origin(), stripOrigin(e));
        } catch (ConfigException | RuntimeException e) {
            built.close();
            throw e;
        }
    }

    private static String stripOrigin(RuleException e) {
        String prefix = e.origin() + ": ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
