package dev.turnout.host.route;

import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ListenerEntry;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.files.Downloads;
import dev.turnout.host.geo.HomeGeoData;
import dev.turnout.host.outbound.OutboundFactory;
import dev.turnout.host.outbound.Outbounds;
import dev.turnout.host.provider.ProviderFetch;
import dev.turnout.host.provider.ProxyProviders;
import dev.turnout.rules.RuleException;
import dev.turnout.rules.RuleSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Turns a config into a {@link Routing}: outbounds first (rules may only name what exists), then the rules
 * with their providers. Off the flow path; a failure leaves nothing half-built behind.
 */
public final class RoutingCompiler {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RoutingCompiler.class);

    /**
     * A compiled routing, what the user should read about it, and the http rule providers whose cached copy could
     * not be read (they stand in empty; {@code turnout check} lists them so).
     */
    public record Compiled(Routing routing, List<String> notes, Set<String> unreadableCopies) {
    }

    private final OutboundFactory outbounds;

    public RoutingCompiler(OutboundFactory outbounds) {
        this.outbounds = outbounds;
    }

    /**
     * Outbounds, providers and rules are each checked even when another part failed, so that one run reports
     * every problem; the rules are then checked against the names the outbounds would have.
     */
    public Compiled compile(Config config, Downloads downloads) throws ConfigException {
        boolean fetchProviders = downloads != Downloads.NONE;
        List<ConfigException> errors = new ArrayList<>();
        Outbounds built = null;
        ProxyProviders.Loaded proxyProviders;
        // The rule sets' downloads beside the subscriptions', not after them: a start waits for the slowest server
        // once, where it waited for a proxy provider's and then a rule provider's (30 s, then 60 s).
        FutureTask<Map<ProviderEntry, Exception>> ruleDownloads =
                new FutureTask<>(() -> ProviderLoader.fetch(config, downloads, Map.of(), false));
        if (fetchProviders) {
            Thread t = new Thread(ruleDownloads, "turnout-rule-provider-downloads");
            t.setDaemon(true);
            t.start();
        }
        // Downloads only when asked (turnout check never downloads) and only those that are due.
        try (ProviderFetch fetch = fetchProviders ? ProviderFetch.compiling(outbounds, config) : null) {
            proxyProviders = ProxyProviders.load(config, fetch, downloads, errors);
        }
        Map<ProviderEntry, Exception> ruleFailures = fetchProviders ? finished(ruleDownloads, config) : Map.of();
        try {
            built = outbounds.build(config, proxyProviders.providers());
        } catch (ConfigException e) {
            errors.add(e);
        }
        try {
            List<ConfigException> ruleErrors = new ArrayList<>();
            Compiled compiled = compileRules(config, downloads, built, proxyProviders, Map.of(), ruleFailures,
                    ruleErrors);
            Map<String, String> broken = ProviderLoader.brokenCopies(config, ruleErrors);
            if (!broken.isEmpty()) {
                // Once more with those copies downloaded again, or empty: the first run's problems were theirs.
                ruleErrors.clear();
                Map<ProviderEntry, Exception> failed = new java.util.HashMap<>(ruleFailures);
                if (fetchProviders) {
                    failed.putAll(ProviderLoader.fetch(config, Downloads.NONE, broken, true));
                }
                compiled = compileRules(config, downloads, built, proxyProviders, broken, failed, ruleErrors);
            }
            errors.addAll(ruleErrors);
            if (errors.isEmpty()) {
                return compiled;
            }
        } catch (RuntimeException | Error e) {
            if (built != null) {
                built.close();
            }
            throw e;
        }
        if (built != null) {
            built.close();
        }
        throw ConfigException.of(errors);
    }

    /**
     * The rules and what they read (rule providers, geo databases, the DNS's sets) over {@code built}: the routing
     * when neither they nor anything before them had a problem, else null with their problems added to
     * {@code errors}.
     *
     * @param broken http rule providers whose cached copy is broken, to download again (see {@link ProviderLoader})
     * @param failed what the rule providers' downloads threw ({@link ProviderLoader#fetch})
     */
    private Compiled compileRules(Config config, Downloads downloads, Outbounds built,
                                  ProxyProviders.Loaded proxyProviders, Map<String, String> broken,
                                  Map<ProviderEntry, Exception> failed, List<ConfigException> errors) {
        boolean fetchProviders = downloads != Downloads.NONE;
        try {
            // A provider that cannot be read is a problem, and stands in empty so the rules are checked too.
            java.time.Instant reading = java.time.Instant.now();
            ProviderLoader.Loaded providers = ProviderLoader.load(config, downloads, errors, broken, failed);
            List<String> geoNotes = new ArrayList<>();
            HomeGeoData geo = new HomeGeoData(config.geo(), config.baseDir(), fetchProviders, geoNotes::add, log::info);
            List<String> dnsNotes = new ArrayList<>();
            CompiledDnsMatchers dnsMatchers = CompiledDnsMatchers.compile(config, providers.sources(), geo, errors, dnsNotes);
            Set<String> targets = built != null ? built.names() : OutboundFactory.targetNames(config);
            Map<String, String> listenerProxies = new LinkedHashMap<>();
            for (ListenerEntry l : config.listeners()) {
                if (l.proxy() != null && !targets.contains(l.proxy())) {
                    errors.add(new ConfigException(l.proxyOrigin(), "listener '" + l.name() + "': proxy '" + l.proxy()
                            + "' is neither an outbound nor a group"));
                } else if (l.proxy() != null) {
                    listenerProxies.put(l.name(), l.proxy());
                }
            }
            RuleSet rules = RuleSet.compile(config.rules(), providers.sources(), targets, config.subRules(), geo,
                    config.disabledRuleIndexes(), built != null ? built.skippable() : OutboundFactory.passingNames(config));
            Map<String, String> listenerRules = new LinkedHashMap<>();
            List<String> listenerNotes = new ArrayList<>();
            // A list a listener's rule names is used, though by no SUB-RULE.
            Set<String> usedByListeners = config.listeners().stream().map(ListenerEntry::rule)
                    .filter(java.util.Objects::nonNull)
                    .map(name -> RuleSet.unusedSubRuleNote(name, config.subRules().get(name)))
                    .collect(java.util.stream.Collectors.toSet());
            for (ListenerEntry l : config.listeners()) {
                if (l.rule() != null && rules.hasSubRules(l.rule())) {
                    listenerRules.put(l.name(), l.rule());
                } else if (l.rule() != null) {
                    listenerNotes.add(l.origin() + ": listener '" + l.name() + "': 'sub-rules:' has no list '"
                            + l.rule() + "', so its flows follow the rules, as in mihomo");
                }
            }
            if (errors.isEmpty() && built != null) {
                List<String> notes = new ArrayList<>(proxyProviders.notes());
                notes.addAll(providers.notes());
                notes.addAll(geoNotes);
                notes.addAll(built.warnings());
                // A provider only the DNS's filter or policy names is used, though by no rule.
                // One whose emptiness a note of the loader's explains is not said to be empty once more.
                rules.warnings().stream().filter(w -> !usedByListeners.contains(w))
                        .filter(w -> !dnsMatchers.providers().stream()
                        .anyMatch(name -> w.equals(RuleSet.unusedProviderNote(providers.sources().get(name)))))
                        .filter(w -> providers.emptyAsSaid().stream()
                                .noneMatch(name -> w.equals(RuleSet.emptyProviderNote(providers.sources().get(name)))))
                        .forEach(notes::add);
                notes.addAll(SenderNotes.of(config, rules));
                notes.addAll(dnsNotes);
                notes.addAll(listenerNotes);
                // The rules and the DNS's sets read one GeoSite.dat: what it says about itself is said once.
                return new Compiled(new Routing(rules, built, config.mode(), dnsMatchers, listenerProxies, listenerRules,
                        new RuleProviderLoads(providers.stamps(), reading)),
                        List.copyOf(new java.util.LinkedHashSet<>(notes)), Set.copyOf(broken.keySet()));
            }
        } catch (RuleException e) {
            e.problems().forEach(p -> errors.add(new ConfigException(p.origin(), stripOrigin(p))));
        }
        return null;
    }

    /**
     * What the rule providers' downloads gave; when this thread is interrupted meanwhile, they are stopped and each
     * http provider failed so, as {@link dev.turnout.host.files.AtOnce} says it.
     */
    private static Map<ProviderEntry, Exception> finished(FutureTask<Map<ProviderEntry, Exception>> downloads,
                                                          Config config) {
        try {
            return downloads.get();
        } catch (InterruptedException e) {
            downloads.cancel(true);
            Map<ProviderEntry, Exception> all = new java.util.HashMap<>();
            config.providers().values().stream().filter(p -> "http".equals(p.type())).forEach(p -> all.put(p, e));
            return all;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    static String stripOrigin(RuleException e) {
        String prefix = e.origin() + ": ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
