package dev.turnout.host.dns;

import dev.turnout.api.OptionException;
import dev.turnout.api.Outbound;
import dev.turnout.api.OutboundContext;
import dev.turnout.api.OutboundOptions;
import dev.turnout.api.OutboundType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds mihomo's {@code type: dns} outbounds. Built into the host rather than a plugin: it answers with the
 * host's own DNS, which no plugin is given.
 */
public final class DnsOutboundType implements OutboundType {

    public static final String TYPE = "dns";

    /** {@code null} for {@code turnout check}, which starts no DNS. */
    private final DnsService dns;

    private DnsOutboundType(DnsService dns) {
        this.dns = dns;
    }

    /** {@code plugins}' types and this one, answering with {@code dns} (which may be {@code null}). */
    public static Map<String, OutboundType> beside(Map<String, OutboundType> plugins, DnsService dns) {
        Map<String, OutboundType> all = new LinkedHashMap<>(plugins);
        all.putIfAbsent(TYPE, new DnsOutboundType(dns));
        return all;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Outbound create(OutboundOptions options, OutboundContext context) throws OptionException {
        InetSocketAddress tcp = null;
        if (dns != null) {
            try {
                tcp = dns.tcpForOutbounds();
            } catch (IOException e) {
                throw new OptionException("type", "its DNS-over-TCP server cannot listen on loopback: "
                        + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OptionException("type", "interrupted while starting its DNS-over-TCP server");
            }
        }
        return new DnsOutbound(options.name(), dns, tcp);
    }
}
