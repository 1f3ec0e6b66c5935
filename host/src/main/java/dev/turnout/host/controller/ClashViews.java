package dev.turnout.host.controller;

import io.netty.util.NetUtil;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.turnout.api.Metadata;
import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundOptions;
import dev.turnout.host.config.Config;
import dev.turnout.host.config.ConfigException;
import dev.turnout.host.config.ProviderEntry;
import dev.turnout.host.config.Section;
import dev.turnout.host.dns.DnsOptions;
import dev.turnout.host.flow.Flow;
import dev.turnout.host.flow.FlowTable;
import dev.turnout.host.inbound.Authentication;
import dev.turnout.host.outbound.AdapterTypes;
import dev.turnout.host.outbound.HealthBook;
import dev.turnout.host.outbound.Outbounds;
import dev.turnout.host.outbound.ProxyGroup;
import dev.turnout.host.platform.IpPrefix;
import dev.turnout.host.provider.ProxyProvider;
import dev.turnout.host.provider.SubscriptionInfo;
import dev.turnout.host.route.ProviderLoader;
import dev.turnout.host.route.RuleProviderLoads;
import dev.turnout.host.route.RuleStats;
import dev.turnout.host.route.Router;
import dev.turnout.host.route.Routing;
import dev.turnout.host.runtime.Turnout;
import dev.turnout.host.tun.TunOptions;
import dev.turnout.rules.RuleLine;
import dev.turnout.rules.RuleSet;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Turnout's state in the JSON shapes Clash 1.18's controller uses, so existing dashboards read it unchanged. */
final class ClashViews {

    /** mihomo's built-in that goes on with a sub-rules list's next rule (see {@link #proxies}). */
    private static final String PASS_RULE = "PASS-RULE";

    private ClashViews() {
    }

    static String proxyType(Outbound o) {
        String name = AdapterTypes.mihomoName(o.type());
        if (o instanceof ProxyGroup) {
            return name == null ? "Selector" : name; // group types are checked at load
        }
        return name != null ? name : RuleView.typeName(o.type().toUpperCase(Locale.ROOT));
    }

    static Map<String, Object> proxy(Outbound o, HealthBook book) {
        return proxy(o, book, null);
    }

    /**
     * One outbound or group as mihomo's {@code adapter.Proxy} writes it: Clash 1.18's keys, then mihomo's that
     * every proxy carries ({@code extra}, how it dials), which Clash Verge Rev's typed client requires of each.
     *
     * @param entry the proxy's config entry (its {@code dialer-proxy}, {@code interface-name}, {@code routing-mark}),
     *     or {@code null} for built-ins, groups and what is not known
     */
    static Map<String, Object> proxy(Outbound o, HealthBook book, OutboundOptions entry) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alive", book.alive(o.name()));
        if (o instanceof ProxyGroup g) {
            m.put("all", g.members());
        }
        m.put("history", history(book.history(o.name())));
        m.put("name", o.name());
        if (o instanceof ProxyGroup g && !"load-balance".equals(g.type()) && !g.relay()) {
            // A string always, as mihomo's (whose empty group shows COMPATIBLE): dashboards read it as one.
            m.put("now", g.now() == null ? "" : g.now());
        }
        if (o instanceof ProxyGroup g && g.fixable()) {
            m.put("fixed", g.fixed()); // mihomo's: the pinned member, which dashboards mark
        }
        if (o instanceof ProxyGroup g) {
            // mihomo's groups carry these two for dashboards (hidden groups are not listed)
            m.put("hidden", g.options().hidden());
            m.put("icon", g.options().icon() == null ? "" : g.options().icon());
        }
        if (o instanceof ProxyGroup g && g.automatic() && g.settings() != null) {
            // mihomo's checking groups: metacubexd and zashboard test the group with its own URL
            m.put("testUrl", g.settings().url());
            m.put("expectedStatus", g.settings().expectedStatus().toString());
        }
        m.put("type", proxyType(o));
        boolean udp;
        try {
            udp = o.supportsUdp();
        } catch (RuntimeException e) {
            udp = false;
        }
        m.put("udp", udp);
        m.put("extra", extra(o, book));
        // Turnout speaks no UDP over TCP, XUDP, TCP Fast Open, MPTCP or smux on any outbound.
        m.put("uot", false);
        m.put("xudp", false);
        m.put("tfo", false);
        m.put("mptcp", false);
        m.put("smux", false);
        m.put("interface", entryString(entry, "interface-name"));
        m.put("dialer-proxy", entryString(entry, "dialer-proxy"));
        int mark = 0;
        try {
            mark = entry == null ? 0 : entry.integer("routing-mark", 0);
        } catch (OptionException | RuntimeException e) {
            // the config's check said so at load; shown as none
        }
        m.put("routing-mark", mark);
        return m;
    }

    private static String entryString(OutboundOptions entry, String key) {
        try {
            return entry == null ? "" : entry.string(key, "");
        } catch (OptionException | RuntimeException e) {
            return "";
        }
    }

    /** mihomo's {@code extra}: per test URL, whether the last check with it passed and its checks. */
    private static Map<String, Object> extra(Outbound o, HealthBook book) {
        Map<String, Object> extra = new TreeMap<>();
        book.historyByUrl(o.name()).forEach((url, checks) -> {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("alive", checks.get(checks.size() - 1).ok());
            state.put("history", history(checks));
            extra.put(url, state);
        });
        return extra;
    }

    /**
     * The config entries of the running proxies by name, the config's own and the providers' nodes: what mihomo
     * shows of how each dials.
     */
    static Map<String, OutboundOptions> entries(Config c, Outbounds outbounds) {
        Map<String, OutboundOptions> byName = new HashMap<>();
        if (c != null) {
            c.proxies().forEach(p -> byName.putIfAbsent(p.name(), p.options()));
        }
        outbounds.providers().values().forEach(p -> p.content().nodes()
                .forEach(n -> byName.putIfAbsent(n.name(), n.options())));
        return byName;
    }

    private static List<Map<String, Object>> history(List<HealthBook.Check> checks) {
        List<Map<String, Object>> history = new ArrayList<>();
        for (HealthBook.Check c : checks) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("time", Instant.ofEpochMilli(c.epochMillis()).toString());
            h.put("delay", c.delayMillis());
            history.add(h);
        }
        return history;
    }

    static Map<String, Object> proxies(Outbounds outbounds, HealthBook book) {
        return proxies(outbounds, book, null);
    }

    /**
     * {@code GET /proxies}. PASS-RULE is listed only where a group holds it: mihomo calls its type PassRule (June
     * 2026), which Clash Verge Rev's typed client before then rejects, taking the whole list with it; unheld, no
     * dashboard shows it (it is not in GLOBAL).
     */
    static Map<String, Object> proxies(Outbounds outbounds, HealthBook book, Config c) {
        // Go's encoder sorts map keys; dashboards order by GLOBAL's "all", not by this map.
        Map<String, Object> byName = new TreeMap<>();
        Map<String, OutboundOptions> entries = entries(c, outbounds);
        boolean passRuleHeld = outbounds.groups().stream().anyMatch(g -> g.members().contains(PASS_RULE));
        outbounds.all().forEach((name, o) -> {
            if (passRuleHeld || !name.equals(PASS_RULE)) {
                byName.put(name, proxy(o, book, entries.get(name)));
            }
        });
        return Map.of("proxies", byName);
    }

    /** mihomo's {@code GET /providers/proxies}: every proxy provider by name. */
    static Map<String, Object> proxyProviders(Outbounds outbounds, HealthBook book) {
        Map<String, Object> byName = new TreeMap<>();
        outbounds.providers().forEach((name, p) -> byName.put(name, proxyProvider(p, outbounds, book)));
        return Map.of("providers", byName);
    }

    /**
     * One proxy provider in mihomo's shape: name, type, vehicleType, its nodes in {@code /proxies}' shape,
     * testUrl, expectedStatus, updatedAt and, when the server sent {@code subscription-userinfo},
     * subscriptionInfo (Go's field names: Upload, Download, Total, Expire).
     */
    static Map<String, Object> proxyProvider(ProxyProvider p, Outbounds outbounds, HealthBook book) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("type", "Proxy");
        m.put("vehicleType", p.content().vehicleType());
        List<Object> nodes = new ArrayList<>();
        Map<String, OutboundOptions> entries = new HashMap<>();
        p.content().nodes().forEach(e -> entries.putIfAbsent(e.name(), e.options()));
        for (String n : p.nodes()) {
            Outbound o = outbounds.get(n);
            if (o != null) {
                nodes.add(proxy(o, book, entries.get(n)));
            }
        }
        m.put("proxies", nodes);
        var hc = p.content().entry().healthCheck();
        m.put("testUrl", hc.url() == null ? "" : hc.url());
        m.put("expectedStatus", hc.expectedStatus().toString());
        Instant updated = dev.turnout.host.provider.ProxyProviders.updatedAt(p.content());
        // mihomo answers Go's zero time for a provider never updated
        m.put("updatedAt", updated == null ? "0001-01-01T00:00:00Z" : updated.toString());
        SubscriptionInfo info = dev.turnout.host.provider.ProxyProviders.info(p.content());
        if (info != null) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("Upload", info.upload());
            i.put("Download", info.download());
            i.put("Total", info.total());
            i.put("Expire", info.expire());
            m.put("subscriptionInfo", i);
        }
        return m;
    }

    /**
     * {@code GET /rules} as mihomo 1.19.19 answers it: each rule's type, payload and target as Clash 1.18 gave them,
     * its {@code index} (what {@code PATCH /rules/disable} names), {@code size} (the entries of the set a RULE-SET,
     * GEOSITE or ranges-read GEOIP stands for, as compiled; -1 for other rules) and {@code extra}: whether it is switched off, and how often and
     * when last it decided a flow ({@code hit}) or was passed over for a later rule or none ({@code miss}).
     */
    static Map<String, Object> rules(RuleSet rules, List<RuleStats.Entry> stats) {
        List<RuleLine> lines = rules.lines();
        List<Map<String, Object>> out = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            RuleView v = RuleView.ofLine(lines.get(i).text());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", i);
            m.put("type", v.type());
            m.put("payload", v.payload());
            m.put("proxy", v.proxy());
            m.put("size", rules.entries(i));
            RuleStats.Entry e = stats.get(i);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("disabled", rules.disabled().contains(i));
            extra.put("hitCount", e.hitCount());
            extra.put("hitAt", goTime(e.hitAt()));
            extra.put("missCount", e.missCount());
            extra.put("missAt", goTime(e.missAt()));
            m.put("extra", extra);
            out.add(m);
        }
        return Map.of("rules", out);
    }

    /** A time as Go's JSON writes a time.Time: never is its zero time, which dashboards know. */
    private static String goTime(long epochMillis) {
        return epochMillis == 0 ? "0001-01-01T00:00:00Z" : Instant.ofEpochMilli(epochMillis).toString();
    }

    /**
     * {@code GET /version}: mihomo's {@code meta} is false, for Turnout is not mihomo (Clash Verge Rev would show
     * "turnout-... Mihomo"; it reads the key, metacubexd, zashboard and yacd do not); Clash's {@code premium} too.
     */
    static Map<String, Object> version(String version) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("meta", false);
        m.put("premium", false);
        m.put("version", "turnout-" + version);
        return m;
    }

    static Map<String, Object> configs(Config c, String mode, String logLevel) {
        return configs(c, mode, logLevel, null, null);
    }

    /** {@code prefixes} under {@code key} as mihomo writes a {@code []netip.Prefix}, unless there are none (omitempty). */
    private static void putPrefixes(Map<String, Object> into, String key, List<IpPrefix> prefixes) {
        if (!prefixes.isEmpty()) {
            into.put(key, prefixes.stream().map(IpPrefix::toString).toList());
        }
    }

    /**
     * Clash's {@code GET /configs}, with mihomo's {@code tun} (its switch in metacubexd and zashboard reads
     * {@code tun.enable}): the TUN as it runs, or, while it is off, what the config's section would open, as mihomo
     * shows it either way (a dashboard shows and sends back these options beside its switch).
     *
     * @param tun     the TUN that runs, or {@code null}
     * @param section the options of the config's {@code tun:} section, or {@code null} when it does not validate
     */
    static Map<String, Object> configs(Config c, String mode, String logLevel, Turnout.TunView tun,
            TunOptions section) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", c.httpPort());
        m.put("socks-port", c.socksPort());
        m.put("redir-port", c.redirPort());
        m.put("tproxy-port", c.tproxyPort());
        m.put("mixed-port", c.mixedPort());
        m.put("allow-lan", c.allowLan());
        m.put("bind-address", c.bindAddress());
        // Clash lists user:password here; the passwords stay out of every answer.
        m.put("authentication", c.authentication().users().keySet().stream().map(u -> u + ":******").toList());
        // mihomo's: whom the ports do not ask and which LAN clients they serve.
        // mihomo's is a nil slice unless set: null, where a dashboard shows "none" (an empty list set the same way).
        List<String> skipping = Authentication.texts(c.authentication().skipPrefixes());
        m.put("skip-auth-prefixes", skipping.isEmpty() ? null : skipping);
        m.put("lan-allowed-ips", Authentication.texts(c.authentication().lanAllowed()));
        m.put("lan-disallowed-ips", Authentication.texts(c.authentication().lanDisallowed()));
        m.put("mode", mode);
        m.put("log-level", logLevel);
        // mihomo's answer: whether names lead to IPv6 addresses (its resolver's switch), not the DNS server's AAAA.
        m.put("ipv6", c.ipv6());
        // mihomo's, as the config runs them: dashboards show these, and may send them back as they read them.
        m.put("interface-name", c.interfaceName() == null ? "" : c.interfaceName());
        m.put("routing-mark", c.routingMark());
        m.put("tcp-concurrent", c.tcpConcurrent());
        m.put("unified-delay", c.unifiedDelay());
        m.put("keep-alive-idle", c.keepAlive().idleSeconds());
        m.put("keep-alive-interval", c.keepAlive().intervalSeconds());
        m.put("disable-keep-alive", !c.keepAlive().enabled());
        m.put("find-process-mode", c.findProcessMode());
        m.put("sniffing", Boolean.TRUE.equals(c.sniffer().values().get("enable")));
        m.put("geodata-mode", c.geo().geodataMode());
        m.put("geo-auto-update", c.geo().autoUpdate());
        m.put("geo-update-interval", c.geo().updateIntervalHours());
        // mihomo's JSON names (its YAML's are geoip and geosite)
        Map<String, Object> geox = new LinkedHashMap<>();
        geox.put("geo-ip", c.geo().geoIpUrl());
        geox.put("mmdb", c.geo().mmdbUrl());
        geox.put("asn", c.geo().asnUrl());
        geox.put("geo-site", c.geo().geoSiteUrl());
        m.put("geox-url", geox);
        // mihomo's general keys Turnout has no use for, as it runs: no loader or matcher to choose (the same
        // lists match the same names), subscriptions fetched with the client's own User-Agent, without ETags.
        m.put("geodata-loader", "");
        m.put("geosite-matcher", "");
        m.put("global-client-fingerprint", "");
        m.put("global-ua", dev.turnout.host.provider.SubscriptionClient.USER_AGENT);
        m.put("etag-support", false);
        // mihomo's inbound keys: Turnout serves no TUIC, no ss-config or vmess-config listener, and its inbounds
        // use neither TCP Fast Open nor MPTCP.
        Map<String, Object> tuic = new LinkedHashMap<>();
        tuic.put("enable", false);
        tuic.put("listen", "");
        tuic.put("certificate", "");
        tuic.put("private-key", "");
        tuic.put("ech-key", "");
        m.put("tuic-server", tuic);
        m.put("ss-config", "");
        m.put("vmess-config", "");
        m.put("inbound-tfo", false);
        m.put("inbound-mptcp", false);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("enable", tun != null);
        TunOptions o = tun != null ? tun.options() : section;
        // mihomo writes its whole tun section, on or off; Clash Verge Rev's client requires these keys.
        t.put("device", tun != null ? tun.device() : o == null || o.device() == null ? "" : o.device());
        // The one Turnout runs, whatever the config asked (the log says so), in mihomo's spelling (TUNStack.String).
        t.put("stack", "System");
        t.put("dns-hijack", o == null ? List.of() : o.dnsHijack());
        t.put("auto-route", o != null && o.autoRoute());
        t.put("auto-detect-interface", o != null && o.autoDetectInterface());
        if (o != null) {
            t.put("mtu", o.mtu());
            // mihomo's config.Tun JSON: these are omitempty there, so a switch that is off and an empty list are left
            // out as mihomo leaves them (a dashboard sending the section back then sends what it read).
            if (o.gso()) {
                t.put("gso", true);
            }
            putPrefixes(t, "inet4-address", o.inet4Address() == null ? List.of() : List.of(o.inet4Address()));
            putPrefixes(t, "inet6-address", o.inet6Address() == null ? List.of() : List.of(o.inet6Address()));
            if (o.strictRoute()) {
                t.put("strict-route", true);
            }
            putPrefixes(t, "route-address", o.routeAddress());
            putPrefixes(t, "route-exclude-address", o.routeExcludeAddress());
            t.put("udp-timeout", o.udpTimeoutSeconds());
        }
        t.put("file-descriptor", 0); // mihomo's: a TUN handed over open (Android); Turnout opens its own
        m.put("tun", t);
        m.put("dns", dnsView(c.dns()));
        return m;
    }

    /**
     * The {@code dns:} section as it runs, for metacubexd's DNS card, which shows and sends back the mode, the
     * servers, the fake range and {@code use-hosts}, mihomo's defaults where a key is absent. A value
     * that does not read as its type is left out (a DNS that is off was not checked).
     */
    static Map<String, Object> dnsView(Section dns) {
        Map<String, Object> d = new LinkedHashMap<>();
        try {
            d.put("enable", dns.bool("enable", false));
            d.put("listen", dns.string("listen", ""));
            d.put("ipv6", dns.bool("ipv6", false));
            d.put("enhanced-mode", dns.string("enhanced-mode", "redir-host").toLowerCase(Locale.ROOT));
            d.put("fake-ip-range", dns.string("fake-ip-range", DnsOptions.DEFAULT_FAKE_IP_RANGE));
            d.put("nameserver", dns.strings("nameserver"));
            d.put("fallback", dns.strings("fallback"));
            d.put("use-hosts", dns.bool("use-hosts", true));
        } catch (ConfigException e) {
            // the keys read so far
        }
        return d;
    }

    /**
     * Clash's connection list, one flow at a time: with thousands of flows and a dashboard asking every second,
     * building it whole first kept megabytes alive long enough to reach the old generation each time.
     * With {@code outbounds}, chains through nested groups are spelled out, as Clash does.
     */
    static Json.Document connections(FlowTable flows, Outbounds outbounds) {
        return new Json.Document() {
            @Override
            public void writeTo(JsonGenerator out) throws IOException {
                out.writeStartObject();
                out.writeNumberField("downloadTotal", flows.totalDownload());
                out.writeNumberField("uploadTotal", flows.totalUpload());
                out.writeArrayFieldStart("connections");
                for (Flow f : flows.snapshot()) {
                    writeConnection(out, f, outbounds);
                }
                out.writeEndArray();
                // mihomo's: the process's memory, as /memory's inuse (Clash Verge Rev's client requires it)
                out.writeNumberField("memory", ProcessMemory.inUse());
                out.writeEndObject();
            }

            @Override
            public int expectedBytes() {
                // 332 bytes a flow on average in bench/idle-flows.sh (TUN flows by address, rule MATCH, DIRECT)
                return 64 + (int) Math.min(64L << 20, 352L * flows.size());
            }
        };
    }

    /** One flow in Clash's shape, field by field: nothing of it outlives the write. */
    static void writeConnection(JsonGenerator out, Flow f, Outbounds outbounds) throws IOException {
        Metadata md = f.metadata();
        out.writeStartObject();
        out.writeStringField("id", ConnectionIds.of(f.id()));
        out.writeObjectFieldStart("metadata");
        out.writeStringField("network", md.network().name().toLowerCase(Locale.ROOT));
        out.writeStringField("type", inboundType(md.inbound(), md.inboundType()));
        out.writeStringField("sourceIP", md.source() == null ? "" : NetUtil.toAddressString(md.source().getAddress()));
        out.writeStringField("destinationIP",
                md.destination().hasAddress() ? NetUtil.toAddressString(md.destination().address()) : "");
        out.writeStringField("sourcePort", md.source() == null ? "" : Integer.toString(md.source().getPort()));
        out.writeStringField("destinationPort", Integer.toString(md.destination().port()));
        out.writeStringField("host", md.destination().hasHost() ? md.destination().host() : "");
        out.writeStringField("dnsMode", f.dnsMode().clashName());
        out.writeStringField("processPath", md.processPath() != null ? md.processPath()
                : md.processName() == null ? "" : md.processName());
        // mihomo's: the proxy a listener's 'proxy' sends every flow to, past the rules
        out.writeStringField("specialProxy", byListener(f) ? f.target() : "");
        // mihomo's metadata past Clash's, as far as Turnout knows it (Clash Verge Rev's client requires each key):
        // no ASN lookups, no special rules, the address it reached not kept.
        out.writeStringField("sourceIPASN", "");
        out.writeStringField("destinationIPASN", "");
        out.writeStringField("inboundIP", "");
        out.writeStringField("inboundPort", Integer.toString(Math.max(0, md.inboundPort())));
        out.writeStringField("inboundName", md.inboundName() == null ? "" : md.inboundName());
        out.writeStringField("inboundUser", md.inboundUser() == null ? "" : md.inboundUser());
        out.writeNumberField("uid", md.uid() < 0 ? 0 : md.uid());
        out.writeStringField("process", md.processName() == null ? "" : md.processName());
        out.writeStringField("specialRules", "");
        out.writeStringField("remoteDestination", "");
        out.writeNumberField("dscp", md.dscp() < 0 ? 0 : md.dscp());
        out.writeStringField("sniffHost", f.sniffHost() == null ? "" : f.sniffHost());
        out.writeEndObject();
        out.writeNumberField("upload", f.uploadBytes());
        out.writeNumberField("download", f.downloadBytes());
        out.writeStringField("start", Instant.ofEpochMilli(f.startMillis()).toString());
        // Clash lists the chain from the proxy that carries the flow back to what the rule named.
        out.writeArrayFieldStart("chains");
        for (String name : chain(f, outbounds)) {
            out.writeString(name);
        }
        out.writeEndArray();
        if (decidedByNoRule(f)) {
            out.writeStringField("rule", "");
            out.writeStringField("rulePayload", "");
        } else {
            RuleView rule = RuleView.ofMatch(f.rule());
            out.writeStringField("rule", rule.type());
            out.writeStringField("rulePayload", rule.payload());
        }
        out.writeEndObject();
    }

    /**
     * From the outbound that carries the flow back to what the rule named, e.g. {@code [near, auto, pick]}, as the
     * groups chose when the flow was dialled (mihomo's tracker fixes the chain then): a choice changed since does not
     * change an open flow's chain, which still goes through what it went through.
     */
    static List<String> chain(Flow f, Outbounds outbounds) {
        List<String> chain = f.chain();
        // A relay's hops before it, last first, as mihomo's relay.go appends them: [s5-a, s5-e, RELAY].
        if (outbounds != null && outbounds.get(chain.get(0)) instanceof ProxyGroup relay && relay.relay()) {
            List<String> hops = relay.relayChain();
            if (!hops.isEmpty()) {
                List<String> out = new ArrayList<>(hops);
                out.addAll(chain);
                return out;
            }
        }
        return chain;
    }

    /**
     * Whether no rule decided {@code f}: mode global or direct, or a listener's {@code proxy}, for which mihomo's
     * resolveMetadata gives no rule and its tracker an empty {@code rule} and {@code rulePayload}. The routing log
     * still says which ({@code match GLOBAL}).
     */
    static boolean decidedByNoRule(Flow f) {
        return f.rule().equals(Router.GLOBAL_MODE) || f.rule().equals(Router.DIRECT_MODE_RULE) || byListener(f);
    }

    private static boolean byListener(Flow f) {
        return f.rule().startsWith(Router.LISTENER_RULE);
    }

    /** mihomo's name for where a flow came in; {@code type} is its inbound type, HTTPS for a CONNECT. */
    static String inboundType(String inbound, String type) {
        if ("HTTPS".equals(type)) {
            return "HTTPS"; // mihomo's name for a CONNECT (Clash 1.18 said "HTTP Connect"), as IN-TYPE,HTTPS matches
        }
        String i = inbound.toLowerCase(Locale.ROOT);
        if (i.contains("socks")) {
            return i.contains("socks4") ? "Socks4" : "Socks5";
        }
        if (i.contains("http")) {
            return "HTTP";
        }
        if (i.equals("tunnel")) {
            return "Tunnel";
        }
        if (i.equals("tproxy")) {
            return "TProxy"; // mihomo's spelling
        }
        if (i.contains("tun")) {
            return "Tun";
        }
        if (i.equals("mixed")) {
            return "Mixed";
        }
        if (i.equals("internal")) {
            return "Inner"; // mihomo's name for the connections the core makes for itself
        }
        return inbound.isEmpty() ? "Unknown" : Character.toUpperCase(inbound.charAt(0)) + inbound.substring(1);
    }

    /** mihomo's {@code GET /providers/rules}: every rule provider of the running config by name. */
    static Map<String, Object> ruleProviders(Config c, Routing routing) {
        Map<String, Object> byName = new TreeMap<>();
        for (ProviderEntry p : c.providers().values()) {
            byName.put(p.name(), ruleProvider(p, routing));
        }
        return Map.of("providers", byName);
    }

    /**
     * One rule provider as mihomo's {@code ruleSetProvider} and {@code inlineProvider} write it, from what the running
     * routing read, not from the file as it is now: {@code ruleCount} is the entries of the set in use (those skipped
     * with a warning not counted), {@code updatedAt} when it was read (the file's time as read, as mihomo's fetcher
     * takes it; for an http provider its copy's time, which a download of the same set sets without a reload; for an
     * inline one when the routing was compiled, which {@code PUT} does anew). An inline provider has no format and
     * shows its payload, as mihomo's.
     */
    static Map<String, Object> ruleProvider(ProviderEntry p, Routing routing) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("behavior", switch (p.behavior()) {
            case DOMAIN -> "Domain";
            case IPCIDR -> "IPCIDR";
            case CLASSICAL -> "Classical";
        });
        boolean inline = p.payload() != null;
        m.put("format", inline ? "" : switch (p.format().name()) {
            case "YAML" -> "YamlRule";
            case "MRS" -> "MrsRule";
            default -> "TextRule";
        });
        m.put("name", p.name());
        m.put("ruleCount", Math.max(0, routing.rules().providerEntries(p.name())));
        m.put("type", "Rule");
        m.put("vehicleType", "http".equals(p.type()) ? "HTTP" : inline ? "Inline" : "File");
        m.put("updatedAt", updatedAt(p, routing.providerLoads()));
        if (inline && !p.payload().isEmpty()) {
            m.put("payload", p.payload().stream().map(RuleLine::text).toList());
        }
        return m;
    }

    private static String updatedAt(ProviderEntry p, RuleProviderLoads loads) {
        if (p.payload() != null) {
            return loads.at().toString();
        }
        ProviderLoader.Stamp read = loads.stamps().get(p.name());
        if (read == null) {
            return "0001-01-01T00:00:00Z"; // not read (no file): mihomo's zero time
        }
        if ("http".equals(p.type())) {
            ProviderLoader.Stamp now = ProviderLoader.Stamp.of(p.path());
            if (now != null && now.size() == read.size() && now.modified().isAfter(read.modified())) {
                return now.modified().toString(); // a download that brought the same set: mihomo's time of it
            }
        }
        return read.modified().toString();
    }
}
